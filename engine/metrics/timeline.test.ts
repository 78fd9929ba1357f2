import { describe, it, expect } from 'vitest'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseCapture } from '../snapshot.ts'
import { parseStepsLog } from '../procfs/steps_log.ts'
import { parseUptime } from '../procfs/uptime.ts'
import { computeTimeline, timelinePairDelta, describeStep, TIMELINE_COUNTERS, type TimelineCaptureInput } from './timeline.ts'

const FIX = join(import.meta.dirname, '..', '..', 'fixtures')
const TEXT_FILES = ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'uname_r', 'uptime', 'transparent_hugepage', 'sysctl_vm', 'iomem']

function labelsOf(run: string): string[] {
  return readdirSync(join(FIX, run)).filter((d) => /^\d+-/.test(d)).sort()
}

function inputOf(run: string, label: string, extra: Partial<TimelineCaptureInput> = {}): TimelineCaptureInput {
  const dir = join(FIX, run, label)
  const texts: Record<string, string> = {}
  for (const f of TEXT_FILES) if (existsSync(join(dir, f))) texts[f] = readFileSync(join(dir, f), 'utf8')
  const capture = parseCapture({ source: run, label, texts, describe: (n) => `${dir}/${n}` })
  return { label, capture, mixedFromLayout: null, captureTime: null, uptime: texts['uptime'] ? parseUptime(texts['uptime']) : null, trigger: null, ...extra }
}

/** the captured file's numbers, read here without the engine's parsers */
function rawBuddyinfo(run: string, label: string): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const line of readFileSync(join(FIX, run, label, 'buddyinfo'), 'utf8').trim().split('\n')) {
    const m = /^Node (\d+), zone\s+(\S+)\s+(.*)$/.exec(line)!
    out.set(`${m[1]}:${m[2]}`, m[3]!.trim().split(/\s+/).map(Number))
  }
  return out
}
function rawVmstat(run: string, label: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of readFileSync(join(FIX, run, label, 'vmstat'), 'utf8').trim().split('\n')) {
    const [k, v] = line.split(' ')
    out[k!] = Number(v)
  }
  return out
}

