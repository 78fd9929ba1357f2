/**
 * Safe reading of a snapshot bundle (.tar.gz / .tgz / .tar). The archive is read once, in
 * order, with the `tar` package's Parser; every entry is checked before anything is written:
 *
 * - names must be relative and free of `..` components;
 * - symbolic and hard links must point inside the bundle (checked lexically per entry, and
 *   again once the whole tree is known, following chains of links);
 * - device files, FIFOs and unknown entry types are refused;
 * - at most `maxEntries` entries and `maxBytes` bytes of file content.
 *
 * A bad entry rejects the whole bundle with a SnapshotError naming the bundle and the entry;
 * nothing is skipped silently. Regular files are written into a private directory made with
 * fs.mkdtemp under os.tmpdir(), under generated names (f1, f2, ...); directories and links are
 * kept in memory only (VirtualTree), so no name or link target from the archive ever reaches
 * the file system. The archive itself is only read.
 */
import { createReadStream, createWriteStream, rmSync, type WriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { once } from 'node:events'
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { Parser, type ReadEntry } from 'tar'
import { SnapshotError, ioReason } from './snapshot_error.ts'
import { ESCAPES, VirtualTree, type VNode } from './snapshot_tree.ts'

export interface BundleLimits {
  /** Total bytes of file content the bundle may unpack to. */
  maxBytes: number
  /** Number of tar entries (files, folders, links). */
  maxEntries: number
}

export const DEFAULT_LIMITS: BundleLimits = { maxBytes: 64 * 1024 ** 3, maxEntries: 100_000 }

// ---------------------------------------------------------------------------------------------
// Private temp directories: removed by close(), and on process exit if the caller forgot.

const liveTempDirs = new Set<string>()
let exitHookInstalled = false

function trackTempDir(dir: string): void {
  liveTempDirs.add(dir)
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const d of liveTempDirs) {
        try {
          rmSync(d, { recursive: true, force: true })
        } catch {
          // best effort at exit
        }
      }
    })
  }
}

export async function removeTempDir(dir: string): Promise<void> {
  liveTempDirs.delete(dir)
  await rm(dir, { recursive: true, force: true })
}

/** Temp directories not yet removed (for tests). */
export function liveTempDirCount(): number {
  return liveTempDirs.size
}

/** An extracted bundle; `release()` deletes the temp copy once every user has released it. */
export class ExtractedBundle {
  private refs = 0
  private removed = false

  /** `owned` = false: another thread's extraction, whose temp copy that thread removes. */
  constructor(readonly tree: VirtualTree, readonly tempDir: string, private readonly owned = true) {}

  retain(): void {
    this.refs++
  }

  async release(): Promise<void> {
    this.refs--
    if (this.refs <= 0) await this.dispose()
  }

  async dispose(): Promise<void> {
    if (this.removed) return
    this.removed = true
    if (this.owned) await removeTempDir(this.tempDir)
  }
}

/** An extraction as plain data, for a worker thread to read the same temp copy without unpacking again. */
export interface SharedExtraction {
  bundlePath: string
  tempDir: string
  root: VNode & { kind: 'dir' }
}

/**
 * The bundles of one open snapshot, each unpacked once and kept until close(): every capture,
 * the series' steps.log and every what-if of the snapshot read the same temp copy.
 */
export class BundleCache {
  private readonly bundles = new Map<string, Promise<ExtractedBundle>>()
  private readonly done = new Map<string, ExtractedBundle>()
  /** how many times a bundle was unpacked through this cache (tests, bench) */
  extractions = 0

  async get(bundlePath: string, limits: BundleLimits): Promise<ExtractedBundle> {
    let p = this.bundles.get(bundlePath)
    if (!p) {
      this.extractions++
      p = extractBundle(bundlePath, limits).then((b) => {
        b.retain()
        this.done.set(bundlePath, b)
        return b
      })
      this.bundles.set(bundlePath, p)
      p.catch(() => this.bundles.delete(bundlePath))
    }
    return p
  }

  /** The unpacked bundles as plain data (structured-clone safe). */
  share(): SharedExtraction[] {
    return [...this.done.entries()].map(([bundlePath, b]) => ({ bundlePath, tempDir: b.tempDir, root: b.tree.root }))
  }

  /** Use another thread's extractions; their temp copies stay that thread's to remove. */
  adopt(shared: readonly SharedExtraction[]): void {
    for (const x of shared) {
      const b = new ExtractedBundle(new VirtualTree(x.bundlePath, x.root), x.tempDir, false)
      b.retain()
      this.done.set(x.bundlePath, b)
      this.bundles.set(x.bundlePath, Promise.resolve(b))
    }
  }

