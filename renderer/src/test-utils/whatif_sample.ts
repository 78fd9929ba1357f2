/**
 * Test helper: a small but complete WhatifCompactView that matches sampleView() (one zone,
 * DMA32, PFNs 0..4096, 8 pageblocks of 512 pages): a full compaction of node 0 with a captured
 * trigger (predicted vs real), a few tracepoint events and a timeline. Not part of the app bundle.
 */
import type { WhatifCompactView, ZoneSummary } from '../api/types.ts'
import { sampleView } from './scripted_api.ts'

export function sampleWhatif(over: Partial<WhatifCompactView> = {}): WhatifCompactView {
  const before: ZoneSummary = sampleView('s1').zones[0]!
  const after: ZoneSummary = { ...before, freeBlocks: [2, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1], freePages: 1028 }
  const n = 8
  const afterMap = {
    id: 's1', mt: Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 1]), free: Uint16Array.from([0, 512, 512, 0, 0, 0, 2, 2]), movable: new Uint16Array(n),
    unmovable: new Uint16Array(n), reclaimable: new Uint16Array(n), pinned: new Uint16Array(n), mixed: new Uint8Array(n),
  }
  const predicted = after.freeBlocks
  const real = [3, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1]
  return {
    runId: 'w1', snapshotId: 's1', kind: 'full', order: -1, mode: 'sync', result: 'complete', layout: 'exact', seed: 1,
    counters: {
      compact_migrate_scanned: 1024, compact_free_scanned: 900, compact_isolated: 700, pgmigrate_success: 350, pgmigrate_fail: 0,
      compact_stall: 0, compact_fail: 0, compact_success: 0,
    },
    before: [before],
    after: [after],
    zonesCompacted: [{ zone: 'Node 0, zone DMA32', result: 'complete', migrateScanned: 1024, freeScanned: 900, isolated: 700, migrated: 350, failed: 0 }],
    pagesMigrated: 350,
    bytesCopied: 350 * 4096,
    allocationWouldSucceed: null,
    assumptions: ['2048 pinned pages, chosen among 34609 anonymous pages with seed 1', 'compact_unevictable_allowed=1: mlocked pages are migrated'],
    band: null,
    real: {
      capture: '03-after-compact-node',
      trigger: { file: 'node_compact', node: 0 },
      counters: { nr_free_pages: -10, pgmigrate_success: 340, pgmigrate_fail: 1, compact_migrate_scanned: 1000, compact_free_scanned: 1000, compact_isolated: 680 },
      predictedVsReal: [{
        zone: 'Node 0, zone DMA32', predicted, real, error: predicted.map((v, o) => v - real[o]!),
        highOrderPagesPredicted: 2048, highOrderPagesReal: 2048, highOrderError: 0,
      }],
    },
    timeline: [0, 3584, 512, 3584, 1024, 3072, 2048, 2048],
    events: [
      { name: 'mm_compaction_begin', zone: 'Node 0, zone DMA32', zoneStart: 0, migratePfn: 0, freePfn: 3584, zoneEnd: 4096, sync: true },
      { name: 'mm_compaction_isolate_migratepages', startPfn: 0, endPfn: 512, nrScanned: 512, nrTaken: 32 },
      { name: 'mm_compaction_isolate_freepages', startPfn: 3584, endPfn: 3616, nrScanned: 32, nrTaken: 32 },
      { name: 'mm_compaction_migratepages', nrMigrated: 32, nrFailed: 0, migratePfn: 512, freePfn: 3584 },
      { name: 'mm_compaction_isolate_migratepages', startPfn: 512, endPfn: 1024, nrScanned: 512, nrTaken: 32 },
      { name: 'mm_compaction_migratepages', nrMigrated: 32, nrFailed: 0, migratePfn: 1024, freePfn: 3072 },
      { name: 'mm_compaction_end', zone: 'Node 0, zone DMA32', zoneStart: 0, migratePfn: 2048, freePfn: 2048, zoneEnd: 4096, sync: true, status: 'complete' },
    ],
    eventsDropped: 0,
    afterMap,
    changedPageblocks: [0, 1, 6, 7],
    // the diff model's change bits (PAGEBLOCK_CHANGES order): 0 filled + retyped, 1 became free, 6 and 7 some pages allocated
    pageblockChanges: Uint16Array.from([(1 << 3) | (1 << 4), 1 << 2, 0, 0, 0, 0, 1 << 8, 1 << 8]),
    cpuAlternative: null,
    ...over,
  }
}
