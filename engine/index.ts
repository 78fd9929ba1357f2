/**
 * The engine's public entry: hosts (CLI, Electron main, workers) import only from here.
 * Pure TypeScript: no I/O, no wall clock, randomness only from sim/rng.ts.
 */
export { ParseError } from './procfs/types.ts'
export type * from './procfs/types.ts'
export { parseBuddyinfo, formatBuddyinfo } from './procfs/buddyinfo.ts'
export { parsePagetypeinfo, formatPagetypeinfo } from './procfs/pagetypeinfo.ts'
export { parseZoneinfo } from './procfs/zoneinfo.ts'
export { parseVmstat } from './procfs/vmstat.ts'
export { parseMeminfo } from './procfs/meminfo.ts'
export { parseFragIndex, formatExtfragIndex, formatUnusableIndex } from './procfs/frag_index.ts'
export { parseCmdline, parseMemSize } from './procfs/cmdline.ts'
export { parseSysctlVm, parseTransparentHugepage, parseHugepages } from './procfs/sysctl.ts'
export { KpageDecoder, KPF, kpageflagNames, type KpageSink } from './procfs/kpageflags.ts'
export {
  PageOwnerParser, PageOwnerStacksParser, LineSplitter, parsePageOwner, parsePageOwnerStacks, parseHeader as parsePageOwnerHeader,
  PAGE_OWNER_MAX_LINE, type PageOwnerRecord, type PageOwnerStack,
} from './procfs/page_owner.ts'

export { parseCapture, sysctlInt, type Capture, type CaptureInput, type CaptureManifest, type MachineInfo } from './snapshot.ts'
export { captureFindings, modelFindings, type Finding } from './findings.ts'

export { MemoryModel, Zone, FreeArea, MigratetypeTable, ZONE_NAMES, PAGE_ALLOC_COSTLY_ORDER, type Geometry, type BuildMethod, type Watermarks } from './mm/mmzone.ts'
export { PageKind, THP_HEAD, FOLIO_HEAD, PageClass, pageClass, pageKindName, PAGE_KIND_NAMES, isFreeHead, headOrder, freeHeadMt, isBuddyPage } from './mm/page.ts'
export { PageAllocator, calculateMinFreeKbytes, setupPerZoneWmarks, fallbackRuleFor, releaseRules, kernelVersionCode, PCP_BATCH_SCALE_MAX, DEFAULT_POLICY, type AllocPolicy, type AllocRequest, type AllocResult, type GfpIntent, type FallbackRule } from './mm/page_alloc.ts'
export { VmEvents } from './mm/vmstat.ts'
export { bootModel, freeAllInZone, type ZoneSpec } from './mm/memblock.ts'
export { checkModel } from './mm/debug.ts'

export { synthesizeModel, type SynthesizeOptions } from './reconstruct/synthesize.ts'
export { zoneShapes, capturedFreeCounts, type ZoneShape } from './reconstruct/zones.ts'
export { captureAtReread, type CaptureReread, type RereadCapture } from './reconstruct/reread.ts'
export { ExactLayoutBuilder, classifyKpageflags, decodeKpageflags, kpageKindTable, KPAGE_KEY, cmaBaseFromDmesg, type ExactOptions } from './reconstruct/exact.ts'

