/**
 * A full-compaction what-if whose running CPU is a guess (no --cpu, no CPU in steps.log) is run a
 * second time on the CPU holding the next most per-cpu pages (host/whatif/compact.ts
 * cpuAlternative): which CPU's lists the compaction churns can decide whether the pageblocks it
 * vacates merge. fixtures/x86-2G-s16-k612-fewpin (6.12, 2 GiB, an older run whose steps.log does
 * not log the trigger's CPU): CPU 0's list held 20954 of the workload's freed pages, the kernel's
 * compaction ran on CPU 1 and left them there, and free pages in ≥ 2 MiB blocks went from 14336 to
 * only 14848; the default (CPU 0, the one holding the most) predicts about 165000.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { FIXTURES } from '../helpers/fixtures.ts'
import { whatifCompact, nextBusiestCpu, type WhatifCompactJson } from '../../host/whatif/compact.ts'
import { whatifCompactText } from '../../cli/commands/whatif.ts'

const RUN = join(FIXTURES, 'x86-2G-s16-k612-fewpin')
const REAL_HI = 14848

describe('whatif compact: the other CPU, when the running CPU is a guess', () => {
  let j: WhatifCompactJson
  beforeAll(async () => {
    j = await whatifCompact({ path: RUN, capture: '02-before', layout: 'exact', seed: 1 }, { pinned: 'auto' })
  }, 120_000)

  it('runs on the CPU holding the most, and again on the next', () => {
    const alt = j.cpuAlternative!
    expect(alt).not.toBeNull()
    expect(alt.ranOn).toBe(0)
    expect(alt.cpu).toBe(1)
    expect(alt.result).toBe('complete')
  })

  it('gives the kernel\'s outcome on the CPU the trigger really ran on, where the default is far off', () => {
    const alt = j.cpuAlternative!
    expect(alt.highOrderPages.main).toBeGreaterThan(REAL_HI * 5)
    expect(Math.abs(alt.highOrderPages.alternative - REAL_HI) / REAL_HI).toBeLessThanOrEqual(0.1)
    // the alternative's after-state is its own, not the main run's
    const hi = alt.after.zones.reduce((t, z) => t + z.freeBlocks.reduce((a, n, o) => a + (o >= 9 ? n * 2 ** o : 0), 0), 0)
    expect(hi).toBe(alt.highOrderPages.alternative)
    expect(alt.pagesMigrated).toBeGreaterThan(0)
  })

  it('says so in the CLI text', () => {
    const text = whatifCompactText(j)
    expect(text).toContain('Which CPU runs the compaction is not in the capture: this run took CPU 0')
    expect(text).toContain(`On CPU 1 it would end with ${j.cpuAlternative!.highOrderPages.alternative.toLocaleString('en-US')} free pages in ≥ 2 MiB blocks`)
  })

  it('is not run when the CPU is given, logged, or drawn per seed', async () => {
    const given = await whatifCompact({ path: RUN, capture: '02-before', layout: 'exact', seed: 1 }, { pinned: 'auto', cpu: 1 })
    expect(given.cpuAlternative).toBeNull()
    // x86-2G-s23-k612-cpu1 repeats this run with the trigger pinned to CPU 1 (steps.log `cm@1`)
    const logged = await whatifCompact({ path: join(FIXTURES, 'x86-2G-s23-k612-cpu1'), capture: '02-before', layout: 'exact', seed: 1 }, { pinned: 'auto' })
    expect(logged.cpuAlternative).toBeNull()
    const off = await whatifCompact({ path: RUN, capture: '02-before', layout: 'exact', seed: 1 }, { pinned: 'auto' }, { cpuAlternative: false })
    expect(off.cpuAlternative).toBeNull()
    expect(off.after).toEqual(j.after)
    // a synthesized ensemble runs each seed on one of the CPUs in turn: its band covers both
    const drawn = await whatifCompact({ path: RUN, capture: '02-before', layout: 'synthesized', seed: 1 }, { pinned: 'auto', seeds: 2 })
    expect(drawn.cpuAlternative).toBeNull()
    expect(drawn.assumptions.some((a) => a.includes('seeds run it on CPU 0, 1 in turn'))).toBe(true)
  }, 240_000)

  it('picks the CPU with the next most per-cpu pages over the zones', () => {
    const zones = [{ pcpCpus: [{ cpu: 0, count: 25728 }, { cpu: 1, count: 2022 }, { cpu: 2, count: 5 }] }, { pcpCpus: [{ cpu: 0, count: 748 }, { cpu: 1, count: 2376 }, { cpu: 2, count: 4000 }] }]
    expect(nextBusiestCpu({ zones })).toBe(1)
    expect(nextBusiestCpu({ zones: [{ pcpCpus: [{ cpu: 3, count: 10 }] }] })).toBeNull()
    expect(nextBusiestCpu({ zones: [{ pcpCpus: [{ cpu: 0, count: 0 }, { cpu: 1, count: 0 }] }] })).toBeNull()
  })
})
