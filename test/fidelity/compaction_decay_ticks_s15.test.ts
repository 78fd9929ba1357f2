/**
 * 6.12 (6.7+ pcp auto-tuning): how many times decay_pcp_high() ran between a capture and the next
 * one. vmstat_update re-queues itself with round_jiffies_relative(sysctl_stat_interval), so its
 * runs fall on whole seconds: an interval holds the whole-second marks it crosses, not the whole
 * seconds of its length (engine/whatif/compact.ts vmstatTicks). The trigger CPU's `high` in the
 * next capture's zoneinfo, which only decay_pcp_high lowers by an eighth, counts them:
 *  - x86-1G-s15-k612-nopin-cpu1-b, uptime 14.73 → 16.28 (1.55 s): 13280 → 11620 (after-kpage
 *    re-read) → 10444, two runs (one while counting whole seconds);
 *  - x86-1G-s15-k612-nopin-wl1-cpu1, 11.75 → 14.38 (2.63 s): 13280 → 8897, three (two);
 *  - x86-1G-s15-k612-nopin-cpu1, 10.45 → 11.85 (1.40 s): 13217 → 11620, one (one); its second
 *    compaction 11.85 → 12.67 (0.82 s): 11620 → 10168, one (none);
 *  - x86-1G-s15-k612-nopin-cpu1-b's second, 16.28 → 17.27 (0.99 s): 10444 → 9202, one (none).
 * With one run too few the trigger CPU's list ended 1.2–1.3 k pages larger than the kernel's high
 * and kept the pageblocks the compaction vacated last broken (docs/fidelity-causes.json).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { vmstatTicks } from '../../engine/whatif/compact.ts'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const ticksOf = async (run: string, capture: string): Promise<number | undefined> => {
  const j = await whatifCompact({ path: join(FIXTURES, run), capture, layout: 'exact', seed: 1 }, { node: 0, pinned: 'auto' })
  const a = j.assumptions.find((x) => /vmstat_update lowered each per-cpu list's high/.test(x))
  const m = a ? /high (\d+) times/.exec(a) : null
  if (m) return Number(m[1])
  // every run before the trigger's end: said once, before the compaction
  const b = j.assumptions.find((x) => /of vmstat_update's runs .* falls? before the trigger's end/.test(x))
  const n = b ? /^(\d+|one) of vmstat_update's runs/.exec(b) : null
  return n ? (n[1] === 'one' ? 1 : Number(n[1])) : undefined
}

describe('vmstatTicks: decay_pcp_high runs on whole seconds (round_jiffies_relative)', () => {
  it('counts the whole-second marks an interval crosses', () => {
    expect(vmstatTicks(1.55, 14.73)).toBe(2)
    expect(vmstatTicks(2.63, 11.75)).toBe(3)
    expect(vmstatTicks(1.4, 10.45)).toBe(1)
    expect(vmstatTicks(0.82, 11.85)).toBe(1)
    expect(vmstatTicks(0.3, 12.1)).toBe(0)
    expect(vmstatTicks(0, 12.9)).toBe(0)
  })
  it('without the start uptime, the whole seconds of the interval', () => {
    expect(vmstatTicks(1.55)).toBe(1)
    expect(vmstatTicks(2.63)).toBe(2)
    expect(vmstatTicks(-1)).toBe(0)
  })
})

describe('6.12 re-runs with the trigger on CPU 1: the decay runs the kernel\'s high shows', () => {
  it('x86-1G-s15-k612-nopin-cpu1-b, -wl1-cpu1, -cpu1 and their second compactions', async () => {
    expect(await ticksOf('x86-1G-s15-k612-nopin-cpu1-b', '02-before')).toBe(2)
    expect(await ticksOf('x86-1G-s15-k612-nopin-wl1-cpu1', '02-before')).toBe(3)
    expect(await ticksOf('x86-1G-s15-k612-nopin-cpu1', '02-before')).toBe(1)
    expect(await ticksOf('x86-1G-s15-k612-nopin-cpu1', '03-after-compact-node')).toBe(1)
    expect(await ticksOf('x86-1G-s15-k612-nopin-cpu1-b', '03-after-compact-node')).toBe(1)
  }, 300_000)
})

describe('the trigger CPU\'s list ends nearer the kernel\'s, and fewer vacated pageblocks stay broken', () => {
  let b: FidelityRow
  let wl1: FidelityRow
  beforeAll(async () => {
    b = (await fidelityRow(FIXTURES, 'x86-1G-s15-k612-nopin-cpu1-b', '02-before'))!
    wl1 = (await fidelityRow(FIXTURES, 'x86-1G-s15-k612-nopin-wl1-cpu1', '02-before'))!
  }, 300_000)
  // ≥ 2 MiB within the table's 10 %: it was within 5 % (−7.6 % with two runs) until the deferred-init
  // typing yielded to the captured free lists (engine/reconstruct/exact.ts inferPageblockTypes):
  // +0.7 % became +7.6 %, the pageblocks the kernel freed and the model kept fell from 13 to 4,
  // and what is left is one-sided (one pcp batch refilled off nearly vacated pageblocks, not
  // modelled: docs/fidelity-causes.json), so this row's ≥ 2 MiB no longer tells the tick count
  // (two runs: +4.1 %); its tick count (three, which give the kernel's high 8897) is held above
  it('x86-1G-s15-k612-nopin-wl1-cpu1: ≥ 2 MiB within 10 %, shape under 20 % (22.1 % with two runs)', () => {
    expect(wl1.hiReal).toBe(74240)
    expect(Math.abs(wl1.hiError!), `predicted ${wl1.hiPredicted}`).toBeLessThanOrEqual(0.10)
    expect(wl1.shapeError).toBeLessThan(0.2)
  })
  it('x86-1G-s15-k612-nopin-cpu1-b: ≥ 2 MiB above −15 % (−16.2 % with one run), shape under 35 % (37.3 %)', () => {
    expect(b.hiReal).toBe(101376)
    expect(b.hiError!, `predicted ${b.hiPredicted}`).toBeGreaterThan(-0.15)
    expect(b.shapeError).toBeLessThan(0.35)
  })
})