describe('timeline of a harness series (x86-1G-s2-hugetlb)', () => {
  const run = 'x86-1G-s2-hugetlb'
  const labels = labelsOf(run)
  const stepsText = readFileSync(join(FIX, run, 'steps.log'), 'utf8')
  const t = computeTimeline({ captures: labels.map((l) => inputOf(run, l)), stepsLog: parseStepsLog(stepsText) })

  it('has one point per capture, in order, on the steps.log clock', () => {
    expect(t.points.map((p) => p.label)).toEqual(labels)
    expect(labels).toHaveLength(6)
    expect(t.axis).toBe('steps.log')
    // [2.99] cap 1-boot … [13.06] cap 6-after-hugetlb-2M-compacted
    const logged = [...stepsText.matchAll(/^\[(\d+\.\d+)\] cap /gm)].map((m) => Number(m[1]))
    t.points.forEach((p, i) => expect(p.time).toBeCloseTo(logged[i]! - logged[0]!, 6))
  })

  it('free pages per order are the captured buddyinfo rows × 2^order, summed per zone', () => {
    for (const p of t.points) {
      const raw = rawBuddyinfo(run, p.label)
      expect(p.zones.map((z) => `${z.node}:${z.zone}`)).toEqual([...raw.keys()])
      for (const z of p.zones) {
        const row = raw.get(`${z.node}:${z.zone}`)!
        expect(z.freeBlocks).toEqual(row)
        expect(z.freePagesByOrder).toEqual(row.map((n, o) => n * 2 ** o))
        expect(z.freePages).toBe(row.reduce((s, n, o) => s + n * 2 ** o, 0))
        expect(z.highOrderFreePages).toBe(row.reduce((s, n, o) => s + (o >= 9 ? n * 2 ** o : 0), 0))
      }
    }
    // the hugetlb pool took every free pageblock of DMA32, and the release gave them back
    const dma32 = (label: string) => t.points.find((p) => p.label === label)!.zones.find((z) => z.zone === 'DMA32')!
    expect(dma32('03-after-hugetlb-2M-fragmented').highOrderFreePages).toBe(0)
    expect(dma32('03-after-hugetlb-2M-fragmented').fragmentationScore).toBe(100)
    expect(dma32('05-after-compact-memory').highOrderFreePages).toBeGreaterThan(dma32('02-before').highOrderFreePages * 10)
  })

  it('counter deltas are the differences of the captured vmstat files', () => {
    expect(t.points[0]!.deltas).toBeNull()
    for (let i = 1; i < t.points.length; i++) {
      const a = rawVmstat(run, labels[i - 1]!)
      const b = rawVmstat(run, labels[i]!)
      const want: Record<string, number> = {}
      for (const k of Object.keys(b)) if (TIMELINE_COUNTERS.test(k) && k in a) want[k] = b[k]! - a[k]!
      expect(t.points[i]!.deltas).toEqual(want)
      const dt = t.points[i]!.time! - t.points[i - 1]!.time!
      expect(t.points[i]!.rates!['pgmigrate_success']).toBeCloseTo(want['pgmigrate_success']! / dt, 6)
    }
    // the compact_memory step: steps.log's own deltas cover the step, the captures' cover it and the moments around it
    const cm = t.points.find((p) => p.label === '05-after-compact-memory')!
    expect(cm.deltas!['pgmigrate_success']).toBeGreaterThanOrEqual(17849)
    expect(t.changedCounters).toContain('htlb_buddy_alloc_success')
    expect(t.counters.every((c) => TIMELINE_COUNTERS.test(c))).toBe(true)
  })

  it('has a marker for every step of steps.log, between the right captures', () => {
    const stepLines = stepsText.split('\n').filter((l) => / step /.test(l))
    const steps = t.markers.filter((m) => m.kind !== 'note')
    expect(steps).toHaveLength(stepLines.length)
    expect(steps.map((m) => m.text)).toEqual([
      'vm.compaction_proactiveness = 0', 'hugetlb 2 MiB × 128 (got 115)', 'hugetlb 2 MiB release', 'compact_memory', 'hugetlb 2 MiB × 128 (got 128)',
    ])
    expect(steps.map((m) => [m.after, m.before])).toEqual([
      [null, '01-boot'],
      ['02-before', '03-after-hugetlb-2M-fragmented'],
      ['03-after-hugetlb-2M-fragmented', '04-after-hugetlb-release'],
      ['04-after-hugetlb-release', '05-after-compact-memory'],
      ['05-after-compact-memory', '06-after-hugetlb-2M-compacted'],
    ])
    const cm = t.markers.find((m) => m.name === 'cm')!
    expect(cm.kind).toBe('compaction')
    expect(cm.deltas['pgmigrate_success']).toBe(17849)
    // placed inside the step on the log's clock, between its two captures
    const p4 = t.points[3]!
    const p5 = t.points[4]!
    expect(cm.x).toBeGreaterThan(p4.time!)
    expect(cm.x).toBeLessThan(p5.time!)
    expect(p5.steps).toEqual([{ name: 'cm', kind: 'compaction', text: 'compact_memory' }])
    // the harness's other timestamped lines are notes: the workload that fragmented the box
    const notes = t.markers.filter((m) => m.kind === 'note')
    expect(notes.map((m) => [m.text, m.detail, m.after, m.before])).toEqual([['workload (6s)', 'workload ready after 6s', '01-boot', '02-before']])
    expect(notes[0]!.x).toBeCloseTo(9.04 - 2.99, 6)
    expect(t.points[1]!.steps).toEqual([{ name: 'note', kind: 'note', text: 'workload (6s)' }])
  })

  it('the difference of two points sums the counter deltas between them', () => {
    const d = timelinePairDelta(t, '02-before', '05-after-compact-memory')
    const a = rawVmstat(run, '02-before')
    const b = rawVmstat(run, '05-after-compact-memory')
    expect(d.counters!['compact_isolated']).toBe(b['compact_isolated']! - a['compact_isolated']!)
    expect(d.steps.map((s) => s.text)).toEqual(['hugetlb 2 MiB × 128 (got 115)', 'hugetlb 2 MiB release', 'compact_memory'])
    const z = d.zones.find((x) => x.zone === 'DMA32')!
    const ra = rawBuddyinfo(run, '02-before').get('0:DMA32')!
    const rb = rawBuddyinfo(run, '05-after-compact-memory').get('0:DMA32')!
    expect(z.freePagesByOrder).toEqual(rb.map((n, o) => (n - ra[o]!) * 2 ** o))
    const back = timelinePairDelta(t, '05-after-compact-memory', '02-before')
    expect(back.counters!['compact_isolated']).toBe(-d.counters!['compact_isolated']!)
    expect(() => timelinePairDelta(t, '02-before', '09-nope')).toThrow(/no capture "09-nope"/)
  })
})

