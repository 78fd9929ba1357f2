/**
 * `buddyscope timeline`: a harness series as JSON and CSV (the numbers are the captured files'),
 * a bundle whose manifest lists a series with capture times and a trigger, several bundles of one
 * machine given together or in a folder, and the errors (not a series, two machines, flags).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { c as tarCreate } from 'tar'
import { parseBuddyinfo, parseVmstat } from '../../engine/index.ts'
import type { TimelineJson } from '../../host/timeline.ts'
import { copyTextFiles, fixturePath, runCli, type CliResult } from '../helpers/cli_harness.ts'

const RUN = 'x86-1G-s2-hugetlb'
const SERIES = fixturePath(RUN)
const LABELS = ['01-boot', '02-before', '03-after-hugetlb-2M-fragmented', '04-after-hugetlb-release', '05-after-compact-memory', '06-after-hugetlb-2M-compacted']

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-timeline-test-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function json(r: CliResult): TimelineJson {
  expect(r.err).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.out) as TimelineJson
}

const buddy = (label: string) => parseBuddyinfo(readFileSync(join(SERIES, label, 'buddyinfo'), 'utf8'))
const vmstat = (label: string) => parseVmstat(readFileSync(join(SERIES, label, 'vmstat'), 'utf8'))

describe('timeline of a harness series', () => {
  let t: TimelineJson
  beforeAll(async () => {
    t = json(await runCli(['timeline', SERIES, '--json']))
  }, 60000)

  it('--json: one point per capture, each with what opens it, its time and the step before it', () => {
    expect(t.points.map((p) => p.label)).toEqual(LABELS)
    expect(t.points.map((p) => p.open)).toEqual(LABELS.map((capture) => ({ path: SERIES, capture })))
    expect(t.axis).toBe('steps.log')
    expect(t.points[0]!.time).toBe(0)
    expect(t.points[4]!.steps.map((s) => s.text)).toEqual(['compact_memory'])
    expect(t.markers.map((m) => m.kind)).toEqual(['sysctl', 'note', 'hugetlb', 'hugetlb', 'compaction', 'hugetlb'])
  })

  it('--json: free blocks are buddyinfo, mixed pageblocks come from kpageflags, deltas from vmstat', () => {
    for (const p of t.points) {
      const b = buddy(p.label)
      expect(p.zones.map((z) => z.freeBlocks)).toEqual(b.rows.map((r) => r.nrFree))
      const dma32 = p.zones.find((z) => z.zone === 'DMA32')!
      expect(dma32.mixedSource).toBe('kpageflags')
      expect(Object.keys(dma32.pageblocks!)).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'])
    }
    // the hugetlb pool grown on a fragmented box left migratetype-mixed Movable blocks behind
    const mixed = (i: number) => t.points[i]!.zones.find((z) => z.zone === 'DMA32')!.mixedPageblocks!['Movable']!
    expect(mixed(2)).toBeGreaterThan(mixed(1))
    const a = vmstat('04-after-hugetlb-release')
    const b = vmstat('05-after-compact-memory')
    expect(t.points[4]!.deltas!['pgmigrate_success']).toBe(b['pgmigrate_success']! - a['pgmigrate_success']!)
  })

  it('--csv: one row per capture × zone, columns as documented', async () => {
    const r = await runCli(['timeline', SERIES, '--csv', '--summary-only'])
    expect(r.code).toBe(0)
    const lines = r.out.trim().split('\n')
    const head = lines[0]!.split(',')
    expect(head.slice(0, 12)).toEqual(['index', 'label', 'time_s', 'capture_time', 'steps', 'node', 'zone', 'free_pages', 'high_order_free_pages', 'largest_free_order', 'fragmentation_score', 'node_fragmentation_score'])
    expect(head).toContain('free_pages_o10')
    expect(head).toContain('pageblocks_Movable')
    expect(head).toContain('mixed_Movable')
    expect(head).toContain('delta_compact_isolated')
    expect(lines).toHaveLength(1 + LABELS.length * 2)
    const col = (row: string[], name: string) => row[head.indexOf(name)]!
    for (const [i, line] of lines.slice(1).entries()) {
      const row = line.split(',')
      const label = LABELS[Math.floor(i / 2)]!
      expect(col(row, 'label')).toBe(label)
      const nr = buddy(label).rows.find((x) => x.zone === col(row, 'zone'))!.nrFree
      expect(Number(col(row, 'free_pages'))).toBe(nr.reduce((s, n, o) => s + n * 2 ** o, 0))
      expect(Number(col(row, 'free_pages_o9'))).toBe(nr[9]! * 512)
      expect(col(row, 'mixed_Movable'), 'summary only: no kpageflags read').toBe('')
    }
    const cm = lines.slice(1).map((l) => l.split(',')).find((row) => col(row, 'label') === '05-after-compact-memory')!
    expect(col(cm, 'steps')).toBe('compact_memory')
    expect(Number(col(cm, 'delta_compact_isolated'))).toBe(vmstat('05-after-compact-memory')['compact_isolated']! - vmstat('04-after-hugetlb-release')['compact_isolated']!)
  })

  it('text: a table with the steps between the captures', async () => {
    const r = await runCli(['timeline', SERIES, '--summary-only'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/Time axis: steps.log/)
    expect(r.out).toMatch(/↳ compact_memory\n05-after-compact-memory/)
  })
})

describe('timeline of bundles', () => {
  const cap = (label: string, dest: string, manifest: object | null) => {
    copyTextFiles(fixturePath(RUN, label), dest)
    if (manifest) writeFileSync(join(dest, 'manifest.json'), JSON.stringify({ format: 'buddyscope-snapshot', version: 1, ...manifest }))
  }

  it('a bundle whose manifest lists a series: capture times and the trigger from the manifest', async () => {
    const root = join(work, 'm')
    cap('04-after-hugetlb-release', join(root, 'before'), { hostname: 'box', captureTime: '2026-03-01T10:00:00Z' })
    cap('05-after-compact-memory', join(root, 'after'), { hostname: 'box', captureTime: '2026-03-01T10:00:05Z' })
    writeFileSync(join(root, 'manifest.json'), JSON.stringify({
      format: 'buddyscope-snapshot', version: 1, hostname: 'box',
      series: [{ label: 'before', dir: 'before' }, { label: 'after', dir: 'after', trigger: { file: 'compact_memory' } }],
    }))
    const bundle = join(work, 'm.tar.gz')
    await tarCreate({ gzip: true, file: bundle, cwd: root }, ['manifest.json', 'before', 'after'])
    const t = json(await runCli(['timeline', bundle, '--json']))
    expect(t.axis).toBe('capture time')
    expect(t.points.map((p) => [p.label, p.time, p.open])).toEqual([['before', 0, { path: bundle, capture: 'before' }], ['after', 5, { path: bundle, capture: 'after' }]])
    expect(t.markers).toMatchObject([{ text: 'compact_memory', kind: 'compaction', source: 'manifest', after: 'before', before: 'after', x: 2.5 }])
  })

  it('a manifest series may give each capture its time in its entry (--interval bundles)', async () => {
    const root = join(work, 'iv')
    cap('01-boot', join(root, 'c1'), null)
    cap('02-before', join(root, 'c2'), null)
    writeFileSync(join(root, 'manifest.json'), JSON.stringify({
      format: 'buddyscope-snapshot', version: 1, hostname: 'box', captureTime: '2026-03-01T09:59:59Z',
      series: [{ label: 'c1', dir: 'c1', captureTime: '2026-03-01T10:00:00Z' }, { label: 'c2', dir: 'c2', captureTime: '2026-03-01T10:00:10Z' }],
    }))
    const t = json(await runCli(['timeline', root, '--json', '--summary-only']))
    expect(t.axis).toBe('capture time')
    expect(t.points.map((p) => [p.label, p.time, p.captureTime])).toEqual([['c1', 0, '2026-03-01T10:00:00Z'], ['c2', 10, '2026-03-01T10:00:10Z']])
    expect(t.points[1]!.rates!['thp_fault_alloc']).toBeCloseTo(t.points[1]!.deltas!['thp_fault_alloc']! / 10, 9)
  })

  it('several bundles of one machine, given together or in a folder, in capture-time order', async () => {
    const dir = join(work, 'bundles')
    mkdirSync(dir, { recursive: true })
    const times = ['2026-03-01T10:00:00Z', '2026-03-01T10:01:00Z', '2026-03-01T10:02:00Z']
    const labels = ['02-before', '03-after-hugetlb-2M-fragmented', '04-after-hugetlb-release']
    const bundles: string[] = []
    for (const [i, label] of labels.entries()) {
      const src = join(work, `b${i}`)
      cap(label, src, { hostname: 'box', captureTime: times[i] })
      // names sort against the times: the order comes from the manifests
      const b = join(dir, `${String.fromCharCode(99 - i)}-${label}.tar.gz`)
      await tarCreate({ gzip: true, file: b, cwd: src }, ['.'])
      bundles.push(b)
    }
    const given = json(await runCli(['timeline', ...bundles, '--json']))
    expect(given.points.map((p) => p.time)).toEqual([0, 60, 120])
    expect(given.points.map((p) => p.open)).toEqual(bundles.map((path) => ({ path, capture: null })))
    expect(given.points.map((p) => p.zones.find((z) => z.zone === 'DMA32')!.freeBlocks)).toEqual(labels.map((l) => buddy(l).rows[1]!.nrFree))
    const folder = json(await runCli(['timeline', dir, '--json']))
    expect(folder.points.map((p) => p.label)).toEqual(given.points.map((p) => p.label))
  })

  it('refuses captures of two machines, naming them', async () => {
    const a = join(work, 'ha')
    const b = join(work, 'hb')
    cap('02-before', a, { hostname: 'alpha' })
    cap('05-after-compact-memory', b, { hostname: 'beta' })
    const r = await runCli(['timeline', a, b, '--json'])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/different machines: ha from host "alpha", hb from host "beta"/)
  })
})

describe('timeline errors', () => {
  it('a single capture is not a series: exit 1, in plain words', async () => {
    const r = await runCli(['timeline', fixturePath(RUN, '02-before'), '--json'])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/02-before: is a single capture, not a series; a timeline needs several captures/)
    expect(r.err.trim().split('\n')).toHaveLength(1)
  })

  it('a malformed file names the file and line', async () => {
    const root = join(work, 'bad')
    copyTextFiles(fixturePath(RUN, '01-boot'), join(root, '01-boot'))
    copyTextFiles(fixturePath(RUN, '02-before'), join(root, '02-before'))
    writeFileSync(join(root, '02-before', 'vmstat'), 'nr_free_pages 12\ncompact_stall twelve\n')
    const r = await runCli(['timeline', root, '--json'])
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${join(root, '02-before', 'vmstat')}:2`)
  })

  it('flags of other commands, and --json with --csv, are usage errors', async () => {
    for (const argv of [['timeline', SERIES, '--capture', '2'], ['timeline', SERIES, '--json', '--csv'], ['timeline', SERIES, '--order', '3'], ['timeline']]) {
      const r = await runCli(argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toMatch(/Usage: buddyscope timeline/)
    }
  })
})
