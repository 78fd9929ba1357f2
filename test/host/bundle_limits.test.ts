/**
 * Hostile bundles (issue 15): duplicate names, compression bombs, the private temp folder (mode
 * 0700, removed after success, error and cancel, and swept after a crash), next to the unsafe
 * entries test/host/snapshot_source.test.ts already holds.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readdirSync, statSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { spawnSync } from 'node:child_process'
import { create } from 'tar'
import { extractBundle, liveTempDirCount, sweepStaleTempDirs, DEFAULT_LIMITS, CANCELLED_MESSAGE } from '../../host/sources/snapshot_bundle.ts'
import { openSnapshot, SnapshotError } from '../../host/sources/snapshot_source.ts'

const FIXTURE_BUNDLE = join(import.meta.dirname, '..', '..', 'fixtures', 'capture-script', 'x86-1G-s22-k61-compact.tar.gz')
let root: string

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-bundle-limits-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A ustar header + data for one entry (type '0' file, '5' folder, '2' symlink). */
function entry(name: string, data: Buffer | string = '', type = '0', link = ''): Buffer {
  const body = Buffer.from(data)
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write('0000644\0', 100, 'latin1')
  h.write('0000000\0', 108, 'latin1')
  h.write('0000000\0', 116, 'latin1')
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1')
  h.write('15000000000\0', 136, 'latin1')
  h.fill(' ', 148, 156)
  h.write(type, 156, 'latin1')
  h.write(link, 157, 100, 'utf8')
  h.write('ustar\0', 257, 'latin1')
  h.write('00', 263, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)])
}
const tgz = (name: string, ...entries: Buffer[]): string => {
  const p = join(root, name)
  writeFileSync(p, gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)])))
  return p
}
const BUDDY = 'Node 0, zone   Normal      1      2      3      4      5      6      7      8      9     10     11 \n'

async function refused(p: Promise<unknown>): Promise<SnapshotError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError)
    return e as SnapshotError
  }
  throw new Error('expected a SnapshotError')
}

/** this process's temp folders in os.tmpdir() */
const ownTemps = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`buddyscope-${process.pid}-`))

describe('duplicate names', () => {
  it('refuses a file given twice, naming the entry', async () => {
    const p = tgz('dup-file.tgz', entry('buddyinfo', BUDDY), entry('buddyinfo', BUDDY.replace('1 ', '9 ')))
    const e = await refused(openSnapshot(p))
    expect(e.message).toBe(`${p}: refusing to open the bundle: entry "buddyinfo" appears twice (two entries of one name: which one is the capture's is ambiguous)`)
  })

  it('refuses "./x" after "x", and a link over a file', async () => {
    const p1 = tgz('dup-dot.tgz', entry('snap/buddyinfo', BUDDY), entry('./snap/buddyinfo', BUDDY))
    expect((await refused(openSnapshot(p1))).message).toContain('entry "./snap/buddyinfo" appears twice')
    const p2 = tgz('dup-link.tgz', entry('buddyinfo', BUDDY), entry('zoneinfo', 'x'), entry('buddyinfo', '', '2', 'zoneinfo'))
    expect((await refused(openSnapshot(p2))).message).toContain('entry "buddyinfo" appears twice')
  })

  it('accepts a folder entry given twice (tar -r appends them)', async () => {
    const p = tgz('dup-dir.tgz', entry('snap/', '', '5'), entry('snap/buddyinfo', BUDDY), entry('snap/', '', '5'))
    const s = await openSnapshot(p)
    expect(s.files).toContain('buddyinfo')
    await s.close()
  })
})

