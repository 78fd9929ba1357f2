/**
 * The compactor's fast path (word-at-a-time scans, batched frees: the default) against its plain
 * path (CompactOptions.plain: page by page, as first written) on real captures in fixtures/:
 * the same models before, the same free lists (in list order), page map, pageblock bits, per-cpu
 * lists, /proc/vmstat counters, tracepoint events, scanner timeline and results after — for full
 * compaction on the capture's release and on the other accounting (before / from 6.4), async and
 * sync-light direct compaction, proactive compaction, and full compaction without __GFP_FS (the
 * migrate scanner's four-page step then takes anonymous pages only); and on the fragmented synthetic machine
 * of `npm run bench -- --only compaction` (bench/compaction.ts) at 4 GiB, whose full compaction
 * runs the fast path's bulk frees on long runs of migrated pages.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { cloneModel } from '../../engine/mm/serialize.ts'
import { Compactor, EventLog } from '../../engine/mm/compaction.ts'
import type { MemoryModel } from '../../engine/mm/mmzone.ts'
import type { PageAllocator } from '../../engine/mm/page_alloc.ts'
import { PageKind } from '../../engine/mm/page.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { synthesizeModel } from '../../engine/index.ts'
import { captureOf, syntheticMachine } from '../../bench/capture.ts'
import { MACHINE_SEED } from '../../bench/synth.ts'

type Scenario = (c: Compactor) => unknown

const SCENARIOS: Record<string, Scenario> = {
  'compact_memory': (c) => c.compactMemory(),
  'compact_memory, then again': (c) => [c.compactMemory(), c.compactMemory()],
  'direct compaction order 9 with no free block of order ≥ 9: async, sync-light, sync-full': (c) => {
    takeFreeBlocks(c.alloc, 9)
    const out: unknown[] = []
    for (const prio of ['async', 'async', 'sync-light', 'sync-light', 'sync-full'] as const) out.push(c.tryToCompactPages(9, prio))
    return out
  },
  'direct compaction order 4 with no free block of order ≥ 4, async then sync-light': (c) => {
    takeFreeBlocks(c.alloc, 4)
    return [c.tryToCompactPages(4, 'async'), c.tryToCompactPages(4, 'sync-light'), c.tryToCompactPages(4, 'sync-light')]
  },
  'proactive compaction (proactiveness 100)': (c) => c.proactiveCompactNode(0, 100),
  'full compaction of every zone without __GFP_FS (page-cache pages are not isolated)': (c) =>
    c.model.zones.filter((z) => z.managed > 0).map((z) => c.compactZone(c.control(z, -1, 'sync', { wholeZone: true, ignoreSkipHint: true, gfpFs: false }))),
}

/** Allocate movable blocks of `order` while any zone has a free block of that order or above, so direct compaction has work. */
function takeFreeBlocks(alloc: PageAllocator, order: number): void {
  const left = (): boolean => alloc.model.zones.some((z) => {
    for (let o = order; o < z.free.nrOrders; o++) if (z.free.nrFree(o) > 0) return true
    return false
  })
  while (left() && alloc.allocPages({ order, gfp: 'movable', kind: PageKind.ANON })) { /* next */ }
}

/** Everything a compaction can change, in comparable form. */
function state(model: MemoryModel, alloc: PageAllocator, c: Compactor, log: EventLog, result: unknown): unknown {
  return {
    result,
    counters: alloc.events.toJSON(),
    events: log.events,
    dropped: log.dropped,
    timeline: [...c.timeline],
    memMap: Buffer.from(model.memMap).toString('base64'),
    pageblockMt: [...model.pageblockMt],
    pageblockFlags: [...model.pageblockFlags],
    zones: model.zones.map((z) => {
      const lists: number[][] = []
      for (let o = 0; o < z.free.nrOrders; o++) for (let mt = 0; mt < z.free.nrTypes; mt++) lists.push(z.free.validEntries(o, mt, model.memMap, model.basePfn))
      return {
        label: z.label, nrFreeMt: [...z.free.nrFreeMt], lists, nrFreePages: z.nrFreePages, nrFreeCmaPages: z.nrFreeCmaPages, pcpPages: z.pcpPages,
        pcp: alloc.pcpLists(z).map((l) => [...l]), pcpState: alloc.pcpState(z), boost: z.boost,
        cached: [z.compactCachedMigratePfn, z.compactCachedFreePfn, z.compactConsidered, z.compactDeferShift, z.compactOrderFailed, z.compactBlockskipFlush],
      }
    }),
  }
}

