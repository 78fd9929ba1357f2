/**
 * The harness's compaction traces (`ctrace:all` before the capture, then `ctron` / `ctroff` around
 * each trigger, `tron` / `troff` in older runs) only write to tracefs: the ring buffer is allocated
 * when `ctrace:all` sizes it, before the capture, and enabling or disabling the events allocates
 * nothing the compaction or the lists would see. So the capture after such a trigger is the
 * compaction's outcome alone (host/series.ts QUIET_STEPS), and the what-if reads it as it reads an
 * untraced run's: the per-cpu lists settle up to the next capture (6.7+ decay_pcp_high ticks; on 6.1
 * free_high when the next capture's tools run on the trigger's CPU), the re-read after kpageflags (after-kpage/) is used. While the tracing steps
 * counted as steps that change memory, none of that ran on the five traced runs, and their first
 * compactions missed where their untraced siblings hold: x86-1G-s12-wl0-ctrace-cpu0 shape 15.9 %
 * (≥ 2 MiB −9.8 %), arm64-1G-s6-cma-compact-ctrace-sleep-cpu1 ≥ 2 MiB +13.0 %.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { seriesContext } from '../../host/series.ts'
import { whatifCompact, type WhatifCompactJson } from '../../host/whatif/compact.ts'
import { join } from 'node:path'
import { FIXTURES } from '../helpers/fixtures.ts'

let s12: FidelityRow
let arm: FidelityRow
let json: WhatifCompactJson

beforeAll(async () => {
  s12 = (await fidelityRow(FIXTURES, 'x86-1G-s12-wl0-ctrace-cpu0', '02-before'))!
  arm = (await fidelityRow(FIXTURES, 'arm64-1G-s6-cma-compact-ctrace-sleep-cpu1', '02-before'))!
  json = await whatifCompact({ path: join(FIXTURES, 'x86-1G-s12-wl0-ctrace-cpu0'), capture: '02-before', layout: 'exact', seed: 1 }, { seeds: 1, pinned: 'auto' }, {})
}, 600000)

describe('tracing steps around a trigger leave memory as it was', () => {
  it('the series context counts ctron / ctroff as no step between the capture and the next', async () => {
    for (const [run, cap] of [['x86-1G-s12-wl0-ctrace-cpu0', '02-before'], ['x86-1G-s15-k612-nopin-ctrace-cpu1', '03-after-compact-node'], ['x86-1G-s27-trace', '02-before']] as const) {
      const ctx = await seriesContext(join(FIXTURES, run), cap)
      expect(ctx?.trigger, `${run}/${cap}`).toBeTruthy()
      expect(ctx!.otherSteps.map((s) => s.name), `${run}/${cap}`).toEqual([])
    }
  })

  it('the what-if compares the traced trigger with the next capture and settles the lists up to it', () => {
    expect(json.notCompared).toBeNull()
    // 6.1, the next capture's tools on the trigger's CPU: free_high returns that CPU's whole list
    expect(json.assumptions.some((a) => /tasks on CPU 0, the compaction's, read the after-state/.test(a)), json.assumptions.join('\n')).toBe(true)
  })

  it('x86-1G-s12-wl0-ctrace-cpu0 (6.1, trigger on CPU 0): within ±10 % on ≥ 2 MiB and the shape within 15 % (−9.8 %, 15.9 % unsettled)', () => {
    expect(s12.hiReal).toBe(83456)
    expect(Math.abs(s12.hiError!), `predicted ${s12.hiPredicted}`).toBeLessThanOrEqual(0.05)
    expect(s12.shapeError).toBeLessThanOrEqual(0.10)
  })

  it('arm64-1G-s6-cma-compact-ctrace-sleep-cpu1 (6.1): within ±10 % on ≥ 2 MiB (+13.0 % unsettled)', () => {
    expect(arm.hiReal).toBe(27648)
    expect(Math.abs(arm.hiError!), `predicted ${arm.hiPredicted}`).toBeLessThanOrEqual(0.10)
    expect(arm.shapeError).toBeLessThanOrEqual(0.15)
  })
})