  async close(): Promise<void> {
    const all = [...this.done.values()]
    this.done.clear()
    this.bundles.clear()
    for (const b of all) await b.release()
  }
}

// ---------------------------------------------------------------------------------------------

type Checked = { ok: true; rel: string } | { ok: false; why: string }

/** Normalise an archive path; refuse absolute paths and `..` components. */
export function checkEntryPath(p: string): Checked {
  if (p.includes('\0')) return { ok: false, why: 'its name contains a NUL byte' }
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) {
    return { ok: false, why: 'it has an absolute path (bundle entries must be relative)' }
  }
  if (p.split(/[\\/]/).includes('..')) {
    return { ok: false, why: 'its path contains ".." (bundle entries must stay inside the bundle)' }
  }
  return { ok: true, rel: p.split('/').filter((c) => c !== '' && c !== '.').join('/') }
}

function isTarError(err: unknown): err is Error & { code?: string; tarCode?: string; entry?: { path?: string } } {
  return err instanceof Error
}

export async function extractBundle(bundlePath: string, limits: BundleLimits = DEFAULT_LIMITS): Promise<ExtractedBundle> {
  let tempDir: string
  try {
    tempDir = await mkdtemp(join(tmpdir(), 'buddyscope-'))
  } catch (err) {
    throw new SnapshotError(bundlePath, `${bundlePath}: cannot create a temporary folder to unpack the bundle in ${tmpdir()} (${ioReason(err)})`)
  }
  trackTempDir(tempDir)
  const tree = new VirtualTree(bundlePath)
  try {
    await unpack(bundlePath, tempDir, tree, limits)
  } catch (err) {
    await removeTempDir(tempDir).catch(() => undefined)
    if (err instanceof SnapshotError) throw err
    throw new SnapshotError(bundlePath, `${bundlePath}: cannot unpack the bundle (${ioReason(err)})`)
  }
  return new ExtractedBundle(tree, tempDir)
}