describe('timeline axes and markers without steps.log', () => {
  const run = 'arm64-1G-s18-nopin'
  const labels = labelsOf(run)

  it('uses /proc/uptime when there is no log, and the folder names as markers', () => {
    const t = computeTimeline({ captures: labels.map((l) => inputOf(run, l)), stepsLog: null })
    expect(t.axis).toBe('uptime')
    const up = labels.map((l) => parseUptime(readFileSync(join(FIX, run, l, 'uptime'), 'utf8')))
    t.points.forEach((p, i) => expect(p.time).toBeCloseTo(up[i]! - up[0]!, 6))
    expect(t.markers.map((m) => [m.text, m.source, m.before])).toEqual([
      ['node0 compact', 'folder name', '03-after-compact-node'],
      ['compact_memory', 'folder name', '04-after-compact-memory'],
    ])
    // pageblocks per migratetype come from pagetypeinfo; the CMA area is in it
    expect(t.points[0]!.zones[0]!.pageblocks!['CMA']).toBeGreaterThan(0)
    expect(t.migratetypes).toContain('CMA')
  })

  it('uses the recorded capture times and manifest triggers when a bundle has them', () => {
    const times = ['2026-01-05T10:00:00Z', '2026-01-05T10:00:30Z', '2026-01-05T10:01:00Z', '2026-01-05T10:02:00Z']
    const caps = labels.map((l, i) => inputOf(run, l, { captureTime: times[i]!, uptime: null, trigger: i === 2 ? { file: 'node_compact', node: 0, deltas: { pgmigrate_success: 42129 } } : null }))
    const t = computeTimeline({ captures: caps, stepsLog: null })
    expect(t.axis).toBe('capture time')
    expect(t.points.map((p) => p.time)).toEqual([0, 30, 60, 120])
    const m = t.markers.find((x) => x.source === 'manifest')!
    expect(m).toMatchObject({ text: 'node0 compact', kind: 'compaction', after: '02-before', before: '03-after-compact-node', x: 45 })
    expect(m.deltas).toEqual({ pgmigrate_success: 42129 })
  })

  it('falls back to capture order, says so, and places markers between points', () => {
    const caps = labels.map((l) => inputOf(run, l, { uptime: null }))
    const t = computeTimeline({ captures: caps, stepsLog: null })
    expect(t.axis).toBe('capture order')
    expect(t.axisNote).toMatch(/in order/)
    expect(t.points.map((p) => [p.time, p.x])).toEqual([[null, 0], [null, 1], [null, 2], [null, 3]])
    expect(t.markers.map((m) => m.x)).toEqual([1.5, 2.5])
    expect(t.points[1]!.rates).toBeNull()
    expect(t.points[1]!.deltas).not.toBeNull()
  })

  it('counters that go back (a reboot) give no deltas, and a note', () => {
    const a = inputOf(run, labels[2]!)
    const b = inputOf(run, labels[1]!)
    const t = computeTimeline({ captures: [a, b], stepsLog: null })
    expect(t.points[1]!.deltas).toBeNull()
    expect(t.notes.join(' ')).toMatch(/went back/)
  })

  it('refuses captures of two machines', () => {
    const a = inputOf(run, labels[0]!)
    const b = inputOf(run, labels[1]!)
    a.capture.machine.hostname = 'alpha'
    b.capture.machine.hostname = 'beta'
    expect(() => computeTimeline({ captures: [a, b], stepsLog: null })).toThrow(/different machines: 01-boot from host "alpha", 02-before from host "beta"/)
  })

  it('takes mixed pageblocks counted on a layout, and says where they come from', () => {
    const mixed = [{ node: 0, zone: 'DMA', mixed: { Unmovable: 0, Movable: 24, Reclaimable: 6 } }]
    const t = computeTimeline({ captures: [inputOf(run, labels[0]!), inputOf(run, labels[1]!, { mixedFromLayout: mixed })], stepsLog: null })
    expect(t.points[0]!.zones[0]!.mixedPageblocks).toBeNull()
    expect(t.points[1]!.zones[0]).toMatchObject({ mixedPageblocks: mixed[0]!.mixed, mixedSource: 'kpageflags' })
  })
})

describe('describeStep', () => {
  it('names the harness steps in kernel words', () => {
    expect(describeStep('cn', 'rc=0')).toEqual({ id: 'cn', kind: 'compaction', text: 'node0 compact' })
    expect(describeStep('huge', '1048576:2: size=1048576kB requested=2 before=0 obtained=1 rc=0')).toEqual({ id: 'huge:1048576:2', kind: 'hugetlb', text: 'hugetlb 1 GiB × 2 (got 1)' })
    expect(describeStep('vm', 'watermark_scale_factor:200: watermark_scale_factor=200').text).toBe('vm.watermark_scale_factor = 200')
    expect(describeStep('sleep', '10')).toMatchObject({ kind: 'pause' })
  })
})
