/**
 * Snapshot container reader (Node side; used by the CLI and the Electron main process).
 *
 * A snapshot is opened from one of:
 * 1. a directory of captured files, in either layout:
 *    (a) flat, as in fixtures/<run>/NN-label/: buddyinfo, pagetypeinfo, zoneinfo, vmstat,
 *        node0_vmstat, meminfo, extfrag_index, unusable_index, kpageflags[.gz], ...;
 *    (b) mirroring the machine's paths: proc/buddyinfo, sys/kernel/debug/extfrag/...,
 *        proc/sys/vm/<knob>, sys/kernel/mm/transparent_hugepage/**, ...
 * 2. a .tar.gz / .tgz / .tar bundle holding either layout (optionally inside one top folder),
 *    with an optional manifest.json;
 * 3. a single captured file, recognised by its name or, failing that, by its content.
 * A directory (or bundle) of numbered sub-captures (01-boot, 02-before, ...), or one whose
 * manifest.json lists a "series", is a series: openSeries() lists the captures and
 * openSnapshot() opens the one labelled "before" (else the first) unless told otherwise.
 *
 * Every file is exposed under a canonical logical name (see CANONICAL below); any file may be
 * gzip-compressed (".gz" suffix or 1f 8b magic) and is decompressed transparently. Inputs are
 * only ever read. Failures are SnapshotErrors naming the path and what was expected.
 */
