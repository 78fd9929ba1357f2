import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { c as tarCreate } from 'tar'
import { SnapshotError, openSeries, openSnapshot, sniffContent, type SnapshotSource } from '../../host/sources/snapshot_source.ts'
import { liveTempDirCount } from '../../host/sources/snapshot_bundle.ts'
import { lineColumn, locateJsonError } from '../../host/sources/snapshot_manifest.ts'

const FIXTURES = resolve(__dirname, '../../fixtures')
const RUNS = ['x86-512M-s1-compact', 'x86-1G-s2-hugetlb', 'arm64-1G-s6-cma-compact']
const X86_RUN = join(FIXTURES, 'x86-512M-s1-compact')
const X86 = join(X86_RUN, '02-before')
const ARM = join(FIXTURES, 'arm64-1G-s6-cma-compact', '02-before')

const CORE = ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'extfrag_index', 'unusable_index', 'kpageflags', 'kpagecount', 'cmdline', 'iomem', 'slabinfo', 'uname_r', 'uptime', 'sysctl_vm', 'transparent_hugepage', 'hugepages', 'node0_vmstat']

let work: string
let tempBaseline: number

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-test-'))
  tempBaseline = liveTempDirCount()
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function scratch(name: string): string {
  const d = join(work, name)
  mkdirSync(d, { recursive: true })
  return d
}

/** Raw contents of a fixture file, gunzipped when stored as .gz. */
function fixtureBytes(dir: string, name: string): Buffer {
  const p = join(dir, name)
  if (existsSync(p)) return readFileSync(p)
  return gunzipSync(readFileSync(p + '.gz'))
}

async function collect(source: SnapshotSource, name: string): Promise<{ total: number; chunks: number; bytes: Buffer }> {
  const parts: Buffer[] = []
  let total = 0
  for await (const chunk of source.openStream(name)) {
    expect(chunk).toBeInstanceOf(Uint8Array)
    parts.push(Buffer.from(chunk))
    total += chunk.length
  }
  return { total, chunks: parts.length, bytes: Buffer.concat(parts) }
}

/** Awaits `p` and returns the SnapshotError it rejects with (fails the test otherwise). */
async function snapErr(p: Promise<unknown>): Promise<SnapshotError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError)
    return err as SnapshotError
  }
  throw new Error('expected a SnapshotError, but the promise resolved')
}

async function makeTgz(file: string, cwd: string, entries: string[], gzip = true): Promise<string> {
  await tarCreate({ gzip, cwd, file, portable: true }, entries)
  return file
}

// ----- hand-made tar archives, for entries the tar package refuses to write ---------------------

interface RawEntry {
  name: string
  type?: string // typeflag: '0' file, '2' symlink, '1' hardlink, '3' char device, '5' dir
  data?: string
  linkname?: string
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0'
}

function tarHeader(e: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(e.name, 0, 100, 'utf8')
  h.write(octal(e.type === '5' ? 0o755 : 0o644, 8), 100, 'latin1')
  h.write(octal(0, 8), 108, 'latin1')
  h.write(octal(0, 8), 116, 'latin1')
  h.write(octal(size, 12), 124, 'latin1')
  h.write(octal(1700000000, 12), 136, 'latin1')
  h.fill(' ', 148, 156)
  h.write(e.type ?? '0', 156, 'latin1')
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8')
  h.write('ustar\0', 257, 'latin1')
  h.write('00', 263, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return h
}

function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '', 'utf8')
    parts.push(tarHeader(e, data.length))
    if (data.length > 0) parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

function writeRawTgz(name: string, entries: RawEntry[]): string {
  const p = join(scratch('raw'), name)
  writeFileSync(p, gzipSync(rawTar(entries)))
  return p
}

const BUDDY = readFileSync(join(X86, 'buddyinfo'), 'utf8')

// ----- layout (b): a tree mirroring the machine's paths -----------------------------------------

function writeAt(root: string, rel: string, content: string | Buffer): void {
  const p = join(root, rel)
  mkdirSync(dirname(p), { recursive: true })
  writeFileSync(p, content)
}