function run(model: MemoryModel, alloc: PageAllocator, kernel: number, plain: boolean, scenario: Scenario): unknown {
  const { model: m, allocator: a } = cloneModel(model, { ...alloc.policy, kernel })
  const log = new EventLog(10_000_000)
  const c = new Compactor(a, { events: log, plain })
  return state(m, a, c, log, scenario(c))
}

const CAPTURES: Array<[string, string]> = [
  ['x86-1G-s12-nopin-cm', '02-before'],
  ['x86-2G-s16-k612-fewpin', '02-before'],
  ['x86-2G-s23-k612-cpu0', '02-before'],
  ['arm64-1G-s6-cma-compact', '02-before'],
  ['x86-512M-s25-k61-page-owner-mix', '01-before'],
]

describe('compaction: the fast path gives what the plain path gives, on real captures', () => {
  const loaded = new Map<string, { model: MemoryModel; allocator: PageAllocator }>()
  beforeAll(async () => {
    for (const [runDir, capture] of CAPTURES) {
      const s = await loadSnapshot(join(FIXTURES, runDir), { capture, layout: 'exact' })
      loaded.set(`${runDir}/${capture}`, { model: s.model, allocator: s.allocator })
    }
    const syn = await loadSnapshot(join(FIXTURES, 'x86-1G-s12-nopin-cm'), { capture: '02-before', layout: 'synthesized', seed: 3 })
    loaded.set('x86-1G-s12-nopin-cm/02-before (synthesized, seed 3)', { model: syn.model, allocator: syn.allocator })
  }, 300_000)

  for (const key of [...CAPTURES.map(([r, c]) => `${r}/${c}`), 'x86-1G-s12-nopin-cm/02-before (synthesized, seed 3)']) {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      it(`${key}: ${name}, before 6.4 and from 6.4`, () => {
        const { model, allocator } = loaded.get(key)!
        for (const kernel of [6001, 6012]) {
          const fast = run(model, allocator, kernel, false, scenario)
          const plain = run(model, allocator, kernel, true, scenario)
          expect(fast, `kernel ${kernel}`).toEqual(plain)
          expect((fast as { counters: Record<string, number> }).counters['pgmigrate_success'], 'the scenario migrates pages').toBeGreaterThan(0)
        }
      }, 120_000)
    }
  }
})

describe('compaction: the fast path gives what the plain path gives, on the bench\'s fragmented synthetic zone (4 GiB)', () => {
  let bench: { model: MemoryModel; allocator: PageAllocator }
  beforeAll(() => {
    bench = synthesizeModel(captureOf(syntheticMachine(4 * 2 ** 30, MACHINE_SEED)), { seed: 7 })
  }, 300_000)

  for (const name of ['compact_memory', 'compact_memory, then again'] as const) {
    it(`${name}, before 6.4 and from 6.4`, () => {
      for (const kernel of [6001, 6012]) {
        const fast = run(bench.model, bench.allocator, kernel, false, SCENARIOS[name]!)
        const plain = run(bench.model, bench.allocator, kernel, true, SCENARIOS[name]!)
        expect(fast, `kernel ${kernel}`).toEqual(plain)
        expect((fast as { counters: Record<string, number> }).counters['pgmigrate_success'], 'the scenario migrates pages').toBeGreaterThan(50_000)
      }
    }, 300_000)
  }
})