import { open, readFile, stat } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { basename, resolve as resolvePath } from 'node:path'
import { createGunzip, gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import { SnapshotError, ioReason } from './snapshot_error.ts'
import { MANIFEST_MAX_BYTES, parseManifest, type Manifest } from './snapshot_manifest.ts'
import { FsTree, joinRel, type Tree, type TreeFile } from './snapshot_tree.ts'
import { sosreportExtras } from './sosreport.ts'
import { importForeign, type ForeignImport } from './foreign.ts'
import { DEFAULT_LIMITS, ExtractedBundle, XZ_NAME, extractBundle, type BundleCache, type BundleLimits } from './snapshot_bundle.ts'

export { SnapshotError } from './snapshot_error.ts'
export type { Manifest, ManifestCapture, ManifestStep, ManifestFile, ManifestSkip } from './snapshot_manifest.ts'
export type { BundleLimits, SharedExtraction } from './snapshot_bundle.ts'
export { BundleCache } from './snapshot_bundle.ts'

const gunzipAsync = promisify(gunzip)

/** Canonical logical names of single files (plus node<N>_vmstat and cma/<name>/<file>). */
export const CANONICAL = [
  'buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'extfrag_index', 'unusable_index',
  'kpageflags', 'kpagecount', 'cmdline', 'iomem', 'slabinfo', 'uname_r', 'uptime',
  'sysctl_vm', 'transparent_hugepage', 'hugepages', 'uname_m', 'dmesg_cma',
  'page_owner', 'page_owner_stacks',
] as const

/**
 * Files read with openStream, never whole: kpageflags/kpagecount (binary, 8 bytes per PFN) and
 * the debugfs page_owner texts (hundreds of MB on a large machine; engine/procfs/page_owner.ts).
 */
export const BINARY_FILES: ReadonlySet<string> = new Set(['kpageflags', 'kpagecount', 'page_owner', 'page_owner_stacks'])

/** readText refuses files larger than this (decompressed); use openStream for those. */
export const TEXT_MAX_BYTES = 64 * 1024 * 1024

const CANONICAL_SET: ReadonlySet<string> = new Set(CANONICAL)
const NODE_VMSTAT = /^node(\d+)_vmstat$/

export interface SnapshotSource {
  /** What the user opened (the directory, bundle or file path given to openSnapshot/openSeries). */
  readonly path: string
  readonly kind: 'directory' | 'bundle' | 'file'
  /** Label of the sub-capture within a series (e.g. '02-before'); null when the path is one capture. */
  readonly label: string | null
  /** The capture's manifest.json, else the series' manifest.json, else null. */
  readonly manifest: Manifest | null
  /** Canonical logical names present, sorted. */
  readonly files: string[]
  has(name: string): boolean
  /** The whole file as UTF-8 text (gunzipped if needed). */
  readText(name: string): Promise<string>
  /** The file's bytes in chunks (gunzipped on the fly if needed); for kpageflags/kpagecount. */
  openStream(name: string): AsyncIterable<Uint8Array>
  /** Uncompressed size in bytes when known without reading (null for gzip-compressed files). */
  size(name: string): number | null
  /** Where the file's bytes are on disk, uncompressed (the user's file or the unpacked bundle's copy), for positional reads; null for gzip-compressed and inline files. */
  plainFile?(name: string): string | null
  /** Human path for messages, e.g. '/x/02-before/kpageflags.gz' or 'snap.tar.gz:proc/buddyinfo'. */
  describe(name: string): string
  /** Releases the bundle's temporary copy, if any. Further reads fail. Idempotent. */
  close(): Promise<void>
}

export interface SnapshotSeries {
  path: string
  /** In numeric order of the folder names, or in manifest order. */
  captures: Array<{ label: string; source: SnapshotSource }>
  /** Index of the capture labelled "before" if any, else 0. */
  defaultIndex: number
  /** RUN.md (or README.md) of the series, if present. */
  readme: string | null
  /** A text file at the root of the series (steps.log, workload.log, dmesg.txt), or null when absent. */
  readFile(name: string): Promise<string | null>
  /** Closes every capture (and removes a bundle's temporary copy). */
  close(): Promise<void>
}

export interface OpenOptions {
  /** Series only: which capture to open, by label ('02-before'), label without number ('before') or number ('2'). */
  capture?: string
  /** Bundle extraction limits (default 64 GiB, 100000 entries). */
  limits?: Partial<BundleLimits>
  /** Unpack a bundle once for every open through this cache (an open snapshot's lifetime). */
  cache?: BundleCache
}

// ---------------------------------------------------------------------------------------------
// Entries of one capture

type Entry =
  | { kind: 'file'; file: TreeFile; gzip: boolean }
  | { kind: 'text'; text: string; display: string }

interface CaptureIndex {
  entries: Map<string, Entry>
  manifest: Manifest | null
}

/** Canonical name of a file in the flat layout, or null. */
export function canonicalName(fileName: string): string | null {
  let n = fileName
  if (n.endsWith('.gz')) n = n.slice(0, -3)
  if (CANONICAL_SET.has(n) || NODE_VMSTAT.test(n)) return n
  return null
}

/** Layout (b): machine path (relative, without .gz) → canonical name. */
const MACHINE_PATHS: ReadonlyArray<[string, string]> = [
  ['proc/buddyinfo', 'buddyinfo'],
  ['proc/pagetypeinfo', 'pagetypeinfo'],
  ['proc/zoneinfo', 'zoneinfo'],
  ['proc/vmstat', 'vmstat'],
  ['proc/meminfo', 'meminfo'],
  ['proc/cmdline', 'cmdline'],
  ['proc/iomem', 'iomem'],
  ['proc/slabinfo', 'slabinfo'],
  ['proc/uptime', 'uptime'],
  ['proc/kpageflags', 'kpageflags'],
  ['proc/kpagecount', 'kpagecount'],
  ['proc/sys/kernel/osrelease', 'uname_r'],
  ['sys/kernel/debug/extfrag/extfrag_index', 'extfrag_index'],
  ['sys/kernel/debug/extfrag/unusable_index', 'unusable_index'],
  ['sys/kernel/debug/page_owner', 'page_owner'],
  ['sys/kernel/debug/page_owner_stacks/show_stacks', 'page_owner_stacks'],
]

const GZIP_MAGIC0 = 0x1f
const GZIP_MAGIC1 = 0x8b

async function sniffGzip(abs: string): Promise<boolean> {
  const fh = await open(abs, 'r')
  try {
    const buf = Buffer.alloc(2)
    const { bytesRead } = await fh.read(buf, 0, 2, 0)
    return bytesRead === 2 && buf[0] === GZIP_MAGIC0 && buf[1] === GZIP_MAGIC1
  } finally {
    await fh.close()
  }
}

async function fileEntry(file: TreeFile): Promise<Entry> {
  let gzip: boolean
  try {
    gzip = await sniffGzip(file.abs)
  } catch (err) {
    throw new SnapshotError(file.display, `${file.display}: cannot read (${ioReason(err)})`)
  }
  return { kind: 'file', file, gzip }
}

/** Whole file as bytes, gunzipped when it starts with the gzip magic; capped at `max`. */
async function readBytes(file: TreeFile, max: number): Promise<Buffer> {
  let raw: Buffer
  try {
    raw = await readFile(file.abs, { flag: 'r' })
  } catch (err) {
    throw new SnapshotError(file.display, `${file.display}: cannot read (${ioReason(err)})`)
  }
  if (!(raw.length >= 2 && raw[0] === GZIP_MAGIC0 && raw[1] === GZIP_MAGIC1)) {
    if (raw.length > max) throw tooLarge(file.display, raw.length, max)
    return raw
  }
  try {
    return await gunzipAsync(raw, { maxOutputLength: max })
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(file.display, null, max)
    }
    throw gzipError(file.display, err)
  }
}

function tooLarge(display: string, size: number | null, max: number): SnapshotError {
  const what = size === null ? `decompresses to more than ${max} bytes` : `is ${size} bytes`
  return new SnapshotError(display, `${display}: ${what}, too large to read as text (limit ${max} bytes); binary files such as kpageflags are read with openStream`)
}