function unpack(bundlePath: string, tempDir: string, tree: VirtualTree, limits: BundleLimits): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failure: SnapshotError | null = null
    let sawEof = false
    let entries = 0
    let fileNo = 0
    let totalBytes = 0
    let lastEntry: string | null = null
    const writers: WriteStream[] = []
    const writesDone: Promise<unknown>[] = []
    const wakeups: Array<() => void> = []

    // Small reads: the parser inflates each chunk synchronously, and zero runs in kpageflags
    // inflate ~1000:1, so this bounds the memory held while the disk catches up.
    const xz = XZ_NAME.test(bundlePath) ? xzStream(bundlePath) : null
    const src = xz ? xz.stream : createReadStream(bundlePath, { flags: 'r', highWaterMark: 16 * 1024 })
    const parser = new Parser({
      strict: true,
      file: bundlePath,
      // Our own byte limit applies; long zero runs in kpageflags compress beyond tar's default 1000:1.
      maxDecompressionRatio: Number.MAX_SAFE_INTEGER,
      onReadEntry: (entry) => onEntry(entry),
    })

    const fail = (msg: string): void => {
      if (failure) return
      failure = new SnapshotError(bundlePath, `${bundlePath}: ${msg}`)
      parser.abort(new Error('aborted'))
      src.destroy()
      for (const w of writers) w.destroy()
      for (const wake of wakeups.splice(0)) wake()
      Promise.allSettled(writesDone).then(() => reject(failure))
    }
    const unsafe = (name: string, why: string): void =>
      fail(`refusing to open the bundle: entry ${JSON.stringify(name)} is unsafe: ${why}`)

    const ensureDir = (rel: string, entryName: string): (VNode & { kind: 'dir' }) | null => {
      let cur: VNode = tree.root
      if (rel === '') return tree.root
      for (const c of rel.split('/')) {
        if (cur.kind !== 'dir') return null
        let next: VNode | undefined = cur.children.get(c)
        if (next === undefined) {
          next = { kind: 'dir', children: new Map() }
          cur.children.set(c, next)
        } else if (next.kind === 'symlink') {
          unsafe(entryName, `it would be written through the symbolic link "${c}" (links inside a bundle may not be used as folders of later entries)`)
          return null
        } else if (next.kind === 'file') {
          fail(`entry ${JSON.stringify(entryName)} conflicts with the file ${JSON.stringify(c)} earlier in the bundle (expected a folder there)`)
          return null
        }
        cur = next
      }
      return cur.kind === 'dir' ? cur : null
    }

    const place = (rel: string, node: VNode, entryName: string): boolean => {
      const dir = ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), entryName)
      if (dir === null) return false
      const base = posix.basename(rel)
      const existing = dir.children.get(base)
      if (existing?.kind === 'dir' && node.kind !== 'dir') {
        fail(`entry ${JSON.stringify(entryName)} conflicts with a folder of the same name earlier in the bundle`)
        return false
      }
      if (existing?.kind === 'dir' && node.kind === 'dir') return true
      dir.children.set(base, node)
      return true
    }

    const onEntry = (entry: ReadEntry): void => {
      if (failure) {
        entry.resume()
        return
      }
      const name = entry.path
      lastEntry = name
      if (++entries > limits.maxEntries) {
        entry.resume()
        return fail(`refusing to open the bundle: it has more than ${limits.maxEntries} entries (a snapshot has a few hundred at most)`)
      }
      const checked = checkEntryPath(name)
      if (!checked.ok) {
        entry.resume()
        return unsafe(name, checked.why)
      }
      const rel = checked.rel
      switch (entry.type) {
        case 'Directory':
        case 'GNUDumpDir':
          entry.resume()
          if (rel !== '') place(rel, { kind: 'dir', children: new Map() }, name)
          return
        case 'File':
        case 'OldFile':
        case 'ContiguousFile': {
          if (rel === '') {
            entry.resume()
            return unsafe(name, 'a file entry has an empty name')
          }
          const size = entry.size ?? 0
          totalBytes += size
          if (totalBytes > limits.maxBytes) {
            entry.resume()
            return fail(`refusing to open the bundle: it unpacks to more than ${formatBytes(limits.maxBytes)} (at entry ${JSON.stringify(name)})`)
          }
          const abs = join(tempDir, `f${++fileNo}`)
          if (!place(rel, { kind: 'file', abs, size }, name)) {
            entry.resume()
            return
          }
          const ws = createWriteStream(abs, { flags: 'wx', mode: 0o600 })
          writers.push(ws)
          ws.on('error', (err) => fail(`cannot unpack entry ${JSON.stringify(name)} into ${tempDir} (${ioReason(err)})`))
          writesDone.push(once(ws, 'close').catch(() => undefined))
          entry.pipe(ws)
          return
        }
        case 'SymbolicLink': {
          entry.resume()
          const target = entry.linkpath ?? ''
          if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) {
            return unsafe(name, `it is a symbolic link to the absolute path ${JSON.stringify(target)} (links must stay inside the bundle)`)
          }
          const lexical = posix.normalize(posix.join(posix.dirname(rel), target))
          if (lexical === '..' || lexical.startsWith('../')) {
            return unsafe(name, `it is a symbolic link to ${JSON.stringify(target)}, outside the bundle`)
          }
          if (rel === '') return unsafe(name, 'a link entry has an empty name')
          place(rel, { kind: 'symlink', target }, name)
          return
        }
        case 'Link': {
          entry.resume()
          const target = entry.linkpath ?? ''
          const t = checkEntryPath(target)
          if (!t.ok) return unsafe(name, `it is a hard link to ${JSON.stringify(target)}, outside the bundle`)
          const node = tree.resolve(t.rel)
          if (node === ESCAPES) return unsafe(name, `it is a hard link to ${JSON.stringify(target)}, outside the bundle`)
          if (node === null || node.kind !== 'file') {
            return fail(`entry ${JSON.stringify(name)} is a hard link to ${JSON.stringify(target)}, which is not a file earlier in the bundle`)
          }
          if (rel === '') return unsafe(name, 'a link entry has an empty name')
          place(rel, { kind: 'file', abs: node.abs, size: node.size }, name)
          return
        }
        case 'CharacterDevice':
        case 'BlockDevice':
          entry.resume()
          return unsafe(name, 'it is a device file (a snapshot holds only regular files, folders and links)')
        case 'FIFO':
          entry.resume()
          return unsafe(name, 'it is a named pipe (a snapshot holds only regular files, folders and links)')
        default:
          entry.resume()
          return unsafe(name, `it has the unsupported tar entry type ${JSON.stringify(entry.type)}`)
      }
    }

    parser.on('ignoredEntry', (entry: ReadEntry) => {
      unsafe(entry.path, `it has the unsupported tar entry type ${JSON.stringify(entry.type)} (or an oversized extended header)`)
    })
    parser.on('eof', () => {
      sawEof = true
    })
    parser.on('error', (err: unknown) => {
      if (failure) return
      // A tarball with nothing but the end-of-archive marker is valid, just empty: say so later.
      if (sawEof && entries === 0 && err instanceof Error && /Unrecognized archive format/.test(err.message)) return
      fail(describeTarError(err, lastEntry))
    })
    parser.on('end', () => {
      if (failure) return
      if (!sawEof) {
        return fail(`the bundle is truncated: it ends without the tar end-of-archive marker${lastEntry ? ` (last entry read: ${JSON.stringify(lastEntry)})` : ''}; was the copy interrupted?`)
      }
      Promise.all(writesDone).then(() => {
        if (failure) return
        // Links are checked once more on the complete tree: a chain of links can leave the
        // bundle even when each link looks harmless on its own.
        const bad = findEscapingLink(tree)
        if (bad !== null) return unsafe(bad, 'following its symbolic link(s) leads outside the bundle')
        resolve()
      }, (err) => fail(`cannot unpack the bundle (${ioReason(err)})`))
    })
    src.on('error', (err: Error) => fail(`cannot read the bundle (${ioReason(err)})`))

    // Feed the parser with backpressure.
    ;(async () => {
      for await (const chunk of src) {
        if (failure) return
        if (!parser.write(chunk as Buffer)) {
          await new Promise<void>((wake) => {
            wakeups.push(wake)
            parser.once('drain', wake)
          })
        }
      }
      if (xz) {
        const problem = await xz.done
        if (problem !== null) return fail(problem)
      }
      if (!failure) parser.end()
    })().catch((err: unknown) => fail(`cannot read the bundle (${ioReason(err)})`))
  })
}

