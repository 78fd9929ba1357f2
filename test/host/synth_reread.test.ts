/**
 * A synthesized layout starts from the newest read of its capture: where the capture holds
 * buddyinfo and zoneinfo read again after kpageflags and kpagecount (after-kpage/), the counts
 * come from that re-read (engine/reconstruct/reread.ts, host/load.ts), pagetypeinfo's free lists
 * moved to match it. The exact layout (kpageflags) is not touched by it.
 */
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { captureAtReread, capturedFreeCounts, parseBuddyinfo, parseZoneinfo, MigratetypeTable, type Capture } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { inspectJson } from '../../host/summary.ts'
import { seriesContext } from '../../host/series.ts'
import { FIXTURES, loadCapture } from '../helpers/fixtures.ts'

const reread = (run: string, cap: string, zoneinfo: string | null = null): Parameters<typeof captureAtReread>[1] => {
  const dir = join(FIXTURES, run, cap, 'after-kpage')
  return {
    buddyinfo: parseBuddyinfo(readFileSync(join(dir, 'buddyinfo'), 'utf8'), join(dir, 'buddyinfo')), buddyinfoFile: join(dir, 'buddyinfo'),
    zoneinfo: parseZoneinfo(zoneinfo ?? readFileSync(join(dir, 'zoneinfo'), 'utf8'), join(dir, 'zoneinfo')), zoneinfoFile: join(dir, 'zoneinfo'),
  }
}
const hiPages = (rows: Array<{ nrFree: number[] }>, pbo: number): number => rows.reduce((s, r) => s + r.nrFree.reduce((t, n, o) => t + (o >= pbo ? n * 2 ** o : 0), 0), 0)
const row = (c: Capture, zone: string, mt: string): number[] => c.pagetypeinfo!.free.find((r) => r.zone === zone && r.migratetype === mt)!.counts

describe('captureAtReread: the capture as of its after-kpage/ re-read', () => {
  it('takes buddyinfo and zoneinfo from the re-read and moves pagetypeinfo\'s free lists to match it, order by order', () => {
    // x86-1G-s12-wl0-cpu1/02-before: the re-read lacks 126 order-0 blocks, an order-6, an order-7 and
    // the order-8 block that only the Unmovable list held
    const c = loadCapture('x86-1G-s12-wl0-cpu1', '02-before')
    const at = captureAtReread(c, reread('x86-1G-s12-wl0-cpu1', '02-before'))!
    expect(at).not.toBeNull()
    const r = at.capture
    for (const b of r.buddyinfo!.rows) {
      const lists = r.pagetypeinfo!.free.filter((x) => x.node === b.node && x.zone === b.zone)
      b.nrFree.forEach((n, o) => expect(lists.reduce((s, x) => s + x.counts[o]!, 0), `${b.zone} order ${o}`).toBe(n))
    }
    expect(row(r, 'DMA32', 'Movable')[0]).toBe(row(c, 'DMA32', 'Movable')[0]! - 126)
    expect(row(r, 'DMA32', 'Movable')[8]).toBe(0)
    expect(row(c, 'DMA32', 'Unmovable')[8]).toBe(1)
    expect(row(r, 'DMA32', 'Unmovable')[8]).toBe(0)
    // the first read is left as it was, and the pageblock counts are the first read's
    expect(row(c, 'DMA32', 'Movable')[0]).toBe(32445)
    expect(r.pagetypeinfo!.blocks).toEqual(c.pagetypeinfo!.blocks)
    // zoneinfo's per-cpu counts are the re-read's
    const pcp = (x: Capture): number[] => x.zoneinfo!.zones.find((z) => z.zone === 'DMA32')!.pagesets.map((p) => p.count)
    expect(pcp(c)).toEqual([2203, 233])
    expect(pcp(r)).toEqual([2546, 406])
    expect(r.describe('buddyinfo')).toMatch(/after-kpage\/buddyinfo$/)
    expect(at.note).toMatch(/read again after kpageflags/)
  })

  it('resolves a count printed as ">100000" from the re-read buddyinfo, as from the first read', () => {
    const c = loadCapture('x86-4G-s14-nopin', '02-before')
    expect(c.pagetypeinfo!.free.some((x) => x.zone === 'DMA32' && x.capped[0])).toBe(true)
    const r = captureAtReread(c, reread('x86-4G-s14-nopin', '02-before'))!.capture
    const mts = new MigratetypeTable(r.machine.migratetypes)
    for (const b of r.buddyinfo!.rows) {
      const counts = capturedFreeCounts(r, b.node, b.zone, mts, [])
      b.nrFree.forEach((n, o) => expect(counts.reduce((s, x) => s + x[o]!, 0), `${b.zone} order ${o}`).toBe(n))
    }
  })

  it('keeps the first zoneinfo when the re-read\'s zones differ in size, and gives up when the re-read lists other zones', () => {
    const c = loadCapture('x86-1G-s12-wl0-cpu1', '03-after-compact-memory')
    const text = readFileSync(join(FIXTURES, 'x86-1G-s12-wl0-cpu1', '03-after-compact-memory', 'after-kpage', 'zoneinfo'), 'utf8')
    const grown = captureAtReread(c, reread('x86-1G-s12-wl0-cpu1', '03-after-compact-memory', text.replace(/(zone +DMA32[\s\S]*?managed +)(\d+)/, (_, a: string, n: string) => `${a}${Number(n) + 512}`)))!
    expect(grown.capture.zoneinfo).toBe(c.zoneinfo)
    expect(grown.capture.buddyinfo).not.toBe(c.buddyinfo)
    const r = reread('x86-1G-s12-wl0-cpu1', '03-after-compact-memory')
    expect(captureAtReread(c, { ...r, buddyinfo: { ...r.buddyinfo, rows: r.buddyinfo.rows.filter((x) => x.zone !== 'DMA') } })).toBeNull()
  })
})