function gzipError(display: string, err: unknown): SnapshotError {
  const detail = err instanceof Error ? err.message.replace(/^zlib:\s*/, '') : String(err)
  const truncated = /unexpected end of file/i.test(detail)
  return new SnapshotError(display, truncated
    ? `${display}: the gzip data is truncated (it ends too early); expected a complete .gz file`
    : `${display}: the gzip data is corrupt (${detail}); expected a file compressed with gzip`)
}

async function readTreeText(file: TreeFile): Promise<string> {
  return (await readBytes(file, TEXT_MAX_BYTES)).toString('utf8')
}

function stripGz(name: string): string {
  return name.endsWith('.gz') ? name.slice(0, -3) : name
}

/** One line of synthesized text: `key: value`, value on one line (empty files are left out). */
function kvLine(key: string, text: string): string | null {
  const v = text.replace(/\s+$/, '').replace(/\r?\n/g, ' ')
  return v === '' ? null : `${key}: ${v}`
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Index one capture rooted at `base` inside `tree`; both layouts, flat names win on conflict. */
async function indexCapture(tree: Tree, base: string): Promise<CaptureIndex> {
  const found = new Map<string, TreeFile>()
  const texts = new Map<string, Entry>()
  const put = (name: string, file: TreeFile): void => {
    const prev = found.get(name)
    // Prefer the uncompressed copy when both `x` and `x.gz` exist.
    if (prev === undefined || (prev.rel.endsWith('.gz') && !file.rel.endsWith('.gz'))) found.set(name, file)
  }
  const fileAt = async (rel: string): Promise<TreeFile | null> => {
    const s = await tree.stat(rel)
    return s?.type === 'file' ? s.file : null
  }

  // CMA: cma/<name>/<file> (flat), sys/kernel/debug/cma/<name>/*, sys/kernel/mm/cma/<name>/*.
  const addCma = async (dir: string): Promise<void> => {
    for (const area of await tree.list(dir)) {
      if (area.type !== 'dir') continue
      for (const f of await tree.list(joinRel(dir, area.name))) {
        if (f.type !== 'file') continue
        const file = await fileAt(joinRel(joinRel(dir, area.name), f.name))
        if (file) put(`cma/${area.name}/${stripGz(f.name)}`, file)
      }
    }
  }

  // (a) flat layout
  const top = await tree.list(base)
  let hasProc = false
  let hasSys = false
  for (const e of top) {
    if (e.type === 'file') {
      const name = canonicalName(e.name)
      if (name !== null) {
        const file = await fileAt(joinRel(base, e.name))
        if (file) put(name, file)
      }
    } else if (e.name === 'cma') {
      await addCma(joinRel(base, 'cma'))
    } else if (e.name === 'proc') {
      hasProc = true
    } else if (e.name === 'sys') {
      hasSys = true
    }
  }

  // (b) machine-path layout; names already found in the flat layout are kept.
  if (hasProc || hasSys) {
    const machine = new Map<string, TreeFile>()
    const putM = (name: string, file: TreeFile): void => {
      const prev = machine.get(name)
      if (prev === undefined || (prev.rel.endsWith('.gz') && !file.rel.endsWith('.gz'))) machine.set(name, file)
    }
    for (const [rel, name] of MACHINE_PATHS) {
      for (const suffix of ['', '.gz']) {
        const file = await fileAt(joinRel(base, rel + suffix))
        if (file) putM(name, file)
      }
    }
    const nodeDir = joinRel(base, 'sys/devices/system/node')
    for (const d of await tree.list(nodeDir)) {
      const m = /^node(\d+)$/.exec(d.name)
      if (d.type !== 'dir' || !m) continue
      for (const suffix of ['', '.gz']) {
        const file = await fileAt(joinRel(nodeDir, `${d.name}/vmstat${suffix}`))
        if (file) putM(`node${m[1]}_vmstat`, file)
      }
    }
    for (const [name, file] of machine) if (!found.has(name)) found.set(name, file)
    await addCma(joinRel(base, 'sys/kernel/debug/cma'))
    await addCma(joinRel(base, 'sys/kernel/mm/cma'))

    // sysctl_vm: `knob: value`, one line per file of proc/sys/vm, sorted.
    const vmDir = joinRel(base, 'proc/sys/vm')
    const vmLines: string[] = []
    for (const f of await tree.list(vmDir)) {
      if (f.type !== 'file') continue
      const file = await fileAt(joinRel(vmDir, f.name))
      if (!file) continue
      const line = kvLine(stripGz(f.name), await readTreeText(file))
      if (line !== null) vmLines.push(line)
    }
    if (vmLines.length > 0 && !found.has('sysctl_vm')) {
      texts.set('sysctl_vm', { kind: 'text', text: vmLines.sort(byName).join('\n') + '\n', display: `${tree.display(vmDir)}/*` })
    }

    // transparent_hugepage: `relpath: content`, e.g. `defrag: always [madvise] never`, `khugepaged/defrag: 1`.
    const thpDir = joinRel(base, 'sys/kernel/mm/transparent_hugepage')
    const thpLines: string[] = []
    const walkThp = async (rel: string, depth: number): Promise<void> => {
      for (const e of await tree.list(joinRel(thpDir, rel))) {
        const sub = joinRel(rel, e.name)
        if (e.type === 'dir') {
          if (depth < 4) await walkThp(sub, depth + 1)
          continue
        }
        const file = await fileAt(joinRel(thpDir, sub))
        if (!file) continue
        const line = kvLine(stripGz(sub), await readTreeText(file))
        if (line !== null) thpLines.push(line)
        if (thpLines.length > 10_000) return
      }
    }
    await walkThp('', 0)
    if (thpLines.length > 0 && !found.has('transparent_hugepage')) {
      texts.set('transparent_hugepage', { kind: 'text', text: thpLines.sort(byName).join('\n') + '\n', display: `${tree.display(thpDir)}/**` })
    }

    // hugepages: `hugepages-2048kB nr=N free=N surplus=N`, one line per pool size.
    const hpDir = joinRel(base, 'sys/kernel/mm/hugepages')
    const hpLines: string[] = []
    for (const d of await tree.list(hpDir)) {
      if (d.type !== 'dir' || !/^hugepages-\d+kB$/.test(d.name)) continue
      const fields: string[] = []
      for (const [key, fname] of [['nr', 'nr_hugepages'], ['free', 'free_hugepages'], ['surplus', 'surplus_hugepages']] as const) {
        const file = (await fileAt(joinRel(hpDir, `${d.name}/${fname}`))) ?? (await fileAt(joinRel(hpDir, `${d.name}/${fname}.gz`)))
        if (!file) continue
        const v = (await readTreeText(file)).trim()
        if (v !== '') fields.push(`${key}=${v}`)
      }
      if (fields.length > 0) hpLines.push(`${d.name} ${fields.join(' ')}`)
    }
    if (hpLines.length > 0 && !found.has('hugepages')) {
      texts.set('hugepages', { kind: 'text', text: hpLines.sort(byName).join('\n') + '\n', display: `${tree.display(hpDir)}/*` })
    }
  }

  // a sosreport: its uname, sysctls and boot log, and a manifest saying what sos lacks
  const sos = await sosreportExtras(tree, base, (n) => found.has(n) || texts.has(n), async (rel) => {
    const file = await fileAt(rel)
    return file ? readTreeText(file) : null
  })
  for (const [name, t] of sos?.texts ?? []) if (!found.has(name) && !texts.has(name)) texts.set(name, { kind: 'text', ...t })

  const entries = new Map<string, Entry>()
  const names = [...found.keys(), ...texts.keys()].sort(byName)
  for (const name of names) {
    const file = found.get(name)
    entries.set(name, file ? await fileEntry(file) : (texts.get(name) as Entry))
  }
  return { entries, manifest: (await readManifestAt(tree, base)) ?? (entries.size > 0 ? sos?.manifest ?? null : null) }
}

async function readManifestAt(tree: Tree, base: string): Promise<Manifest | null> {
  const s = await tree.stat(joinRel(base, 'manifest.json'))
  if (s?.type !== 'file') return null
  const file = s.file
  if (file.size > MANIFEST_MAX_BYTES) {
    throw new SnapshotError(file.display, `${file.display}: manifest.json is ${file.size} bytes; expected a small JSON file (at most ${MANIFEST_MAX_BYTES} bytes)`)
  }
  return parseManifest((await readBytes(file, MANIFEST_MAX_BYTES)).toString('utf8'), file.display)
}

// ---------------------------------------------------------------------------------------------
// The source object

class Source implements SnapshotSource {
  readonly files: string[]
  private closed = false

  constructor(
    readonly path: string,
    readonly kind: 'directory' | 'bundle' | 'file',
    readonly label: string | null,
    readonly manifest: Manifest | null,
    private readonly entries: Map<string, Entry>,
    private readonly bundle: ExtractedBundle | null,
  ) {
    this.files = [...entries.keys()].sort(byName)
    bundle?.retain()
  }

  has(name: string): boolean {
    return this.entries.has(name)
  }

  describe(name: string): string {
    const e = this.entries.get(name)
    if (e === undefined) return `${this.path} (${name})`
    return e.kind === 'file' ? e.file.display : e.display
  }

  size(name: string): number | null {
    const e = this.entries.get(name)
    if (e === undefined) return null
    if (e.kind === 'text') return Buffer.byteLength(e.text, 'utf8')
    return e.gzip ? null : e.file.size
  }

  plainFile(name: string): string | null {
    const e = this.entries.get(name)
    return e !== undefined && e.kind === 'file' && !e.gzip && !this.closed ? e.file.abs : null
  }

  private entry(name: string): Entry {
    if (this.closed) throw new SnapshotError(this.path, `${this.path}: the snapshot was closed; cannot read ${name}`)
    const e = this.entries.get(name)
    if (e === undefined) {
      const where = this.label ? `${this.path} (capture ${this.label})` : this.path
      throw new SnapshotError(this.path, `${where}: has no ${name} file (it has: ${this.files.join(', ') || 'nothing'})`)
    }
    return e
  }

  async readText(name: string): Promise<string> {
    const e = this.entry(name)
    if (e.kind === 'text') return e.text
    return readTreeText(e.file)
  }

  async *openStream(name: string): AsyncGenerator<Uint8Array> {
    const e = this.entry(name)
    if (e.kind === 'text') yield Buffer.from(e.text, 'utf8')
    else yield* fileChunks(e.file, e.gzip)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.bundle?.release()
  }
}

const STREAM_CHUNK = 1 << 20

async function* fileChunks(file: TreeFile, gzip: boolean): AsyncGenerator<Uint8Array> {
  const src = createReadStream(file.abs, { flags: 'r', highWaterMark: STREAM_CHUNK })
  if (!gzip) {
    try {
      for await (const chunk of src) yield chunk as Buffer
    } catch (err) {
      throw new SnapshotError(file.display, `${file.display}: cannot read (${ioReason(err)})`)
    } finally {
      src.destroy()
    }
    return
  }
  const gz = createGunzip({ chunkSize: STREAM_CHUNK })
  let readError: unknown = null
  src.on('error', (err) => {
    readError = err
    gz.destroy(err)
  })
  src.pipe(gz)
  try {
    for await (const chunk of gz) yield chunk as Buffer
  } catch (err) {
    if (readError !== null) throw new SnapshotError(file.display, `${file.display}: cannot read (${ioReason(readError)})`)
    throw gzipError(file.display, err)
  } finally {
    src.destroy()
    gz.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// Opening

const KNOWN_HINT = 'buddyinfo, pagetypeinfo, zoneinfo, vmstat, meminfo, kpageflags, ... or proc/ and sys/ folders mirroring the machine'

/** Where captures of a tree live: a series of captures, or one capture. */
type Located =
  | { type: 'series'; base: string; captures: Array<{ label: string; base: string; index: CaptureIndex }>; manifest: Manifest | null }
  | { type: 'capture'; base: string; index: CaptureIndex }

const NUMBERED = /^(\d+)/

/** Junk that archivers add; ignored when looking for a bundle's single top folder. */
function isJunk(name: string): boolean {
  return name === '__MACOSX' || name === '.DS_Store' || name.startsWith('._')
}

async function locate(tree: Tree, base: string): Promise<Located | null> {
  const manifest = await readManifestAt(tree, base)
  if (manifest?.series) {
    const captures = []
    for (const c of manifest.series) {
      const rel = joinRel(base, c.dir.split(/[\\/]/).filter((x) => x !== '' && x !== '.').join('/'))
      const s = await tree.stat(rel)
      const where = tree.display(joinRel(base, 'manifest.json'))
      if (s?.type !== 'dir') {
        throw new SnapshotError(where, `${where}: the series lists capture ${JSON.stringify(c.label)} in folder ${JSON.stringify(c.dir)}, which does not exist in ${tree.display(base)}`)
      }
      const index = await indexCapture(tree, rel)
      if (index.entries.size === 0) {
        throw new SnapshotError(tree.display(rel), `${tree.display(rel)}: capture ${JSON.stringify(c.label)} listed in manifest.json has none of the known capture files (expected ${KNOWN_HINT})`)
      }
      captures.push({ label: c.label, base: rel, index })
    }
    return { type: 'series', base, captures, manifest }
  }
  const listing = await tree.list(base)
  const numbered = listing
    .filter((e) => e.type === 'dir' && NUMBERED.test(e.name))
    .map((e) => ({ name: e.name, n: Number((NUMBERED.exec(e.name) as RegExpExecArray)[1]) }))
    .sort((a, b) => a.n - b.n || byName(a.name, b.name))
  const captures = []
  for (const d of numbered) {
    const rel = joinRel(base, d.name)
    const index = await indexCapture(tree, rel)
    if (index.entries.size > 0) captures.push({ label: d.name, base: rel, index })
  }
  if (captures.length > 0) return { type: 'series', base, captures, manifest }
  const index = await indexCapture(tree, base)
  if (index.entries.size > 0) return { type: 'capture', base, index }
  return null
}

function defaultCaptureIndex(labels: string[]): number {
  const bare = labels.map((l) => l.replace(/^\d+[-_. ]*/, '').toLowerCase())
  const exact = bare.indexOf('before')
  if (exact >= 0) return exact
  const word = bare.findIndex((l) => /(^|[-_. ])before([-_. ]|$)/.test(l))
  return word >= 0 ? word : 0
}

function pickCapture(labels: string[], wanted: string, where: string): number {
  const w = wanted.trim()
  let i = labels.indexOf(w)
  if (i < 0) i = labels.findIndex((l) => l.replace(/^\d+[-_. ]*/, '') === w)
  if (i < 0 && /^\d+$/.test(w)) i = labels.findIndex((l) => NUMBERED.test(l) && Number((NUMBERED.exec(l) as RegExpExecArray)[1]) === Number(w))
  if (i < 0) {
    throw new SnapshotError(where, `${where}: no capture ${JSON.stringify(wanted)} in this series (captures: ${labels.join(', ')})`)
  }
  return i
}

interface Opened {
  kind: 'directory' | 'bundle'
  tree: Tree
  bundle: ExtractedBundle | null
  located: Located
}

/** Open a directory or bundle path and find its captures; null when it holds no capture at all. */
async function openContainer(path: string, isBundle: boolean, limits: BundleLimits, cache?: BundleCache): Promise<Opened | { empty: true; message: string }> {
  if (!isBundle) {
    const tree = new FsTree(path)
    const located = await locate(tree, '')
    if (located) return { kind: 'directory', tree, bundle: null, located }
    const listing = await tree.list('')
    if (listing.length === 0) {
      return { empty: true, message: `${path}: the directory is empty (expected captured files such as ${KNOWN_HINT})` }
    }
    const shown = listing.slice(0, 12).map((e) => e.name + (e.type === 'dir' ? '/' : '')).join(', ') + (listing.length > 12 ? ', ...' : '')
    const dirs = listing.filter((e) => e.type === 'dir')
    const hint = dirs.length === 1 && dirs[0] ? ` Did you mean ${resolvePath(path, dirs[0].name)}?` : ''
    return { empty: true, message: `${path}: none of the known capture files found (expected ${KNOWN_HINT}; found: ${shown}).${hint}` }
  }
  const bundle = cache ? await cache.get(path, limits) : await extractBundle(path, limits)
  // a cached bundle stays unpacked until its cache closes
  const drop = async (): Promise<void> => {
    if (!cache) await bundle.dispose()
  }
  try {
    const tree = bundle.tree
    let base = ''
    for (let depth = 0; depth < 2; depth++) {
      const located = await locate(tree, base)
      if (located) return { kind: 'bundle', tree, bundle, located }
      const listing = (await tree.list(base)).filter((e) => !isJunk(e.name))
      const only = listing[0]
      if (listing.length !== 1 || only === undefined || only.type !== 'dir') break
      base = joinRel(base, only.name)
    }
    const listing = await tree.list('')
    await drop()
    const shown = listing.slice(0, 12).map((e) => e.name + (e.type === 'dir' ? '/' : '')).join(', ')
    return {
      empty: true,
      message: listing.length === 0
        ? `${path}: the bundle is empty (expected captured files such as ${KNOWN_HINT})`
        : `${path}: the bundle holds none of the known capture files (expected ${KNOWN_HINT}, at its root or in one top folder; found: ${shown})`,
    }
  } catch (err) {
    await drop()
    throw err
  }
}

async function readReadme(tree: Tree, base: string): Promise<string | null> {
  for (const name of ['RUN.md', 'README.md']) {
    const s = await tree.stat(joinRel(base, name))
    if (s?.type === 'file') return readTreeText(s.file)
  }
  return null
}

/** The series' manifest as seen from one capture: that capture's own time, files and skipped files (version 2). */
function captureManifest(m: Manifest | null, label: string): Manifest | null {
  const c = m?.series?.find((x) => x.label === label)
  if (!m || !c) return m
  const own = { captureTime: c.captureTime, uptime: c.uptime, files: c.files, skipped: c.skipped }
  return { ...m, ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) }
}

function makeSeries(path: string, opened: Opened & { located: { type: 'series' } }, readme: string | null): SnapshotSeries {
  const seriesManifest = opened.located.manifest
  const captures = opened.located.captures.map((c) => ({
    label: c.label,
    source: new Source(path, opened.kind, c.label, c.index.manifest ?? captureManifest(seriesManifest, c.label), c.index.entries, opened.bundle) as SnapshotSource,
  }))
  return {
    path,
    captures,
    defaultIndex: defaultCaptureIndex(captures.map((c) => c.label)),
    readme,
    readFile: async (name: string) => {
      const st = await opened.tree.stat(joinRel(opened.located.base, name))
      return st?.type === 'file' ? readTreeText(st.file) : null
    },
    close: async () => {
      for (const c of captures) await c.source.close()
    },
  }
}

/** The captures of another tool's output (foreign.ts) as a series of in-memory sources. */
function foreignSeries(path: string, f: ForeignImport): SnapshotSeries {
  const captures = f.captures.map((c) => {
    const entries = new Map<string, Entry>()
    for (const name of Object.keys(c.texts).sort(byName)) {
      const t = c.texts[name] as { text: string; display: string }
      entries.set(name, { kind: 'text', text: t.text, display: t.display })
    }
    return { label: c.label, source: new Source(path, f.kind, f.series ? c.label : null, c.manifest, entries, null) as SnapshotSource }
  })
  return {
    path,
    captures,
    defaultIndex: f.series ? defaultCaptureIndex(captures.map((c) => c.label)) : 0,
    readme: null,
    readFile: async () => null,
    close: async () => {
      for (const c of captures) await c.source.close()
    },
  }
}

type PathKind = { kind: 'dir' } | { kind: 'bundle' } | { kind: 'file'; size: number }

const TAR_NAME = /\.(tar\.gz|tgz|tar|taz|tar\.gzip)$/i
const OTHER_ARCHIVE = /\.(tar\.(xz|bz2|zst|zstd|lz4|lzma|br)|txz|tbz2?|tzst|zip|7z|rar)$/i

async function classify(path: string): Promise<PathKind> {
  let st
  try {
    st = await stat(path)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SnapshotError(path, `${path}: no such file or directory (expected a capture directory, a .tar.gz snapshot bundle, or a single captured file such as buddyinfo)`)
    }
    throw new SnapshotError(path, `${path}: cannot open (${ioReason(err)})`)
  }
  if (st.isDirectory()) return { kind: 'dir' }
  if (!st.isFile()) {
    throw new SnapshotError(path, `${path}: is neither a regular file nor a directory (expected a capture directory, a .tar.gz bundle or a captured file)`)
  }
  const name = basename(path)
  if (XZ_NAME.test(name)) return { kind: 'bundle' }
  if (OTHER_ARCHIVE.test(name)) {
    throw new SnapshotError(path, `${path}: this archive format is not supported; expected a .tar.gz, .tgz, .tar or .tar.xz bundle (repack it with: tar czf snapshot.tar.gz <folder>)`)
  }
  if (TAR_NAME.test(name)) return { kind: 'bundle' }
  // Unknown name: a tarball if the (decompressed) content has the ustar magic.
  const head = await readHead(path, path)
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return { kind: 'bundle' }
  return { kind: 'file', size: st.size }
}

/** First bytes of a file, gunzipped if compressed (only the start is decompressed). */
async function readHead(abs: string, display: string, bytes = 64 * 1024): Promise<Buffer> {
  let raw: Buffer
  try {
    const fh = await open(abs, 'r')
    try {
      const buf = Buffer.alloc(bytes)
      const { bytesRead } = await fh.read(buf, 0, bytes, 0)
      raw = buf.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  } catch (err) {
    throw new SnapshotError(display, `${display}: cannot read (${ioReason(err)})`)
  }
  if (!(raw.length >= 2 && raw[0] === GZIP_MAGIC0 && raw[1] === GZIP_MAGIC1)) return raw
  return gunzipPrefix(raw, bytes, display)
}

/**
 * Decompress the start of a gzip stream (`raw` may be cut anywhere), up to `want` bytes.
 * A corrupt header or block is an error; running out of input is not (only a prefix was read).
 */
function gunzipPrefix(raw: Buffer, want: number, display: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gz = createGunzip()
    const chunks: Buffer[] = []
    let have = 0
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      gz.destroy()
      resolve(Buffer.concat(chunks).subarray(0, want))
    }
    gz.on('data', (c: Buffer) => {
      chunks.push(c)
      have += c.length
      if (have >= want) finish()
    })
    gz.on('end', finish)
    gz.on('error', (err) => {
      if (done) return
      if (/unexpected end of file/i.test(err.message)) return finish()
      done = true
      reject(gzipError(display, err))
    })
    gz.end(raw)
  })
}