function buildMachineTree(capture: string, out: string): void {
  for (const f of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'cmdline', 'iomem', 'slabinfo', 'uptime']) {
    writeAt(out, `proc/${f}`, readFileSync(join(capture, f)))
  }
  for (const f of ['kpageflags', 'kpagecount']) {
    if (existsSync(join(capture, f))) writeAt(out, `proc/${f}`, readFileSync(join(capture, f)))
    else writeAt(out, `proc/${f}.gz`, readFileSync(join(capture, f + '.gz')))
  }
  writeAt(out, 'proc/sys/kernel/osrelease', readFileSync(join(capture, 'uname_r')))
  writeAt(out, 'sys/kernel/debug/extfrag/extfrag_index', readFileSync(join(capture, 'extfrag_index')))
  writeAt(out, 'sys/kernel/debug/extfrag/unusable_index', readFileSync(join(capture, 'unusable_index')))
  writeAt(out, 'sys/devices/system/node/node0/vmstat', readFileSync(join(capture, 'node0_vmstat')))
  for (const line of readFileSync(join(capture, 'sysctl_vm'), 'utf8').trim().split('\n')) {
    const i = line.indexOf(': ')
    writeAt(out, `proc/sys/vm/${line.slice(0, i)}`, line.slice(i + 2) + '\n')
  }
  writeAt(out, 'proc/sys/vm/compact_memory', '') // write-only knob: captured empty, left out
  for (const line of readFileSync(join(capture, 'transparent_hugepage'), 'utf8').trim().split('\n')) {
    const i = line.indexOf(': ')
    writeAt(out, `sys/kernel/mm/transparent_hugepage/${line.slice(0, i)}`, line.slice(i + 2) + '\n')
  }
  for (const line of readFileSync(join(capture, 'hugepages'), 'utf8').trim().split('\n')) {
    const m = /^(\S+) nr=(\d+) free=(\d+) surplus=(\d+)$/.exec(line)
    if (!m) throw new Error(`bad hugepages line ${line}`)
    writeAt(out, `sys/kernel/mm/hugepages/${m[1]}/nr_hugepages`, `${m[2]}\n`)
    writeAt(out, `sys/kernel/mm/hugepages/${m[1]}/free_hugepages`, `${m[3]}\n`)
    writeAt(out, `sys/kernel/mm/hugepages/${m[1]}/surplus_hugepages`, `${m[4]}\n`)
    writeAt(out, `sys/kernel/mm/hugepages/${m[1]}/resv_hugepages`, '0\n')
  }
  writeAt(out, 'sys/kernel/debug/cma/reserved/base_pfn', '245760\n')
  writeAt(out, 'sys/kernel/debug/cma/reserved/count', '32768\n')
  writeAt(out, 'sys/kernel/debug/cma/reserved/order_per_bit', '0\n')
  writeAt(out, 'sys/kernel/debug/cma/reserved/used', '12\n')
  writeAt(out, 'sys/kernel/debug/cma/reserved/maxchunk', '32756\n')
  writeAt(out, 'sys/kernel/debug/cma/reserved/bitmap', Buffer.from([0xff, 0x0f, 0, 0]))
  writeAt(out, 'sys/kernel/mm/cma/reserved/alloc_pages_success', '12\n')
  writeAt(out, 'sys/kernel/mm/cma/reserved/alloc_pages_fail', '0\n')
}

function sortedLines(text: string): string {
  return text.trim().split('\n').sort().join('\n') + '\n'
}

async function expectMachineLayout(s: SnapshotSource, capture: string): Promise<void> {
  for (const name of CORE) expect(s.files, name).toContain(name)
  for (const name of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'cmdline', 'iomem', 'slabinfo', 'uptime', 'uname_r', 'extfrag_index', 'unusable_index', 'node0_vmstat']) {
    expect(await s.readText(name), name).toBe(readFileSync(join(capture, name), 'utf8'))
  }
  expect(await s.readText('sysctl_vm')).toBe(sortedLines(readFileSync(join(capture, 'sysctl_vm'), 'utf8')))
  expect(await s.readText('transparent_hugepage')).toBe(sortedLines(readFileSync(join(capture, 'transparent_hugepage'), 'utf8')))
  expect(await s.readText('transparent_hugepage')).toContain('khugepaged/defrag: ')
  expect(await s.readText('hugepages')).toBe(readFileSync(join(capture, 'hugepages'), 'utf8'))
  expect(await s.readText('sysctl_vm')).not.toContain('compact_memory')
  for (const f of ['base_pfn', 'count', 'order_per_bit', 'used', 'maxchunk', 'bitmap', 'alloc_pages_success', 'alloc_pages_fail']) {
    expect(s.has(`cma/reserved/${f}`), f).toBe(true)
  }
  expect(await s.readText('cma/reserved/base_pfn')).toBe('245760\n')
  expect((await collect(s, 'cma/reserved/bitmap')).bytes).toEqual(Buffer.from([0xff, 0x0f, 0, 0]))
  const flags = await collect(s, 'kpageflags')
  expect(flags.bytes.equals(fixtureBytes(capture, 'kpageflags'))).toBe(true)
}

// =================================================================================================

