/**
 * Reading dropped or picked files into { name, bytes } for startOpenUpload (DOM helpers, no API).
 * A dropped directory is flattened to its files (the host takes plain names); hidden files are
 * skipped; two files with the same name are an error in plain words.
 */
import type { UploadFile } from './stores/snapshots.ts'

interface EntryLike {
  isFile: boolean
  isDirectory: boolean
  name: string
  file?: (ok: (f: File) => void, fail: (e: unknown) => void) => void
  createReader?: () => { readEntries: (ok: (entries: EntryLike[]) => void, fail: (e: unknown) => void) => void }
}

async function entryFiles(entry: EntryLike, out: File[], depth = 0): Promise<void> {
  if (entry.name.startsWith('.')) return
  if (entry.isFile && entry.file) {
    out.push(await new Promise<File>((ok, fail) => entry.file!(ok, fail)))
  } else if (entry.isDirectory && entry.createReader && depth < 6) {
    const reader = entry.createReader()
    for (;;) {
      const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail))
      if (batch.length === 0) break
      for (const e of batch) await entryFiles(e, out, depth + 1)
    }
  }
}

/** Files of a drop (directories expanded). Must be called synchronously from the drop handler. */
export function collectDropped(dt: DataTransfer): Promise<File[]> {
  const entries: EntryLike[] = []
  const plain: File[] = []
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue
    const entry = (item as DataTransferItem & { webkitGetAsEntry?: () => EntryLike | null }).webkitGetAsEntry?.()
    if (entry) entries.push(entry)
    else {
      const f = item.getAsFile()
      if (f) plain.push(f)
    }
  }
  if (entries.length === 0 && plain.length === 0) plain.push(...Array.from(dt.files ?? []))
  return (async () => {
    const out = [...plain]
    for (const e of entries) await entryFiles(e, out)
    return out
  })()
}

/** Bytes of each file, by plain name. Throws a plain-words Error on duplicate names. */
export async function readUploads(files: File[]): Promise<UploadFile[]> {
  const seen = new Set<string>()
  const out: UploadFile[] = []
  for (const f of files) {
    const name = f.name.split(/[\\/]/).pop() ?? f.name
    if (!name || name.startsWith('.')) continue
    if (seen.has(name)) throw new Error(`two dropped files are both named "${name}"; drop one capture at a time`)
    seen.add(name)
    out.push({ name, data: new Uint8Array(await f.arrayBuffer()) })
  }
  return out
}

/** A name for what was dropped or picked: the common top folder, the one file, or "N files". */
export function uploadTitle(files: Array<{ name: string; webkitRelativePath?: string }>): string {
  if (files.length === 1) return files[0]!.name
  const tops = new Set(files.map((f) => (f.webkitRelativePath ?? '').split('/')[0] ?? ''))
  const [top] = [...tops]
  if (tops.size === 1 && top) return top
  return `uploaded capture (${files.length} files)`
}
