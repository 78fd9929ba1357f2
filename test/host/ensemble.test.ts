/**
 * An ensemble on the worker pool (one job per thread sharing a queue of runs, an exact layout in
 * shared memory copied per run, the pages a compaction would still move found once per job for
 * pins placed after a compaction, a synthesized layout's capture parsed once per job, runs that
 * cannot differ run once, each seed's run reporting only what the band reads) answers exactly
 * what the plain serial path answers: every run the full what-if, one after the other, on a copy
 * of the layout or on the layout loaded for its seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import type { SeedJob } from '../../host/workers/jobs.ts'
import type { WhatifCompactRequest } from '../../contract/schemas.ts'
import type { LayoutChoice } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let pool: EnginePool

beforeAll(() => {
  pool = new EnginePool()
})
afterAll(async () => {
  await pool.destroy()
})

interface Case {
  what: string
  run: string
  capture: string
  layout: LayoutChoice
  request: WhatifCompactRequest
  /** distinct runs the pool should be given */
  poolRuns: number
}

const CASES: Case[] = [
  { what: 'exact, the workload\'s pins (a seed each)', run: 'x86-2G-s13-fewpin', capture: '02-before', layout: 'exact', request: { seeds: 4 }, poolRuns: 4 },
  { what: 'exact, pins after a full compaction, long-term (CMA-free), on CPU 1', run: 'x86-1G-s12-nopin-cm', capture: '03-after-compact-memory', layout: 'exact', request: { seeds: 3, pinned: { pages: 3000 }, cpu: 1 }, poolRuns: 3 },
  { what: 'exact, no pins: every seed the same run', run: 'x86-1G-s12-nopin-cm', capture: '02-before', layout: 'exact', request: { seeds: 4 }, poolRuns: 1 },
  { what: 'synthesized with CMA (a layout per seed; the first is the main run)', run: 'arm64-1G-s6-cma-compact', capture: '02-before', layout: 'synthesized', request: { seeds: 4 }, poolRuns: 3 },
  { what: 'exact, node 0 only, a share of pins', run: 'x86-1G-s22-cpu0', capture: '02-before', layout: 'exact', request: { seeds: 3, node: 0, pinned: { fraction: 0.05 } }, poolRuns: 3 },
  { what: 'synthesized after a full compaction (packed layouts; the trigger CPU, not in steps.log, taken in turn)', run: 'x86-512M-s11-nopin', capture: '03-after-compact-node', layout: 'synthesized', request: { seeds: 3 }, poolRuns: 2 },
]

describe('a what-if ensemble on the pool', () => {
  for (const c of CASES) {
    it(`answers what the serial path answers: ${c.run} ${c.capture}, ${c.what}`, async () => {
      const target = { path: join(FIXTURES, c.run), capture: c.capture, layout: c.layout, seed: 1 }
      const jobs: SeedJob[] = []
      const pooled = await whatifCompact(target, c.request, {
        parallel: 2,
        runSeeds: (js) => {
          jobs.push(...js)
          return pool.runSeeds(js)
        },
      })
      const serial = await whatifCompact(target, c.request)
      // the fast path was taken: at most a job per thread, the runs that cannot differ given once
      expect(jobs.length).toBeGreaterThan(0)
      expect(jobs.length).toBeLessThanOrEqual(2)
      expect(jobs[0]!.runs.length).toBe(c.poolRuns)
      expect(pooled.band?.seeds).toEqual(Array.from({ length: c.request.seeds! }, (_, i) => 1 + i))
      expect(pooled).toEqual(serial)
      // the seeds differ where they should (pins or layouts chosen by the seed)
      const spread = [...Object.values(pooled.band!.counters), ...Object.values(pooled.band!.zones).map((z) => z.highOrderPages)].some((s) => s.p5 !== s.p95)
      expect(spread).toBe(c.poolRuns > 1)
    }, 120_000)
  }
})