describe('directories (fixtures layout)', () => {
  for (const run of RUNS) {
    const runDir = join(FIXTURES, run)
    for (const cap of readdirSync(runDir).filter((d) => /^\d+-/.test(d)).sort()) {
      it(`opens ${run}/${cap}`, async () => {
        const dir = join(runDir, cap)
        const s = await openSnapshot(dir)
        try {
          expect(s.kind).toBe('directory')
          expect(s.path).toBe(dir)
          expect(s.label).toBeNull()
          expect(s.manifest).toBeNull()
          expect(s.files).toEqual([...s.files].sort())
          for (const name of CORE) expect(s.files, name).toContain(name)
          expect(s.has('buddyinfo')).toBe(true)
          expect(s.has('page_owner')).toBe(false)
          expect(await s.readText('buddyinfo')).toBe(readFileSync(join(dir, 'buddyinfo'), 'utf8'))
          expect(await s.readText('uname_r')).toMatch(/^6\.1\.0-56-(amd64|arm64)\n$/)
          const gz = existsSync(join(dir, 'kpageflags.gz'))
          expect(s.describe('kpageflags')).toBe(join(dir, gz ? 'kpageflags.gz' : 'kpageflags'))
          expect(s.size('kpageflags')).toBe(gz ? null : statSync(join(dir, 'kpageflags')).size)
          expect(s.size('buddyinfo')).toBe(statSync(join(dir, 'buddyinfo')).size)
        } finally {
          await s.close()
        }
      })
    }
  }

  it('streams raw kpageflags in chunks without loading it first', async () => {
    const s = await openSnapshot(join(FIXTURES, 'x86-1G-s2-hugetlb', '02-before'))
    const got = await collect(s, 'kpageflags')
    const want = readFileSync(join(FIXTURES, 'x86-1G-s2-hugetlb', '02-before', 'kpageflags'))
    expect(got.total).toBe(want.length)
    expect(got.total).toBe(s.size('kpageflags'))
    expect(got.chunks).toBeGreaterThan(1)
    expect(got.bytes.equals(want)).toBe(true)
    await s.close()
  })

  it('streams kpageflags.gz decompressed (sum of chunks = gunzipSync length)', async () => {
    const s = await openSnapshot(ARM)
    const want = gunzipSync(readFileSync(join(ARM, 'kpageflags.gz')))
    const got = await collect(s, 'kpageflags')
    expect(got.total).toBe(want.length)
    expect(got.total % 8).toBe(0)
    expect(got.bytes.equals(want)).toBe(true)
    const count = await collect(s, 'kpagecount')
    expect(count.bytes.equals(gunzipSync(readFileSync(join(ARM, 'kpagecount.gz'))))).toBe(true)
    await s.close()
  })

  it('stops reading when the consumer breaks out of the stream early', async () => {
    const s = await openSnapshot(ARM)
    let n = 0
    for await (const chunk of s.openStream('kpageflags')) {
      n += chunk.length
      break
    }
    expect(n).toBeGreaterThan(0)
    await s.close()
  })

  it('reports a missing logical file, and reads after close, as SnapshotError', async () => {
    const s = await openSnapshot(X86)
    const e1 = await snapErr(s.readText('page_owner'))
    expect(e1.message).toContain('has no page_owner file')
    expect(e1.message).toContain('buddyinfo')
    const e2 = await snapErr(collect(s, 'page_owner'))
    expect(e2.message).toContain('page_owner')
    await s.close()
    await s.close() // idempotent
    const e3 = await snapErr(s.readText('buddyinfo'))
    expect(e3.message).toContain('closed')
  })

  it('reads a machine-path tree (layout b) and synthesizes sysctl_vm, transparent_hugepage, hugepages', async () => {
    for (const cap of [X86, ARM]) {
      const out = scratch(`machine-dir-${cap === X86 ? 'x86' : 'arm'}`)
      buildMachineTree(cap, out)
      const s = await openSnapshot(out)
      expect(s.kind).toBe('directory')
      await expectMachineLayout(s, cap)
      expect(s.describe('buddyinfo')).toBe(join(out, 'proc/buddyinfo'))
      expect(s.describe('sysctl_vm')).toBe(join(out, 'proc/sys/vm') + '/*')
      expect(s.describe('cma/reserved/used')).toBe(join(out, 'sys/kernel/debug/cma/reserved/used'))
      await s.close()
    }
  })

  it('decompresses any .gz file transparently and prefers the raw copy when both exist', async () => {
    const d = scratch('gz-dir')
    writeFileSync(join(d, 'buddyinfo.gz'), gzipSync(BUDDY))
    writeFileSync(join(d, 'meminfo'), gzipSync(readFileSync(join(X86, 'meminfo')))) // gzip without the suffix
    writeFileSync(join(d, 'zoneinfo'), readFileSync(join(X86, 'zoneinfo')))
    writeFileSync(join(d, 'zoneinfo.gz'), gzipSync('stale'))
    const s = await openSnapshot(d)
    expect(s.files).toEqual(['buddyinfo', 'meminfo', 'zoneinfo'])
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    expect(await s.readText('meminfo')).toBe(readFileSync(join(X86, 'meminfo'), 'utf8'))
    expect(await s.readText('zoneinfo')).toBe(readFileSync(join(X86, 'zoneinfo'), 'utf8'))
    expect(s.describe('buddyinfo')).toBe(join(d, 'buddyinfo.gz'))
    await s.close()
  })

  it('reads manifest.json in a capture directory', async () => {
    const d = scratch('dir-with-manifest')
    cpSync(X86, d, { recursive: true })
    writeFileSync(join(d, 'manifest.json'), JSON.stringify({ format: 'buddyscope-snapshot', version: 1, hostname: 'vm1', kernelRelease: '6.1.0-56-amd64', arch: 'x86_64', pageSize: 4096, captureTime: '2026-11-16T10:00:00Z', files: ['buddyinfo'] }))
    const s = await openSnapshot(d)
    // version 1 lists files by name; the reader gives them as {path} like version 2
    expect(s.manifest).toEqual({ format: 'buddyscope-snapshot', version: 1, hostname: 'vm1', kernelRelease: '6.1.0-56-amd64', arch: 'x86_64', pageSize: 4096, captureTime: '2026-11-16T10:00:00Z', files: [{ path: 'buddyinfo' }] })
    expect(s.files).not.toContain('manifest.json')
    await s.close()
  })
})