/** What a single file holds, from its content: buddyinfo, pagetypeinfo, zoneinfo, meminfo or vmstat. */
export function sniffContent(text: string): string | null {
  const first = (text.split('\n', 1)[0] ?? '').replace(/\r$/, '')
  if (/^Node\s+\d+,\s*zone\s+\S+(\s+\d+)+\s*$/.test(first)) return 'buddyinfo'
  if (/^Node\s+\d+,\s*zone\s+\S+\s*$/.test(first)) return 'zoneinfo'
  if (/^Page block order:/.test(first)) return 'pagetypeinfo'
  if (/^MemTotal:/.test(first)) return 'meminfo'
  if (/^nr_free_pages\s+\d+/.test(first)) return 'vmstat'
  return null
}

async function openSingleFile(path: string, size: number): Promise<SnapshotSource> {
  const abs = resolvePath(path)
  const file: TreeFile = { rel: basename(path), abs, size, display: path }
  // Name first (buddyinfo, node1_vmstat, kpageflags.gz, also with a .txt suffix).
  let name = canonicalName(basename(path).replace(/\.txt(?=$|\.gz$)/, ''))
  const head = await readHead(abs, path) // also validates the gzip header of compressed files
  if (name === null) {
    const text = head.toString('utf8')
    name = sniffContent(text)
    if (name === null) {
      const first = (text.split('\n', 1)[0] ?? '').slice(0, 60)
      const indexLike = /^Node\s+\d+,\s*zone\s+\S+(\s+-?\d+\.\d+)+\s*$/.test(text.split('\n', 1)[0] ?? '')
      throw new SnapshotError(path, indexLike
        ? `${path}: looks like extfrag_index or unusable_index, which cannot be told apart by content; rename the file to extfrag_index or unusable_index`
        : `${path}: cannot tell which capture file this is: its name is not a known one (${CANONICAL.join(', ')}, node<N>_vmstat) and its content does not look like buddyinfo, pagetypeinfo, zoneinfo, meminfo or vmstat (first line: ${JSON.stringify(first)})`)
    }
  }
  const entries = new Map<string, Entry>([[name, await fileEntry(file)]])
  return new Source(path, 'file', null, null, entries, null)
}

