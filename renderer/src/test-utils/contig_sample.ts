/**
 * Test helper: small contiguous what-if results that match sampleView() (one zone, DMA32, PFNs
 * 0..4096, 8 pageblocks of 512 pages), shaped like the CLI's `whatif cma|hugetlb|thp --json`.
 * Not part of the app bundle.
 */
import type { ContigWhatifResult, ContigWhatifView, ZoneSummary } from '../api/types.ts'
import { sampleView } from './scripted_api.ts'

const before: ZoneSummary = sampleView('s1').zones[0]!
const after: ZoneSummary = { ...before, freeBlocks: [10, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0], freePages: 1200 - 1024 }
const counters = { cma_alloc_success: 1, cma_alloc_fail: 0, pgmigrate_success: 156, pgmigrate_fail: 0, compact_stall: 0, htlb_buddy_alloc_success: 0 }
const ctx = { capture: '02-before', layout: 'exact' as const, seeds: [1], perSeed: [1], baseline: null, real: null }

export function sampleCma(over: Record<string, unknown> = {}): ContigWhatifResult {
  return {
    kind: 'cma', ...ctx,
    verdict: 'A 4 MiB CMA allocation from area reserved would succeed at PFN 2048 (0x800) on window 3 of those tried, after migrating 156 pages out of the way.',
    success: true, pfn: 2048, count: 1024, align: 8,
    area: { name: 'reserved', basePfn: 1024, count: 3072, orderPerBit: 0, source: 'boot log' },
    windows: [
      { startPfn: 1024, endPfn: 2048, result: 'busy', why: 'pages still in use after migration (test_pages_isolated): -EBUSY', blockers: [{ pfn: 1030, kind: 'pinned' }, { pfn: 1600, kind: 'pinned' }], blockersTotal: 2, blockerCounts: { pinned: 2 }, migrated: 156 },
      { startPfn: 1280, endPfn: 2304, result: 'busy', why: 'pages still in use after migration (test_pages_isolated): -EBUSY', blockers: [{ pfn: 1600, kind: 'pinned' }, { pfn: 2100, kind: 'slab' }], blockersTotal: 2, blockerCounts: { pinned: 1, slab: 1 }, migrated: 0 },
      { startPfn: 2048, endPfn: 3072, result: 'success', why: 'allocated', blockers: [], blockersTotal: 0, blockerCounts: {}, migrated: 0 },
    ],
    windowsTried: 3, reason: 'allocated', migrated: 156, counters, blockerSummary: { pinned: { windows: 2, maxPerWindow: 2 } },
    assumptions: ['pins from the workload log: 2 vmsplice references'], before: [before], after: [after], changedPageblocks: [2, 4, 5],
    movableStart: null, pageSize: 4096,
    ...over,
  } as unknown as ContigWhatifResult
}

export function sampleHugetlb(over: Record<string, unknown> = {}): ContigWhatifResult {
  return {
    kind: 'hugetlb', ...ctx, capture: '04-after-compact-memory', perSeed: [2],
    verdict: 'Growing the 2 MiB hugetlb pool by 4 pages would stop at 2.',
    requested: 4, obtained: 2, order: 9, pageSizeBytes: 2 << 20, gigantic: false, compaction: true,
    obtainedWithCompaction: 2, obtainedWithoutCompaction: 1,
    yield: [
      { requested: 1, obtainedWithCompaction: 1, obtainedWithoutCompaction: 1 },
      { requested: 2, obtainedWithCompaction: 2, obtainedWithoutCompaction: 1 },
      { requested: 4, obtainedWithCompaction: 2, obtainedWithoutCompaction: 1 },
    ],
    via: { fast: 1, compaction: 1 }, pfns: [3072, 3584], counters: { ...counters, htlb_buddy_alloc_success: 2, htlb_buddy_alloc_fail: 1 },
    windows: [], blockerSummary: {}, assumptions: ['reclaim: the file LRU of zoneinfo'], before: [before], after: [after], changedPageblocks: [6, 7],
    movableStart: null, pageSize: 4096,
    real: { capture: '05-after-hugetlb-2M-x64', step: 'huge:2048:4', sizeKb: 2048, requested: 4, obtained: 2, predicted: 2, error: 0, counters: { htlb_buddy_alloc_success: 2, pgmigrate_success: 140 } },
    ...over,
  } as unknown as ContigWhatifResult
}

export function sampleThp(): ContigWhatifResult {
  return {
    kind: 'thp', ...ctx,
    verdict: 'A THP fault (2 MiB) under defrag=always in a MADV_HUGEPAGE region would get a huge page (from a free block).',
    defrag: 'always', madvised: true, gfp: 'GFP_TRANSHUGE', faults: 1, succeeded: 1, fallbacks: 0,
    results: [{ success: true, via: 'fast', compactions: [], reclaimRounds: 0, wokeKswapd: false }],
    counters: { thp_fault_alloc: 1 },
    table: [
      { defrag: 'always', madvised: true, gfp: 'GFP_TRANSHUGE', success: true, via: 'fast', compactStall: 0, pagesMigrated: 0, migrateScanned: 0, freeScanned: 0 },
      { defrag: 'never', madvised: false, gfp: 'GFP_TRANSHUGE_LIGHT', success: false, via: 'none', compactStall: 0, pagesMigrated: 0, migrateScanned: 0, freeScanned: 0 },
    ],
    assumptions: [], before: [before], after: [after], changedPageblocks: [7], movableStart: null, pageSize: 4096,
  } as unknown as ContigWhatifResult
}

export function contigView(result: ContigWhatifResult, runId = 'c1'): ContigWhatifView {
  return { runId, snapshotId: 's1', kind: result.kind, result, pageSize: 4096 }
}