describe('series', () => {
  it('opens a run directory as a series in numeric order, default 02-before', async () => {
    const series = await openSeries(X86_RUN)
    expect(series).not.toBeNull()
    if (!series) return
    expect(series.path).toBe(X86_RUN)
    expect(series.captures.map((c) => c.label)).toEqual(['01-boot', '02-before', '03-after-compact-node', '04-after-compact-memory', '05-after-hugetlb-2M-x64'])
    expect(series.defaultIndex).toBe(1)
    expect(series.readme).toMatch(/^# Ground-truth run `x86-512M-s1-compact`/)
    for (const c of series.captures) {
      expect(c.source.label).toBe(c.label)
      expect(c.source.kind).toBe('directory')
      for (const name of CORE) expect(c.source.files).toContain(name)
      expect(await c.source.readText('buddyinfo')).toBe(readFileSync(join(X86_RUN, c.label, 'buddyinfo'), 'utf8'))
    }
    await series.close()
  })

  it('sorts numbered captures numerically, not as text', async () => {
    const d = scratch('numeric-series')
    for (const label of ['10-last', '9-middle', '1-first']) {
      mkdirSync(join(d, label))
      writeFileSync(join(d, label, 'buddyinfo'), BUDDY)
    }
    const series = await openSeries(d)
    expect(series?.captures.map((c) => c.label)).toEqual(['1-first', '9-middle', '10-last'])
    expect(series?.defaultIndex).toBe(0) // no "before": the first
    await series?.close()
  })

  it('openSnapshot on a series opens the default or the named capture', async () => {
    const s = await openSnapshot(X86_RUN)
    expect(s.label).toBe('02-before')
    expect(s.path).toBe(X86_RUN)
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    await s.close()
    for (const wanted of ['03-after-compact-node', 'after-compact-node', '3', '03']) {
      const t = await openSnapshot(X86_RUN, { capture: wanted })
      expect(t.label, wanted).toBe('03-after-compact-node')
      await t.close()
    }
    const err = await snapErr(openSnapshot(X86_RUN, { capture: 'nope' }))
    expect(err.message).toContain('no capture "nope"')
    expect(err.message).toContain('01-boot, 02-before')
    const err2 = await snapErr(openSnapshot(X86, { capture: 'before' }))
    expect(err2.message).toContain('not a series')
  })

  it('openSeries returns null for a single capture, a single file and an empty directory; throws for a missing path', async () => {
    expect(await openSeries(X86)).toBeNull()
    expect(await openSeries(join(X86, 'buddyinfo'))).toBeNull()
    expect(await openSeries(scratch('empty-for-series'))).toBeNull()
    const err = await snapErr(openSeries(join(work, 'missing')))
    expect(err.message).toContain('no such file or directory')
  })

  it('follows a manifest "series" (labels, folders, triggers)', async () => {
    const d = scratch('manifest-series')
    cpSync(join(X86_RUN, '01-boot'), join(d, 'caps/a'), { recursive: true })
    cpSync(join(X86_RUN, '02-before'), join(d, 'caps/b'), { recursive: true })
    cpSync(join(X86_RUN, '03-after-compact-node'), join(d, 'caps/c'), { recursive: true })
    const manifest = {
      format: 'buddyscope-snapshot', version: 1, hostname: 'vm',
      series: [
        { label: 'boot', dir: 'caps/a' },
        { label: 'before', dir: 'caps/b' },
        { label: 'after-cn', dir: 'caps/c', trigger: { kind: 'compact_node', node: 0 } },
      ],
    }
    writeFileSync(join(d, 'manifest.json'), JSON.stringify(manifest, null, 2))
    const series = await openSeries(d)
    expect(series?.captures.map((c) => c.label)).toEqual(['boot', 'before', 'after-cn'])
    expect(series?.defaultIndex).toBe(1)
    expect(series?.captures[2]?.source.manifest?.series?.[2]?.trigger).toEqual({ kind: 'compact_node', node: 0 })
    expect(await series?.captures[1]?.source.readText('buddyinfo')).toBe(BUDDY)
    await series?.close()
    const s = await openSnapshot(d)
    expect(s.label).toBe('before')
    expect(s.manifest?.hostname).toBe('vm')
    await s.close()
  })
})

describe('bundles', () => {
  const files = readdirSync(X86)

  it('opens a .tar.gz of the fixtures layout without a top folder', async () => {
    const tgz = await makeTgz(join(scratch('b1'), 'snap.tar.gz'), X86, files)
    const s = await openSnapshot(tgz)
    expect(s.kind).toBe('bundle')
    expect(s.path).toBe(tgz)
    expect(s.manifest).toBeNull()
    const dir = await openSnapshot(X86)
    expect(s.files).toEqual(dir.files)
    for (const name of dir.files.filter((n) => !['kpageflags', 'kpagecount'].includes(n))) {
      expect(await s.readText(name), name).toBe(await dir.readText(name))
    }
    expect(s.describe('buddyinfo')).toBe(`${tgz}:buddyinfo`)
    expect(s.size('kpageflags')).toBe(statSync(join(X86, 'kpageflags')).size)
    expect((await collect(s, 'kpageflags')).bytes.equals(readFileSync(join(X86, 'kpageflags')))).toBe(true)
    expect(liveTempDirCount()).toBe(tempBaseline + 1)
    await s.close()
    await dir.close()
    expect(liveTempDirCount()).toBe(tempBaseline)
  })

  it('opens a .tgz with one top folder and a manifest.json inside it', async () => {
    const stage = scratch('b2-stage')
    cpSync(ARM, join(stage, 'host-2026'), { recursive: true })
    writeFileSync(join(stage, 'host-2026', 'manifest.json'), JSON.stringify({ format: 'buddyscope-snapshot', version: 1, arch: 'aarch64', pageSize: 4096 }))
    const tgz = await makeTgz(join(scratch('b2'), 'snap.tgz'), stage, ['host-2026'])
    const s = await openSnapshot(tgz)
    expect(s.manifest).toEqual({ format: 'buddyscope-snapshot', version: 1, arch: 'aarch64', pageSize: 4096 })
    for (const name of CORE) expect(s.files).toContain(name)
    expect(s.describe('kpageflags')).toBe(`${tgz}:host-2026/kpageflags.gz`)
    expect(s.size('kpageflags')).toBeNull()
    const got = await collect(s, 'kpageflags')
    expect(got.bytes.equals(gunzipSync(readFileSync(join(ARM, 'kpageflags.gz'))))).toBe(true)
    await s.close()
  })

  it('opens a bundle with manifest.json at the bundle root', async () => {
    const stage = scratch('b3-stage')
    for (const f of files) cpSync(join(X86, f), join(stage, f))
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify({ format: 'buddyscope-snapshot', version: 1, hostname: 'root-level' }))
    const tgz = await makeTgz(join(scratch('b3'), 'snap.tar.gz'), stage, readdirSync(stage))
    const s = await openSnapshot(tgz)
    expect(s.manifest?.hostname).toBe('root-level')
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    await s.close()
  })

  it('opens a machine-path tree (layout b) bundle, with and without a top folder', async () => {
    const stage = scratch('b4-stage')
    buildMachineTree(ARM, join(stage, 'capture'))
    const flat = await makeTgz(join(scratch('b4'), 'flat.tar.gz'), join(stage, 'capture'), ['proc', 'sys'])
    const topped = await makeTgz(join(scratch('b4'), 'topped.tar.gz'), stage, ['capture'])
    for (const tgz of [flat, topped]) {
      const s = await openSnapshot(tgz)
      await expectMachineLayout(s, ARM)
      expect(s.describe('buddyinfo')).toBe(`${tgz}:${tgz === flat ? '' : 'capture/'}proc/buddyinfo`)
      await s.close()
    }
  })

  it('opens a series bundle (a whole run folder) and cleans up after the last capture is closed', async () => {
    const tgz = await makeTgz(join(scratch('b5'), 'run.tar.gz'), FIXTURES, ['x86-512M-s1-compact'])
    const series = await openSeries(tgz)
    expect(series?.captures.map((c) => c.label)).toEqual(['01-boot', '02-before', '03-after-compact-node', '04-after-compact-memory', '05-after-hugetlb-2M-x64'])
    expect(series?.defaultIndex).toBe(1)
    expect(series?.readme).toMatch(/^# Ground-truth run/)
    expect(series?.captures[0]?.source.kind).toBe('bundle')
    expect(series?.captures[0]?.source.describe('buddyinfo')).toBe(`${tgz}:x86-512M-s1-compact/01-boot/buddyinfo`)
    expect(liveTempDirCount()).toBe(tempBaseline + 1)
    await series?.close()
    expect(liveTempDirCount()).toBe(tempBaseline)

    const s = await openSnapshot(tgz)
    expect(s.label).toBe('02-before')
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    expect(liveTempDirCount()).toBe(tempBaseline + 1)
    await s.close()
    expect(liveTempDirCount()).toBe(tempBaseline)
  })

  it('opens an uncompressed .tar and a gzip tarball with an unknown name (by content)', async () => {
    const tar = await makeTgz(join(scratch('b6'), 'snap.tar'), X86, ['buddyinfo', 'pagetypeinfo'], false)
    const s = await openSnapshot(tar)
    expect(s.files).toEqual(['buddyinfo', 'pagetypeinfo'])
    await s.close()
    const odd = await makeTgz(join(scratch('b6'), 'snapshot.bin'), X86, ['buddyinfo', 'zoneinfo'])
    const t = await openSnapshot(odd)
    expect(t.kind).toBe('bundle')
    expect(t.files).toEqual(['buddyinfo', 'zoneinfo'])
    await t.close()
  })

  it('accepts "./"-prefixed entries (tar -C dir .)', async () => {
    const tgz = await makeTgz(join(scratch('b7'), 'dot.tar.gz'), X86, ['.'])
    const s = await openSnapshot(tgz)
    for (const name of CORE) expect(s.files).toContain(name)
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    await s.close()
  })

  it('finds a manifest series inside one top folder, ignoring __MACOSX junk', async () => {
    const stage = scratch('b8-stage')
    cpSync(join(X86_RUN, '01-boot'), join(stage, 'top/first'), { recursive: true })
    cpSync(join(X86_RUN, '02-before'), join(stage, 'top/second'), { recursive: true })
    writeFileSync(join(stage, 'top/manifest.json'), JSON.stringify({
      format: 'buddyscope-snapshot', version: 1,
      series: [{ label: 'boot', dir: 'first' }, { label: 'before', dir: './second/' }],
    }))
    writeAt(stage, '__MACOSX/top/._manifest.json', 'junk')
    const tgz = await makeTgz(join(scratch('b8'), 'series.tgz'), stage, ['top', '__MACOSX'])
    const series = await openSeries(tgz)
    expect(series?.captures.map((c) => c.label)).toEqual(['boot', 'before'])
    expect(series?.defaultIndex).toBe(1)
    expect(series?.captures[1]?.source.describe('buddyinfo')).toBe(`${tgz}:top/second/buddyinfo`)
    await series?.close()
    expect(liveTempDirCount()).toBe(tempBaseline)
  })

  it('accepts links that stay inside the bundle', async () => {
    const tgz = writeRawTgz('links-ok.tgz', [
      { name: 'snap/', type: '5' },
      { name: 'snap/data/', type: '5' },
      { name: 'snap/data/buddyinfo', data: BUDDY },
      { name: 'snap/buddyinfo', type: '2', linkname: 'data/buddyinfo' },
      { name: 'snap/meminfo', type: '1', linkname: 'snap/data/buddyinfo' },
    ])
    const s = await openSnapshot(tgz)
    expect(s.files).toEqual(['buddyinfo', 'meminfo'])
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    expect(await s.readText('meminfo')).toBe(BUDDY)
    await s.close()
  })
})

describe('single files', () => {
  it('identifies a file by its name', async () => {
    for (const name of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'node0_vmstat', 'kpageflags']) {
      const s = await openSnapshot(join(X86, name))
      expect(s.kind).toBe('file')
      expect(s.files).toEqual([name])
      expect(s.label).toBeNull()
      expect(s.describe(name)).toBe(join(X86, name))
      if (name === 'kpageflags') expect((await collect(s, name)).total).toBe(statSync(join(X86, name)).size)
      else expect(await s.readText(name)).toBe(readFileSync(join(X86, name), 'utf8'))
      await s.close()
    }
  })

  it('identifies a file by its content when the name is unknown', async () => {
    const d = scratch('sniff')
    const cases: Array<[string, string]> = [['buddyinfo', 'buddyinfo'], ['pagetypeinfo', 'pagetypeinfo'], ['zoneinfo', 'zoneinfo'], ['meminfo', 'meminfo'], ['vmstat', 'vmstat']]
    for (const [src, expected] of cases) {
      const p = join(d, `capture-${src}.out`)
      writeFileSync(p, readFileSync(join(X86, src)))
      const s = await openSnapshot(p)
      expect(s.files, src).toEqual([expected])
      expect(await s.readText(expected)).toBe(readFileSync(join(X86, src), 'utf8'))
      await s.close()
    }
    expect(sniffContent('Node 0, zone   Normal  1 2 3\n')).toBe('buddyinfo')
    expect(sniffContent('Node 0, zone   Normal\n  pages free 3\n')).toBe('zoneinfo')
    expect(sniffContent('hello\n')).toBeNull()
  })

  it('reads a gzip-compressed single file, by name and by content', async () => {
    const d = scratch('gz-single')
    writeFileSync(join(d, 'buddyinfo.gz'), gzipSync(BUDDY))
    const s = await openSnapshot(join(d, 'buddyinfo.gz'))
    expect(s.files).toEqual(['buddyinfo'])
    expect(await s.readText('buddyinfo')).toBe(BUDDY)
    await s.close()
    const pti = readFileSync(join(X86, 'pagetypeinfo'), 'utf8')
    writeFileSync(join(d, 'blob'), gzipSync(pti))
    const t = await openSnapshot(join(d, 'blob'))
    expect(t.files).toEqual(['pagetypeinfo'])
    expect(await t.readText('pagetypeinfo')).toBe(pti)
    expect((await collect(t, 'pagetypeinfo')).bytes.toString('utf8')).toBe(pti)
    await t.close()
  })

  it('refuses a file it cannot identify, with a hint for the index files', async () => {
    const e1 = await snapErr(openSnapshot(join(FIXTURES, 'REAL-CAPTURES.md')))
    expect(e1.message).toContain('cannot tell which capture file this is')
    expect(e1.path).toBe(join(FIXTURES, 'REAL-CAPTURES.md'))
    const p = join(scratch('idx'), 'some-index')
    writeFileSync(p, readFileSync(join(X86, 'unusable_index')))
    const e2 = await snapErr(openSnapshot(p))
    expect(e2.message).toContain('rename the file to extfrag_index or unusable_index')
  })
})