describe('the synthesized layout of a capture that holds a re-read', () => {
  it('starts from the re-read (x86-1G-s12-wl0-cpu1/03: ≥ 2 MiB free pages 17920 first read, 17408 re-read and after the next trigger)', async () => {
    const path = join(FIXTURES, 'x86-1G-s12-wl0-cpu1')
    const s = await loadSnapshot(path, { capture: '03-after-compact-memory', layout: 'synthesized', seed: 5 })
    const pbo = s.capture.machine.pageblockOrder
    expect(hiPages(s.capture.buddyinfo!.rows, pbo)).toBe(17920)
    expect(hiPages(s.zones.map((z) => ({ nrFree: z.freeBlocks })), pbo)).toBe(17408)
    expect(s.reread).toMatch(/17920 → 17408/)
    expect(s.model.build.notes).toContain(s.reread)
    // the snapshot view keeps the files' numbers and says why the model's differ
    const dma32 = inspectJson(s).zones.find((z) => z.zone === 'DMA32')!
    expect(hiPages([{ nrFree: dma32.freeBlocks }], pbo)).toBe(hiPages(s.capture.buddyinfo!.rows.filter((r) => r.zone === 'DMA32'), pbo))
    expect(dma32.model?.reason).toMatch(/read again after kpageflags and kpagecount \(after-kpage\/\)/)
    // no finding that the model's free lists differ from buddyinfo: it is held to the re-read
    expect(s.findings.filter((f) => f.code === 'synthesis-mismatch')).toEqual([])
    // the capture folder opened on its own is synthesized from the re-read too
    const alone = await loadSnapshot(join(path, '03-after-compact-memory'), { layout: 'synthesized', seed: 5 })
    expect(alone.reread).toBe(s.reread)
    expect(alone.zones.map((z) => z.freeBlocks)).toEqual(s.zones.map((z) => z.freeBlocks))
    // the exact layout does not read it
    const exact = await loadSnapshot(path, { capture: '03-after-compact-memory', layout: 'exact' })
    expect(exact.reread).toBeUndefined()
  }, 60_000)

  it('a capture without after-kpage/ is synthesized from its first read', async () => {
    const s = await loadSnapshot(join(FIXTURES, 'arm64-1G-s6-cma-compact'), { capture: '03-after-compact-node', layout: 'synthesized', seed: 5 })
    expect(s.reread).toBeUndefined()
    expect(hiPages(s.zones.map((z) => ({ nrFree: z.freeBlocks })), s.capture.machine.pageblockOrder)).toBe(hiPages(s.capture.buddyinfo!.rows, s.capture.machine.pageblockOrder))
  }, 60_000)

  it('whatif compact says so, and its band starts at the re-read (x86-2G-s23-k612-cpu0/03: 176128 first read, 175104 re-read and real)', async () => {
    const j = await whatifCompact({ path: join(FIXTURES, 'x86-2G-s23-k612-cpu0'), capture: '03-after-compact-memory-cpu0', layout: 'synthesized', seed: 1 }, { seeds: 4, pinned: 'auto' })
    expect(j.assumptions.some((a) => /read again after kpageflags and kpagecount \(after-kpage\/\).*176128 → 175104/.test(a))).toBe(true)
    expect(j.band!.highOrderPages!.p5).toBe(175104)
    expect(j.band!.highOrderPages!.p95).toBe(175104)
  }, 120_000)
})

describe('the per-cpu lists of a layout made from the re-read settle from the re-read, not from the first read', () => {
  it('6.12: decay_pcp_high ticks counted from the capture\'s end (steps.log) for the synthesized layout, from its first read for the exact one', async () => {
    const path = join(FIXTURES, 'x86-1G-s15-k612-nopin')
    const ctx = (await seriesContext(path, '02-before'))!
    // uptime 12.12 at the first read, steps.log `[14.74] cap 2-before` at its end, the next capture at 16.03
    expect(ctx.secondsToNext).toBeCloseTo(3.91, 2)
    expect(ctx.rereadSecondsToNext).toBeCloseTo(1.29, 2)
    const decay = (a: string[]): string | undefined => a.find((x) => /decay_pcp_high/.test(x) && /vmstat_update lowered each per-cpu list's high/.test(x))
    const syn = await whatifCompact({ path, capture: '02-before', layout: 'synthesized', seed: 1 }, { node: 0, pinned: 'auto' })
    // from the capture's end, 14.74 → 16.03: the whole-second marks 15 and 16 (vmstatTicks)
    expect(decay(syn.assumptions)).toMatch(/read 1\.3 s after this capture's per-cpu counts \(uptime 14\.74 to 16\.03 s\): in that time vmstat_update lowered each per-cpu list's high 2 times/)
    const exact = await whatifCompact({ path, capture: '02-before', layout: 'exact', seed: 1 }, { node: 0, pinned: 'auto' })
    // from its first read, 12.12 → 16.03: the marks 13 to 16
    expect(decay(exact.assumptions)).toMatch(/read 3\.9 s after this capture's per-cpu counts \(uptime 12\.12 to 16\.03 s\): in that time vmstat_update lowered each per-cpu list's high 4 times/)
  }, 120_000)
})