describe('size limits', () => {
  it('refuses a compression bomb (unpacked size far beyond the ratio limit), before writing it', async () => {
    const p = tgz('bomb.tgz', entry('buddyinfo', BUDDY), entry('kpageflags', Buffer.alloc(8 * 1024 * 1024)))
    const before = ownTemps().length
    const e = await refused(extractBundle(p, { ...DEFAULT_LIMITS, ratioFloorBytes: 1024 * 1024 }))
    expect(e.message).toMatch(new RegExp(`^${p}: refusing to open the bundle: it unpacks to more than 200 times its own size of [\\d.]+ KiB \\(at entry "kpageflags"\\); a real capture compresses far less, so this looks like a compression bomb$`))
    expect(ownTemps().length).toBe(before)
  })

  it('a real capture bundle stays far below the ratio limit', async () => {
    const b = await extractBundle(FIXTURE_BUNDLE, { ...DEFAULT_LIMITS, ratioFloorBytes: 0 })
    await b.dispose()
  })

  it('the default limits are the documented ones', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxBytes: 64 * 1024 ** 3, maxEntries: 100_000, maxRatio: 200, ratioFloorBytes: 4 * 1024 ** 3 })
  })

  it('tar package: an archive with more entries than the limit', async () => {
    const src = join(root, 'many')
    mkdirSync(src)
    for (let i = 0; i < 30; i++) writeFileSync(join(src, `f${i}`), 'x')
    writeFileSync(join(src, 'buddyinfo'), BUDDY)
    const p = join(root, 'many.tgz')
    await create({ gzip: true, file: p, cwd: src }, readdirSync(src))
    const e = await refused(openSnapshot(p, { limits: { maxEntries: 10 } }))
    expect(e.message).toBe(`${p}: refusing to open the bundle: it has more than 10 entries (a snapshot has a few hundred at most)`)
  })
})

describe('the private temp folder', () => {
  it('is mode 0700, under buddyscope-PID-, and removed by dispose()', async () => {
    const b = await extractBundle(FIXTURE_BUNDLE)
    expect(b.tempDir.startsWith(join(tmpdir(), `buddyscope-${process.pid}-`))).toBe(true)
    expect(statSync(b.tempDir).mode & 0o777).toBe(0o700)
    for (const f of readdirSync(b.tempDir)) expect(statSync(join(b.tempDir, f)).mode & 0o777).toBe(0o600)
    await b.dispose()
    expect(existsSync(b.tempDir)).toBe(false)
  })

  it('is removed when the bundle is refused half-way', async () => {
    const before = liveTempDirCount()
    const p = tgz('late-bad.tgz', entry('buddyinfo', BUDDY), entry('zoneinfo', 'x'.repeat(100_000)), entry('../evil', 'x'))
    await refused(extractBundle(p))
    expect(liveTempDirCount()).toBe(before)
    expect(ownTemps()).toEqual([])
  })

  it('cancel (AbortSignal) rejects within 200 ms and removes the folder', async () => {
    // ~600 MiB of kpageflags (unpacking takes seconds), written as gzip members of 8 MiB each
    const size = 600 * 1024 * 1024
    const member = gzipSync(Buffer.alloc(8 * 1024 * 1024))
    const head = entry('buddyinfo', BUDDY)
    const kh = entry('kpageflags', '').subarray(0, 512)
    kh.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1')
    kh.fill(' ', 148, 156)
    let sum = 0
    for (const b of kh) sum += b
    kh.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
    const p = join(root, 'slow.tgz')
    writeFileSync(p, Buffer.concat([gzipSync(Buffer.concat([head, kh])), ...new Array<Buffer>(size / (8 * 1024 * 1024)).fill(member), gzipSync(Buffer.alloc(1024))]))
    const ac = new AbortController()
    const run = extractBundle(p, DEFAULT_LIMITS, ac.signal)
    await new Promise((ok) => setTimeout(ok, 150))
    const t0 = performance.now()
    ac.abort()
    const e = await refused(run)
    expect(performance.now() - t0).toBeLessThan(200)
    expect(e.message).toBe(`${p}: ${CANCELLED_MESSAGE}`)
    expect(ownTemps()).toEqual([])
    // an already aborted signal does not start
    expect((await refused(extractBundle(p, DEFAULT_LIMITS, ac.signal))).message).toContain(CANCELLED_MESSAGE)
  }, 60_000)

  it('folders of processes that no longer run are swept; live ones are kept', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    const base = mkdtempSync(join(root, 'tmp-'))
    mkdirSync(join(base, `buddyscope-${dead}-AbC123`))
    writeFileSync(join(base, `buddyscope-${dead}-AbC123`, 'f1'), 'x')
    mkdirSync(join(base, `buddyscope-${process.ppid}-XyZ789`))
    mkdirSync(join(base, 'buddyscope-fuzz-abcdef'))
    const removed = await sweepStaleTempDirs(base)
    expect(removed).toEqual([`buddyscope-${dead}-AbC123`])
    expect(readdirSync(base).sort()).toEqual([`buddyscope-${process.ppid}-XyZ789`, 'buddyscope-fuzz-abcdef'])
  })
})