describe('malformed inputs', () => {
  afterAll(() => {
    // every failed bundle must have removed its temporary copy
    expect(liveTempDirCount()).toBe(tempBaseline)
  })

  it('nonexistent path', async () => {
    const p = join(work, 'does-not-exist')
    const err = await snapErr(openSnapshot(p))
    expect(err.path).toBe(p)
    expect(err.message).toBe(`${p}: no such file or directory (expected a capture directory, a .tar.gz snapshot bundle, or a single captured file such as buddyinfo)`)
  })

  it('empty directory', async () => {
    const p = scratch('empty')
    const err = await snapErr(openSnapshot(p))
    expect(err.message).toContain(`${p}: the directory is empty`)
  })

  it('directory with none of the known files', async () => {
    const p = scratch('unknown-files')
    writeFileSync(join(p, 'notes.txt'), 'hi')
    mkdirSync(join(p, 'inner'))
    const err = await snapErr(openSnapshot(p))
    expect(err.message).toContain('none of the known capture files found')
    expect(err.message).toContain('notes.txt')
    expect(err.message).toContain(`Did you mean ${join(p, 'inner')}?`)
  })

  const unsafe: Array<[string, RawEntry[], string]> = [
    ['dot-dot entry', [{ name: 'buddyinfo', data: BUDDY }, { name: '../evil', data: 'x' }], '"../evil" is unsafe: its path contains ".."'],
    ['nested dot-dot entry', [{ name: 'snap/../../evil', data: 'x' }], '"snap/../../evil" is unsafe'],
    ['absolute entry', [{ name: '/etc/evil', data: 'x' }], '"/etc/evil" is unsafe: it has an absolute path'],
    ['symlink escaping', [{ name: 'buddyinfo', type: '2', linkname: '../../etc/passwd' }], '"buddyinfo" is unsafe: it is a symbolic link to "../../etc/passwd", outside the bundle'],
    ['absolute symlink', [{ name: 'buddyinfo', type: '2', linkname: '/etc/passwd' }], 'symbolic link to the absolute path "/etc/passwd"'],
    ['symlink chain escaping', [{ name: 'buddyinfo', data: BUDDY }, { name: 'a', type: '2', linkname: '.' }, { name: 'b', type: '2', linkname: 'a/..' }], '"b" is unsafe: following its symbolic link(s) leads outside the bundle'],
    ['hard link escaping', [{ name: 'buddyinfo', type: '1', linkname: '../outside' }], 'hard link to "../outside", outside the bundle'],
    ['write through a symlink', [{ name: 'sub/', type: '5' }, { name: 'd', type: '2', linkname: 'sub' }, { name: 'd/buddyinfo', data: BUDDY }], 'written through the symbolic link "d"'],
    ['character device', [{ name: 'buddyinfo', data: BUDDY }, { name: 'dev/mem', type: '3' }], '"dev/mem" is unsafe: it is a device file'],
    ['fifo', [{ name: 'fifo', type: '6' }], 'named pipe'],
  ]
  for (const [what, entries, expected] of unsafe) {
    it(`tarball with ${what}`, async () => {
      const tgz = writeRawTgz(`${what.replace(/\W+/g, '-')}.tar.gz`, entries)
      const err = await snapErr(openSnapshot(tgz))
      expect(err.path).toBe(tgz)
      expect(err.message).toContain(`${tgz}: refusing to open the bundle: entry `)
      expect(err.message).toContain(expected)
      expect(liveTempDirCount()).toBe(tempBaseline)
    })
  }

  it('never creates anything outside its temp folder for a ../ entry', async () => {
    const tgz = writeRawTgz('evil2.tar.gz', [{ name: '../buddyscope-evil-marker', data: 'x' }])
    await snapErr(openSnapshot(tgz))
    expect(existsSync(join(tmpdir(), 'buddyscope-evil-marker'))).toBe(false)
  })

  it('truncated .tar.gz', async () => {
    const full = await makeTgz(join(scratch('trunc'), 'full.tar.gz'), X86, files())
    const cut = join(scratch('trunc'), 'cut.tar.gz')
    const bytes = readFileSync(full)
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const err = await snapErr(openSnapshot(cut))
    expect(err.message).toContain(`${cut}: the bundle is truncated`)
  })

  it('truncated plain .tar (mid-entry and at an entry boundary)', async () => {
    const raw = rawTar([{ name: 'buddyinfo', data: BUDDY }, { name: 'meminfo', data: 'MemTotal: 1 kB\n' }])
    const mid = join(scratch('trunc-tar'), 'mid.tar')
    writeFileSync(mid, raw.subarray(0, 700))
    expect((await snapErr(openSnapshot(mid))).message).toContain('the bundle is truncated')
    const boundary = join(scratch('trunc-tar'), 'boundary.tar')
    writeFileSync(boundary, raw.subarray(0, 1024))
    expect((await snapErr(openSnapshot(boundary))).message).toContain('the bundle is truncated')
  })

  it('garbage .tar.gz (gzip magic, then junk) and a non-archive named .tgz', async () => {
    const d = scratch('garbage')
    const g1 = join(d, 'junk.tar.gz')
    writeFileSync(g1, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(4000, 0x37)]))
    const e1 = await snapErr(openSnapshot(g1))
    expect(e1.message).toMatch(/gzip data is corrupt/)
    const g2 = join(d, 'text.tgz')
    writeFileSync(g2, 'this is not a tarball\n'.repeat(100))
    const e2 = await snapErr(openSnapshot(g2))
    expect(e2.message).toContain('not a valid tar archive')
    const g3 = join(d, 'empty.tar.gz')
    writeFileSync(g3, '')
    expect((await snapErr(openSnapshot(g3))).message).toContain('not a tar archive')
    const g4 = join(d, 'snap.tar.bz2')
    writeFileSync(g4, 'x')
    expect((await snapErr(openSnapshot(g4))).message).toContain('archive format is not supported')
    const g5 = join(d, 'snap.tar.xz')
    writeFileSync(g5, 'x')
    expect((await snapErr(openSnapshot(g5))).message).toMatch(/snap\.tar\.xz: (xz could not decompress the bundle|reading a \.tar\.xz needs the xz program)/)
  })

  it('bundle limits: entry count and unpacked size', async () => {
    const tgz = await makeTgz(join(scratch('limits'), 'snap.tar.gz'), X86, files())
    const e1 = await snapErr(openSnapshot(tgz, { limits: { maxEntries: 5 } }))
    expect(e1.message).toContain('more than 5 entries')
    const e2 = await snapErr(openSnapshot(tgz, { limits: { maxBytes: 1024 * 1024 } }))
    expect(e2.message).toContain('unpacks to more than 1 MiB')
  })

  it('a bundle with no capture files, and an empty bundle', async () => {
    const t1 = writeRawTgz('nothing.tgz', [{ name: 'README', data: 'hi' }])
    expect((await snapErr(openSnapshot(t1))).message).toContain('the bundle holds none of the known capture files')
    const t2 = writeRawTgz('empty-bundle.tgz', [])
    expect((await snapErr(openSnapshot(t2))).message).toContain('the bundle is empty')
  })

  it('bad manifest JSON reports manifest.json with line and column', async () => {
    const d = scratch('bad-manifest-json')
    writeFileSync(join(d, 'buddyinfo'), BUDDY)
    writeFileSync(join(d, 'manifest.json'), '{\n  "format": "buddyscope-snapshot",\n  "version": 1,\n  "hostname": \n}\n')
    const err = await snapErr(openSnapshot(d))
    expect(err.path).toBe(join(d, 'manifest.json'))
    expect(err.message).toContain(`${join(d, 'manifest.json')}: manifest.json is not valid JSON: line 5, column 1: expected a value`)
    // the same inside a bundle
    const tgz = await makeTgz(join(scratch('bad-manifest-tgz'), 'snap.tgz'), d, ['buddyinfo', 'manifest.json'])
    const err2 = await snapErr(openSnapshot(tgz))
    expect(err2.message).toContain(`${tgz}:manifest.json: manifest.json is not valid JSON: line 5, column 1`)
    expect(liveTempDirCount()).toBe(tempBaseline)
  })

  it('manifest with wrong fields names the field and what was expected', async () => {
    const cases: Array<[unknown, string]> = [
      [[1, 2], 'expected a JSON object at the top level'],
      [{ version: 1 }, '"format" is missing'],
      [{ format: 'other', version: 1 }, '"format" must be "buddyscope-snapshot", found "other"'],
      [{ format: 'buddyscope-snapshot', version: 3 }, '"version" 3 is newer than this build'],
      [{ format: 'buddyscope-snapshot', version: '1' }, '"version" must be 1 or 2, found "1"'],
      [{ format: 'buddyscope-snapshot', version: 2, files: ['buddyinfo'] }, '"files"[0] must be an object {"path", "start", "end"}'],
      [{ format: 'buddyscope-snapshot', version: 2, files: [{ path: 'proc/buddyinfo', start: 'soon' }] }, '"files"[0]."start" must be a number of seconds'],
      [{ format: 'buddyscope-snapshot', version: 2, skipped: [{ path: 'proc/kpageflags' }] }, '"skipped"[0] must be an object {"path", "reason"}'],
      [{ format: 'buddyscope-snapshot', version: 2, series: [{ label: '01-a', dir: '.' }], steps: [{ name: 'cm', after: '02-b' }] }, '"steps"[0]."after" "02-b" is not a capture of "series"'],
      [{ format: 'buddyscope-snapshot', version: 2, series: [{ label: '01-a', dir: '.' }], steps: [{ name: 'cm', after: '01-a', deltas: { pgmigrate_success: 'many' } }] }, '"steps"[0]."deltas"."pgmigrate_success" must be an integer'],
      [{ format: 'buddyscope-snapshot', version: 2, series: [{ label: '01-a', dir: '.', uptime: -1 }] }, '"series"[0]."uptime" must be a number of seconds'],
      [{ format: 'buddyscope-snapshot', version: 1, pageSize: 4000 }, '"pageSize" must be a power of two'],
      [{ format: 'buddyscope-snapshot', version: 1, captureTime: 'yesterday' }, '"captureTime" must be an ISO 8601'],
      [{ format: 'buddyscope-snapshot', version: 1, files: ['a', 3] }, '"files"[1] must be a non-empty string'],
      [{ format: 'buddyscope-snapshot', version: 1, series: [{ label: 'x', dir: '../up' }] }, '"series"[0]."dir" "../up" must be a relative folder inside the snapshot'],
      [{ format: 'buddyscope-snapshot', version: 1, series: [{ label: 'x', dir: 'a' }, { label: 'x', dir: 'b' }] }, '"series"[1]."label" "x" is used twice'],
      [{ format: 'buddyscope-snapshot', version: 1, series: [{ label: 'x', dir: 'missing' }] }, 'the series lists capture "x" in folder "missing", which does not exist'],
    ]
    for (const [i, [manifest, expected]] of cases.entries()) {
      const d = scratch(`bad-manifest-${i}`)
      writeFileSync(join(d, 'buddyinfo'), BUDDY)
      writeFileSync(join(d, 'manifest.json'), JSON.stringify(manifest))
      const err = await snapErr(openSnapshot(d))
      expect(err.message, expected).toContain('manifest.json')
      expect(err.message).toContain(expected)
    }
  })

  it('corrupt and truncated gzip files inside a directory', async () => {
    const d = scratch('bad-gz')
    const flags = readFileSync(join(ARM, 'kpageflags.gz'))
    writeFileSync(join(d, 'kpageflags.gz'), flags.subarray(0, flags.length - 100))
    const b = gzipSync(BUDDY)
    writeFileSync(join(d, 'buddyinfo.gz'), b.subarray(0, b.length - 6))
    writeFileSync(join(d, 'zoneinfo.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 0x41)]))
    const s = await openSnapshot(d)
    const e1 = await snapErr(collect(s, 'kpageflags'))
    expect(e1.message).toBe(`${join(d, 'kpageflags.gz')}: the gzip data is truncated (it ends too early); expected a complete .gz file`)
    const e2 = await snapErr(s.readText('buddyinfo'))
    expect(e2.message).toContain('the gzip data is truncated')
    const e3 = await snapErr(s.readText('zoneinfo'))
    expect(e3.message).toContain(`${join(d, 'zoneinfo.gz')}: the gzip data is corrupt`)
    await s.close()
  })

  it('corrupt gzip single file', async () => {
    const p = join(scratch('bad-gz-single'), 'buddyinfo.gz')
    writeFileSync(p, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 0x41)]))
    const err = await snapErr(openSnapshot(p))
    expect(err.message).toContain(`${p}: the gzip data is corrupt`)
  })

  function files(): string[] {
    return readdirSync(X86)
  }
})