function resolveLimits(opts?: OpenOptions): BundleLimits {
  return { ...DEFAULT_LIMITS, ...(opts?.limits ?? {}) }
}

/**
 * Open one capture. A series opens its default capture (labelled "before", else the first),
 * or `opts.capture`.
 */
export async function openSnapshot(path: string, opts?: OpenOptions): Promise<SnapshotSource> {
  const pk = await classify(path)
  const foreign = pk.kind === 'bundle' ? null : await importForeign(path, pk.kind)
  if (foreign) {
    const series = foreignSeries(path, foreign)
    let chosen: number
    try {
      if (!foreign.series && opts?.capture !== undefined) {
        throw new SnapshotError(path, `${path}: is a single capture (${foreign.format}), not a series; a capture (${JSON.stringify(opts.capture)}) cannot be chosen`)
      }
      chosen = opts?.capture === undefined ? series.defaultIndex : pickCapture(series.captures.map((c) => c.label), opts.capture, path)
    } catch (err) {
      await series.close()
      throw err
    }
    return (series.captures[chosen] as { source: SnapshotSource }).source
  }
  if (pk.kind === 'file') {
    if (opts?.capture !== undefined) {
      throw new SnapshotError(path, `${path}: is a single file, not a series of captures; a capture (${JSON.stringify(opts.capture)}) cannot be chosen`)
    }
    return openSingleFile(path, pk.size)
  }
  const opened = await openContainer(path, pk.kind === 'bundle', resolveLimits(opts), opts?.cache)
  if ('empty' in opened) throw new SnapshotError(path, opened.message)
  const located = opened.located
  if (located.type === 'capture') {
    const source = new Source(path, opened.kind, null, located.index.manifest, located.index.entries, opened.bundle)
    if (opts?.capture !== undefined) {
      await source.close()
      throw new SnapshotError(path, `${path}: is a single capture, not a series; a capture (${JSON.stringify(opts.capture)}) cannot be chosen`)
    }
    return source
  }
  const series = makeSeries(path, { ...opened, located }, null)
  let chosen: number
  try {
    chosen = opts?.capture === undefined ? series.defaultIndex : pickCapture(series.captures.map((c) => c.label), opts.capture, path)
  } catch (err) {
    await series.close()
    throw err
  }
  for (const [i, c] of series.captures.entries()) if (i !== chosen) await c.source.close()
  return (series.captures[chosen] as { source: SnapshotSource }).source
}

/** The captures of a series (numbered sub-folders, or a manifest "series"); null when `path` is not a series. */
export async function openSeries(path: string, opts?: Pick<OpenOptions, 'limits' | 'cache'>): Promise<SnapshotSeries | null> {
  const pk = await classify(path)
  const foreign = pk.kind === 'bundle' ? null : await importForeign(path, pk.kind)
  if (foreign) return foreign.series ? foreignSeries(path, foreign) : null
  if (pk.kind === 'file') return null
  const opened = await openContainer(path, pk.kind === 'bundle', resolveLimits(opts), opts?.cache)
  if ('empty' in opened) return null
  const located = opened.located
  const drop = async (): Promise<void> => {
    if (!opts?.cache) await opened.bundle?.dispose()
  }
  if (located.type !== 'series') {
    await drop()
    return null
  }
  let readme: string | null
  try {
    readme = await readReadme(opened.tree, located.base)
  } catch (err) {
    await drop()
    throw err
  }
  return makeSeries(path, { ...opened, located }, readme)
}
