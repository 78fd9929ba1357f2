/**
 * `buddyscope report` in-process: every format from a real capture, the format from the
 * extension or --format, --whatif parsed by the what-if flag parsers (and written back the same
 * way), --diff (the diff model, as `buddyscope diff --json`) and --timeline (as `buddyscope
 * timeline --json`) on real series, usage errors, atomic writes (an existing file is replaced
 * whole or not at all; a failed export leaves nothing), and the capture's files untouched (hashed
 * before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { parseBuddyinfo } from '../../engine/index.ts'
import { fingerprint, fixturePath, runCli } from '../helpers/cli_harness.ts'
import { parseWhatifWords, splitWords } from '../../cli/commands/report.ts'
import { whatifWords } from '../../host/report/flags.ts'
import { writeReportDir, writeReportFile } from '../../host/report/write.ts'
import { crc32 } from '../../host/report/zip.ts'
import { findChromium, htmlToPdf } from '../../host/report/pdf.ts'
import type { ReportJson } from '../../host/report/model.ts'
import { MAX_CHANGED_ROWS } from '../../host/report/diff.ts'
import type { CaptureDiffJson } from '../../host/diff.ts'
import type { TimelineJson } from '../../host/timeline.ts'

const X86 = fixturePath('x86-512M-s1-compact')
const X86_BEFORE = fixturePath('x86-512M-s1-compact', '02-before')
const FEWPIN = fixturePath('x86-2G-s13-fewpin')
const FEWPIN_BEFORE = fixturePath('x86-2G-s13-fewpin', '02-before')
const FEWPIN_AFTER = fixturePath('x86-2G-s13-fewpin', '03-after-compact-memory')
const HUGETLB = fixturePath('x86-1G-s2-hugetlb')

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-report-test-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/** the entries of a zip, inflated (a reader independent of the writer, but for crc32) */
function unzip(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  let p = 0
  while (buf.readUInt32LE(p) === 0x04034b50) {
    const method = buf.readUInt16LE(p + 8)
    const crc = buf.readUInt32LE(p + 14)
    const size = buf.readUInt32LE(p + 18)
    const nameLen = buf.readUInt16LE(p + 26)
    const extra = buf.readUInt16LE(p + 28)
    const name = buf.subarray(p + 30, p + 30 + nameLen).toString('utf8')
    const body = buf.subarray(p + 30 + nameLen + extra, p + 30 + nameLen + extra + size)
    const data = method === 8 ? inflateRawSync(body) : body
    expect(crc32(data)).toBe(crc)
    out[name] = data.toString('utf8')
    p += 30 + nameLen + extra + size
  }
  expect(buf.readUInt32LE(buf.length - 22)).toBe(0x06054b50)
  return out
}