/** A .tar.xz (sosreport's default): Node has no xz decoder, so the `xz` program decompresses it (read-only, to a pipe). */
export const XZ_NAME = /\.(tar\.xz|txz)$/i

function xzStream(bundlePath: string): { stream: Readable; done: Promise<string | null> } {
  const child = spawn('xz', ['--decompress', '--stdout', '--', bundlePath], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString('utf8')
  })
  const done = new Promise<string | null>((resolve) => {
    child.on('error', (err: Error) => {
      const code = (err as { code?: string }).code
      resolve(code === 'ENOENT'
        ? 'reading a .tar.xz needs the xz program, which is not installed (Debian/Ubuntu: apt install xz-utils; Fedora/RHEL: dnf install xz), or unpack it first (tar xJf FILE) and open the folder'
        : `cannot run xz to decompress the bundle (${ioReason(err)})`)
    })
    child.on('close', (code) => {
      resolve(code === 0 ? null : `xz could not decompress the bundle (${stderr.trim().replace(/^xz: /, '') || `exit code ${code}`}); expected a complete .tar.xz file`)
    })
  })
  // a spawn failure leaves stdout empty: end it so the reader waits on `done`
  child.on('error', () => child.stdout.destroy())
  return { stream: child.stdout, done }
}

function findEscapingLink(tree: VirtualTree): string | null {
  const walk = (node: VNode, rel: string): string | null => {
    if (node.kind === 'symlink') return tree.resolve(rel) === ESCAPES ? rel : null
    if (node.kind !== 'dir') return null
    for (const [name, child] of node.children) {
      const hit = walk(child, rel === '' ? name : `${rel}/${name}`)
      if (hit !== null) return hit
    }
    return null
  }
  return walk(tree.root, '')
}

function describeTarError(err: unknown, lastEntry: string | null): string {
  const after = lastEntry ? ` (after entry ${JSON.stringify(lastEntry)})` : ''
  if (!isTarError(err)) return `cannot read the bundle: ${String(err)}`
  const msg = err.message
  const code = err.code ?? ''
  if (code.startsWith('Z_') || msg.startsWith('zlib:')) {
    const detail = msg.replace(/^zlib:\s*/, '')
    if (/unexpected end of file/i.test(detail)) {
      return `the bundle is truncated: the gzip data ends too early${after}; expected a complete .tar.gz file (was the copy interrupted?)`
    }
    return `the bundle's gzip data is corrupt (${detail})${after}; expected a .tar.gz file made with tar czf`
  }
  if (/Unrecognized archive format/.test(msg)) {
    return 'this is not a tar archive (expected a .tar.gz, .tgz or .tar bundle made with tar czf)'
  }
  const trunc = /Truncated input \(needed (\d+) more bytes, only (\d+) available\)/.exec(msg)
  if (trunc) {
    const entry = err.entry?.path ?? lastEntry
    return `the bundle is truncated: entry ${JSON.stringify(entry ?? '?')} is missing ${trunc[1]} bytes at the end of the archive (was the copy interrupted?)`
  }
  if (err.tarCode === 'TAR_ENTRY_INVALID' || code === 'TAR_ENTRY_INVALID') {
    const why = msg.replace(/^TAR_ENTRY_INVALID:\s*/, '')
    return lastEntry
      ? `the bundle is damaged: a tar header after entry ${JSON.stringify(lastEntry)} is invalid (${why})`
      : `this is not a valid tar archive: its first header is invalid (${why}); expected a .tar.gz, .tgz or .tar bundle`
  }
  return `cannot read the bundle: ${msg.replace(/^TAR_[A-Z_]+:\s*/, '')}${after}`
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MiB`
  return `${n} bytes`
}