describe('inputs are never modified', () => {
  function fingerprint(paths: string[]): Array<[string, number, string]> {
    return paths.map((p) => [p, statSync(p).mtimeMs, createHash('sha256').update(readFileSync(p)).digest('hex')])
  }

  it('directory, series, bundle and single-file opening leave mtimes and contents unchanged', async () => {
    const tgz = await makeTgz(join(scratch('ro'), 'snap.tar.gz'), X86, readdirSync(X86))
    const watched = [
      ...readdirSync(X86).map((f) => join(X86, f)),
      ...readdirSync(ARM).map((f) => join(ARM, f)),
      join(X86_RUN, 'RUN.md'),
      tgz,
    ]
    const before = fingerprint(watched)
    const dirMtime = statSync(X86).mtimeMs
    for (const p of [X86, ARM, tgz, join(X86, 'buddyinfo'), join(ARM, 'kpageflags.gz')]) {
      const s = await openSnapshot(p)
      for (const name of s.files) await collect(s, name)
      await s.close()
    }
    const series = await openSeries(X86_RUN)
    await series?.close()
    expect(fingerprint(watched)).toEqual(before)
    expect(statSync(X86).mtimeMs).toBe(dirMtime)
  })
})

describe('manifest JSON error location', () => {
  it('finds the first syntax error', () => {
    expect(locateJsonError('{"a": 1}')).toBeNull()
    expect(locateJsonError('{"a": 1,}')?.offset).toBe(8)
    expect(locateJsonError('{"a" 1}')?.problem).toContain('":"')
    expect(locateJsonError('["x]')?.problem).toContain('unterminated string')
    expect(locateJsonError('{} x')?.problem).toContain('end of the file')
    expect(lineColumn('ab\ncd\nef', 7)).toEqual({ line: 3, column: 2 })
  })
})