describe('buddyscope report', () => {
  it('writes every format, reads the capture only', async () => {
    const before = fingerprint(X86)
    const md = join(work, 'r.md')
    let r = await runCli(['report', X86, '--whatif', 'compact', '--whatif', 'hugetlb --count 64', '-o', md])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toContain(`wrote ${md}`)
    const text = readFileSync(md, 'utf8')
    expect(text).toContain('## What-if 1: compact')
    expect(text).toContain('## What-if 2: hugetlb --count 64')
    // the capture's buddyinfo numbers, captured and labelled so
    const bi = parseBuddyinfo(readFileSync(join(X86_BEFORE, 'buddyinfo'), 'utf8'))
    const dma32 = bi.rows.find((z) => z.zone === 'DMA32')!
    expect(text).toMatch(new RegExp(`all \\(buddyinfo, captured\\) +${dma32.nrFree.join(' +')}\\n`))

    const jsonPath = join(work, 'r.json')
    r = await runCli(['report', X86, '--whatif', 'cma --base 40960 --count 8192 --pages 1024 --pinned none', '-o', jsonPath])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(readFileSync(jsonPath, 'utf8')) as ReportJson
    expect(j.report.format).toBe('buddyscope-report')
    expect(j.inspect.zones.find((z) => z.zone === 'DMA32')!.freeBlocks).toEqual(dma32.nrFree)
    expect(j.whatifs[0]!.request).toMatchObject({ kind: 'cma', basePfn: 40960, areaCount: 8192, pages: 1024, pinned: 'none' })
    expect(j.whatifs[0]!.command).toContain('buddyscope whatif cma')
    // the CLI's own JSON for the same what-if
    const direct = await runCli(['whatif', 'cma', X86, '--base', '40960', '--count', '8192', '--pages', '1024', '--pinned', 'none', '--json'])
    expect(JSON.parse(JSON.stringify(j.whatifs[0]!.result))).toEqual(JSON.parse(direct.out))
    // provenance: every file with its SHA-256, as sha256sum gives it
    const bif = j.provenance.files.find((f) => f.name === 'buddyinfo')!
    expect(bif.sha256).toBe(createHash('sha256').update(readFileSync(join(X86_BEFORE, 'buddyinfo'))).digest('hex'))
    expect(j.provenance.files.map((f) => f.name)).toContain('kpageflags')
    expect(j.provenance.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(j.provenance.command).toBe(`buddyscope report ${X86} --whatif 'cma --pages 1024 --base 40960 --count 8192 --pinned none' -o ${jsonPath}`)

    const zipPath = join(work, 'tables.zip')
    r = await runCli(['report', X86, '-o', zipPath])
    expect(r.code, r.err).toBe(0)
    const entries = unzip(readFileSync(zipPath))
    expect(Object.keys(entries)[0]).toBe('index.csv')
    expect(entries['free-n0-dma32.csv']).toContain(`"all (buddyinfo, captured)",${dma32.nrFree.join(',')}\r\n`)

    const dir = join(work, 'csv') + '/'
    r = await runCli(['report', X86, '-o', dir])
    expect(r.code, r.err).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(Object.keys(entries).sort())
    expect(readFileSync(join(dir, 'free-n0-dma32.csv'), 'utf8')).toBe(entries['free-n0-dma32.csv'])

    const html = join(work, 'r.out')
    r = await runCli(['report', X86, '--format', 'html', '-o', html])
    expect(r.code, r.err).toBe(0)
    const h = readFileSync(html, 'utf8')
    expect(h.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(h).not.toMatch(/<script|src="http|href="http|url\((?!#)/i)
    expect(h).toContain('<svg')
    expect(h).toContain('data:image/png;base64,')

    expect(fingerprint(X86)).toEqual(before)
    // nothing but the reports in the work directory: no temporary file left
    expect(readdirSync(work).filter((f) => f.startsWith('.'))).toEqual([])
  }, 240_000)

  it('--diff: the diff model of a real compaction, its JSON `buddyscope diff --json`\'s', async () => {
    const out = join(work, 'diff.json')
    const r = await runCli(['report', FEWPIN_BEFORE, '--diff', FEWPIN_AFTER, '-o', out])
    expect(r.code, r.err).toBe(0)
    expect(r.out).toContain('(json, diff)')
    const j = JSON.parse(readFileSync(out, 'utf8')) as ReportJson
    const direct = await runCli(['diff', FEWPIN_BEFORE, FEWPIN_AFTER, '--json'])
    expect(direct.code, direct.err).toBe(0)
    const d = JSON.parse(direct.out) as CaptureDiffJson
    expect(j.diff).toEqual(d)
    const zone = (j.diff as CaptureDiffJson).zones.find((z) => z.zone === 'DMA32')!
    // the captured numbers: B's buddyinfo minus A's
    const a = parseBuddyinfo(readFileSync(join(FEWPIN_BEFORE, 'buddyinfo'), 'utf8')).rows.find((z) => z.zone === 'DMA32')!.nrFree
    const b = parseBuddyinfo(readFileSync(join(FEWPIN_AFTER, 'buddyinfo'), 'utf8')).rows.find((z) => z.zone === 'DMA32')!.nrFree
    expect(zone.freeBlocksDelta).toEqual(b.map((v, o) => v - a[o]!))
    expect(zone.sources).toEqual({ freeBlocks: 'buddyinfo', freeBlocksByMigratetype: 'pagetypeinfo', pageblocks: 'pagetypeinfo' })
    // a real compact_memory: hundreds of pageblocks became wholly free, every one listed in the JSON
    expect(zone.changeCounts!['became-free']).toBeGreaterThan(100)
    expect(zone.pageblocks.length).toBe(zone.changedPageblocks)
    expect(zone.pageblocks.length).toBeGreaterThan(MAX_CHANGED_ROWS)

    // the Markdown of the same: the per-order table in a fixed-width block, the counts per change as diff --json has them, the list capped
    const md = join(work, 'diff.md')
    const r2 = await runCli(['report', FEWPIN, '--capture', '02-before', '--diff', '03-after-compact-memory', '-o', md])
    expect(r2.code, r2.err).toBe(0)
    const text = readFileSync(md, 'utf8')
    expect(text).toMatch(new RegExp(`\`\`\`text\\n +0 +1 .*\\nbefore \\(buddyinfo, captured\\) +${a.join(' +')}\\nafter \\(buddyinfo, captured\\) +${b.join(' +')}\\ndelta \\(buddyinfo, captured\\) +${b.map((v, o) => (v - a[o]! > 0 ? `\\+${v - a[o]!}` : String(v - a[o]!))).join(' +')}\\n`))
    const dma = d.zones.findIndex((z) => z.zone === 'DMA32')
    for (const c of ['became-free', 'filled', 'retyped', 'freed-pages', 'allocated-pages'] as const) {
      expect(text, c).toMatch(new RegExp(`\\| ${c}: [^|]+ \\| ${d.zones.map((z) => z.changeCounts![c]).join(' \\| ')} \\|`))
      expect(d.zones[dma]!.changeCounts![c]).toBe(zone.changeCounts![c])
    }
    expect(text).toContain(`The first ${MAX_CHANGED_ROWS} of ${zone.pageblocks.length} changed pageblocks`)
    expect(text.match(/^\| \d+ \| 0x[0-9a-f]+ \|/gm)!.length).toBe(MAX_CHANGED_ROWS)
    expect(text).toContain(`buddyscope report ${FEWPIN} --capture 02-before --diff 03-after-compact-memory -o ${md}`)
  }, 180_000)

  it('--timeline: the series\' timeline, its JSON `buddyscope timeline --json`\'s', async () => {
    const out = join(work, 'timeline.json')
    const r = await runCli(['report', HUGETLB, '--timeline', '-o', out])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ReportJson
    const direct = await runCli(['timeline', HUGETLB, '--json'])
    expect(direct.code, direct.err).toBe(0)
    const t = JSON.parse(direct.out) as TimelineJson
    expect(j.timeline).toEqual(t)
    expect(j.diff).toBeNull()

    const dir = join(work, 'timeline-csv') + '/'
    const r2 = await runCli(['report', HUGETLB, '--timeline', '-o', dir])
    expect(r2.code, r2.err).toBe(0)
    const files = readdirSync(dir)
    expect(files).toEqual(expect.arrayContaining(['timeline-captures.csv', 'timeline-counters.csv', 'timeline-n0-dma32-steps.csv', 'timeline-n0-dma32-free.csv']))
    // the counter deltas per capture: the timeline's own
    const counters = readFileSync(join(dir, 'timeline-counters.csv'), 'utf8').split('\r\n')
    expect(counters[0]).toBe(['counter', ...t.points.slice(1).map((p) => p.label)].join(','))
    const pgm = counters.find((l) => l.startsWith('pgmigrate_success,'))!.split(',').slice(1)
    expect(pgm).toEqual(t.points.slice(1).map((p) => { const v = p.deltas!['pgmigrate_success'] ?? 0; return v > 0 ? `+${v}` : String(v) }))
    // the steps: the DMA32 free memory in blocks ≥ 2 MiB came back after the hugetlb release
    const steps = readFileSync(join(dir, 'timeline-n0-dma32-steps.csv'), 'utf8')
    expect(steps).toMatch(/hugetlb 2 MiB release,03-after-hugetlb-2M-fragmented → 04-after-hugetlb-release,\+196 MiB,/)
    const free = readFileSync(join(dir, 'timeline-n0-dma32-free.csv'), 'utf8')
    const bi = parseBuddyinfo(readFileSync(join(HUGETLB, '05-after-compact-memory', 'buddyinfo'), 'utf8')).rows.find((z) => z.zone === 'DMA32')!.nrFree
    expect(free).toContain(`05-after-compact-memory,${bi.join(',')},`)

    const md = join(work, 'timeline.md')
    const r3 = await runCli(['report', HUGETLB, '--timeline', '-o', md])
    expect(r3.code, r3.err).toBe(0)
    const text = readFileSync(md, 'utf8')
    expect(text).toContain('## Timeline of the series')
    expect(text).toContain('**Verdict:** Contiguity (free memory in blocks ≥ 2 MiB, 0:DMA32) fell most at 02-before (−890 MiB, after workload (6s)); it came back most at 04-after-hugetlb-release (+196 MiB, after hugetlb 2 MiB release).')
    expect(text).toContain(`buddyscope report ${HUGETLB} --timeline -o ${md}`)
  }, 180_000)

  it('--diff and --timeline refuse what they cannot show', async () => {
    let r = await runCli(['report', X86_BEFORE, '--timeline', '-o', join(work, 'no.md')])
    expect(r.code).toBe(1)
    expect(r.err).toContain('is a single capture, not a series')
    r = await runCli(['report', FEWPIN, '--diff', '07-nothing', '-o', join(work, 'no.md')])
    expect(r.code).toBe(1)
    expect(r.err).toContain('--diff 07-nothing: no such file or directory, and no capture of')
    expect(r.err).toContain('01-boot, 02-before, 03-after-compact-memory')
    // two machines: the diff names both files
    r = await runCli(['report', X86_BEFORE, '--diff', FEWPIN_AFTER, '-o', join(work, 'no.md')])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/zoneinfo.*zoneinfo.*captures of two machines/)
    expect(existsSync(join(work, 'no.md'))).toBe(false)
  }, 120_000)

  it('usage errors: the format, --whatif, a flag outside the quotes', async () => {
    let r = await runCli(['report', X86, '-o', join(work, 'x.csv')])
    expect(r.code).toBe(2)
    expect(r.err).toContain('-o NAME.zip')
    r = await runCli(['report', X86, '-o', join(work, 'x.txt')])
    expect(r.code).toBe(2)
    expect(r.err).toContain('the format comes from the extension')
    r = await runCli(['report', X86])
    expect(r.code).toBe(2)
    expect(r.err).toContain('report needs -o FILE')
    r = await runCli(['report', X86, '--whatif', 'cma', '--size', '64M', '-o', join(work, 'y.md')])
    expect(r.code).toBe(2)
    expect(r.err).toContain('report takes no --size')
    expect(r.err).toContain('--whatif "cma --size 64M"')
    r = await runCli(['report', X86, '--whatif', 'hugetlb --count 4 --gfp kernel', '-o', join(work, 'y.md')])
    expect(r.code).toBe(2)
    expect(r.err).toContain('--whatif "hugetlb --count 4 --gfp kernel"')
    r = await runCli(['report', X86, '--whatif', 'defrag', '-o', join(work, 'y.md')])
    expect(r.code).toBe(2)
    expect(r.err).toContain('compact, cma, hugetlb, contig, thp')
    expect(existsSync(join(work, 'y.md'))).toBe(false)
    r = await runCli(['help', 'report'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('--whatif "KIND FLAGS"')
  }, 60_000)

  it('never writes over one of the capture\'s files', async () => {
    const target = join(work, 'cap')
    mkdirSync(target, { recursive: true })
    for (const f of ['buddyinfo', 'pagetypeinfo', 'zoneinfo']) writeFileSync(join(target, f), readFileSync(join(X86_BEFORE, f)))
    const before = fingerprint(target)
    const r = await runCli(['report', target, '--format', 'md', '-o', join(target, 'buddyinfo')])
    expect(r.code).toBe(1)
    expect(r.err).toContain("one of the capture's own files")
    expect(fingerprint(target)).toEqual(before)
  }, 60_000)
})

describe('--whatif words', () => {
  const compactRequest = (v: Record<string, unknown>) => ({ ...(v['order'] ? { order: Number(v['order']) } : {}) })
  it('split with quotes, parsed by the what-if parsers, written back the same', () => {
    expect(splitWords(`cma --area 'my area' --size 64M`)).toEqual(['cma', '--area', 'my area', '--size', '64M'])
    for (const words of ['cma --size 64M --pinned none', 'hugetlb --count 64 --size 2M --no-compact', 'contig --size 2G --gfp movable --node 0', 'thp --enabled madvise --defrag always --madvised --faults 8', 'cma --pages 100 --movablecore 30% --seeds 4']) {
      expect(whatifWords(parseWhatifWords(words, compactRequest))).toBe(words)
    }
  })
})

describe('atomic writes', () => {
  it('an existing file is replaced whole, or kept when the write fails', async () => {
    const p = join(work, 'keep.html')
    writeFileSync(p, 'old report')
    await writeReportFile(p, 'new report')
    expect(readFileSync(p, 'utf8')).toBe('new report')
    // a directory where the file should be: refused, nothing written beside it
    const d = join(work, 'adir')
    mkdirSync(d)
    await expect(writeReportFile(d, 'x')).rejects.toThrow(/is a directory/)
    // a CSV directory where one table's file cannot be replaced: no file changes, no temporary file is left
    const csv = join(work, 'csvdir')
    mkdirSync(csv)
    writeFileSync(join(csv, 'a.csv'), 'old a')
    mkdirSync(join(csv, 'b.csv'))
    await expect(writeReportDir(csv, [{ name: 'a.csv', data: 'new a' }, { name: 'b.csv', data: 'new b' }])).rejects.toThrow(/is a directory/)
    expect(readFileSync(join(csv, 'a.csv'), 'utf8')).toBe('old a')
    expect(readdirSync(csv).sort()).toEqual(['a.csv', 'b.csv'])
    // a new directory that fails is removed again
    const fresh = join(work, 'fresh')
    await expect(writeReportDir(fresh, [{ name: 'a.csv', data: 'a' }, { name: '../b.csv', data: 'b' }])).rejects.toThrow(/plain name/)
    expect(existsSync(fresh)).toBe(false)
  })
})

describe('PDF without Chromium', () => {
  it('says how to get one', async () => {
    await expect(htmlToPdf('<p>x</p>', null)).rejects.toThrow(/apt install chromium.*CHROMIUM_PATH/)
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow('CHROMIUM_PATH=/nonexistent/chromium does not exist')
  })
})