export { unusableFreeIndex, fragmentationIndex, extfragForOrder, fragmentationScoreNode, fragmentationScoreWmark61, fillContigPageInfo, largestFreeOrder } from './metrics/fragmentation.ts'
export { summarizeZone, summarizeZones, nodeScores, modelBuddyinfo, modelPagetypeinfo, modelFragIndex, zonePageblocks, pageMobility, type ZoneSummary } from './metrics/summary.ts'
export { Rng } from './sim/rng.ts'
export { exportModel, importModel, cloneModel, transferList, modelTemplate, instantiateModel, type ModelTransfer, type ModelTemplate } from './mm/serialize.ts'
export { computePageblockMap, pageblockDetail, PAGE_CLASS_NAMES, type PageblockMap, type PageblockDetail } from './metrics/pageblock_map.ts'
export {
  PollutersBuilder, RangeOwners, stackSite, frameFunction,
  type PolluterGrouping, type PolluterGroup, type PollutersReport, type FallbackDirection, type PageOwnerOfRange,
} from './metrics/polluters.ts'
export { Compactor, EventLog, DEFAULT_STRATEGY, COMPACT_CLUSTER_MAX, compactGap, type CompactStrategy, type MigrateMode, type CompactResult, type CompactPriority, type CompactControl, type CompactionEvent, type ZoneCompactResult } from './mm/compaction.ts'
export { parseStepsLog, stepsBetween, compactionTrigger, pinnedPagesFromWorkloadLog, workloadCpuFromWorkloadLog, type StepsLog, type StepsLogStep, type CompactionTrigger } from './procfs/steps_log.ts'
export { applyPinned, type PinnedAssumption } from './whatif/assumptions.ts'
export { runCompactWhatIf, runCompactSeed, comparePredictedVsReal, type CompactWhatIfOptions, type CompactWhatIfResult, type CompactSeedOutcome, type PredictedVsReal } from './whatif/compact.ts'
export { ReclaimModel, SlowPath, padProtection, zonelistFor, getPageFromFreelist, drainAllPages, ZONE_IDX_MOVABLE, ZONE_IDX_NORMAL, MAX_RECLAIM_RETRIES, MAX_COMPACT_RETRIES, type SlowRequest, type SlowOutcome } from './mm/slowpath.ts'
export { startIsolatePageRange, undoIsolatePageRange, testPagesIsolated, hasUnmovablePages, unmovablePagesIn, blockerKindOf, IsolatedRange, BLOCKER_KIND_TEXT, type Blocker, type BlockerKind, type IsolationUser } from './mm/page_isolation.ts'
export { allocContigRange, allocContigPages, allocContigMigrateRange, allocMigrationTarget, pfnRangeValidContig, CONTIG_RESULT_TEXT, DEFAULT_BLOCKER_CAP, type ContigWindow, type ContigResult, type ContigPagesResult } from './mm/migrate.ts'
export { cmaAlloc, withCmaMigratetype, newCmaArea, discoverCmaAreas, applyCmaAreas, inferCmaBitmap, unlistZone, relistZone, cmaAreasFromBootLog, cmaAreasFromDebugfs, cmaPageblockRuns, findNextZeroAreaOff, bitmapAlignedMask, bitmapAlignedOffset, type CmaArea, type CmaAllocResult } from './mm/cma.ts'
export { growHugetlbPool, countHugetlbPages, type HugetlbGrowResult, type HugetlbGrowOptions } from './mm/hugetlb.ts'
export { placePins, compactionStragglers, StragglerMemo, type PinPlacement, type PinOptions } from './whatif/pins.ts'
export { carveZoneMovable, findZoneMovablePfns, setupLowmemReserve, type MovableSpec, type MovableResult, type CoreSize } from './whatif/movable.ts'
export {
  runCmaWhatIf, runHugetlbWhatIf, runContigWhatIf, runThpWhatIf, thpGfp, thpEligible, defaultCmaAlign, describeBlockers, summarizeBlockers, DEFRAG_MODES, CONTIG_COUNTERS,
  type CmaWhatIfResult, type HugetlbWhatIfResult, type WhatIfOutcome, type ContigWhatIfResult, type ThpWhatIfResult, type ContigCommonOptions, type ReclaimSpec, type DefragMode, type ThpEnabled, type WindowJson, type BlockerSummary,
  type CmaWhatIfOptions, type HugetlbWhatIfOptions, type ContigWhatIfOptions, type ThpWhatIfOptions,
} from './whatif/contig.ts'
export {
  compareMachines, diffFreeArea, diffFreeAreas, pagesAtOrAbove, diffPageblocks, pageblockChangeBits, pageblockKind, mainChange, changeNames, changeBit, changedPageblocks,
  diffPagesOfBlock, PAGEBLOCK_CHANGES, PAGEBLOCK_CHANGE_TEXT, PAGE_CHANGES,
  type MachineShape, type MachineMismatch, type MachineComparison, type FreeAreaCounts, type FreeAreaDelta, type PageblockChange, type PageblockKind,
  type PageblockDiff, type ZoneBlocks, type PageblockSide, type ChangedPageblock, type PageChange, type PagesDiff,
} from './metrics/diff.ts'
export { parseUptime } from './procfs/uptime.ts'
export {
  computeTimeline, timelinePairDelta, describeStep, TIMELINE_COUNTERS,
  type Timeline, type TimelineInput, type TimelineCaptureInput, type TimelinePoint, type TimelineZone, type TimelineMarker, type TimelineAxis, type MarkerKind, type TimelinePairDelta,
} from './metrics/timeline.ts'

export { parseExposition, captureFromScrape, captureFromSamples, seriesFromRangeQuery, looksLikeExposition, looksLikeRangeQuery, type PromSample, type PromCapture, type RangeSeries } from './importers/prometheus.ts'
export { splitStamped, pairMonitorBlocks, mmtestsLogName, MMTESTS_MONITORS, type StampedBlock, type MmtestsCapture } from './importers/mmtests.ts'
export { parseVmcoreText, looksLikeVmcoreText, type VmcoreText } from './importers/crash_kmem.ts'
export { parseTraceText, summarizeTrace, fallbackOf, looksLikeTrace, migratetypeName, type TraceEvent, type FallbackEvent, type TraceSummary, type BlockSteal } from './importers/trace_events.ts'
export { contiguityPotential, unmovableSpread, type RangeCount, type UnmovableSpread } from './metrics/contiguity.ts'
