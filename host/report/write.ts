/**
 * Writing a report safely: each file goes to a temporary file in the same directory, is synced
 * and renamed over the target, so a reader sees the old file or the whole new one, never half of
 * either; a failed export removes its temporary files (and a directory it created), leaving
 * nothing behind. A report is never written over one of the capture's own files.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, rmdir, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

export class ReportWriteError extends Error {}

/** A temporary file beside `path`, synced: renamed over `path` to commit, removed to abort. */
async function stage(path: string, data: Uint8Array | string): Promise<string> {
  const dir = dirname(resolve(path))
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  try {
    const fh = await open(tmp, 'wx', 0o644)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    return tmp
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/** Write `data` to `path` atomically (temp file in the same directory, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = await stage(path, data)
  try {
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}

/** The files a report writes, never one the capture was read from. */
function checkNotInput(targets: string[], inputs: readonly string[]): void {
  const ins = new Set(inputs.map((p) => resolve(p)))
  for (const t of targets) if (ins.has(resolve(t))) throw new ReportWriteError(`${t}: that is one of the capture's own files; a report never overwrites its input`)
}

/** One file (html, pdf, md, json, a csv zip). */
export async function writeReportFile(path: string, data: Uint8Array | string, inputs: readonly string[] = []): Promise<string[]> {
  checkNotInput([path], inputs)
  if (await isDir(path)) throw new ReportWriteError(`${path} is a directory; give a file name (or DIR/ for CSV files)`)
  await writeFileAtomic(path, data)
  return [path]
}

/**
 * Several files into a directory (the CSV tables): created when missing. Every file is staged
 * first (written and synced beside its target); only when all are staged are they renamed into
 * place. When staging fails, the staged files (and the directory, when this call made it) are
 * removed, and every file that was there before is untouched.
 */
export async function writeReportDir(dir: string, files: Array<{ name: string; data: Uint8Array | string }>, inputs: readonly string[] = []): Promise<string[]> {
  for (const f of files) if (basename(f.name) !== f.name || f.name.startsWith('.')) throw new ReportWriteError(`report file name ${f.name} is not a plain name`)
  const targets = files.map((f) => join(dir, f.name))
  checkNotInput(targets, inputs)
  for (const t of targets) if (await isDir(t)) throw new ReportWriteError(`${t} is a directory; the report's ${basename(t)} cannot replace it`)
  const existed = await isDir(dir)
  if (!existed) await mkdir(dir, { recursive: true })
  const staged: string[] = []
  try {
    for (const [i, f] of files.entries()) staged.push(await stage(targets[i]!, f.data))
  } catch (e) {
    for (const p of staged) await rm(p, { force: true })
    if (!existed) await rmdir(dir).catch(() => undefined)
    throw e
  }
  for (const [i, tmp] of staged.entries()) await rename(tmp, targets[i]!)
  return targets
}
