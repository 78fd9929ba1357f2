/**
 * Engine results as the contract's DTOs (contract/dto.ts). The DTOs are written out by hand;
 * the checks below fail to compile when an engine type and its DTO stop having the same shape,
 * so a refactor inside the engine cannot change what crosses the wire without this file (and
 * the contract) changing with it.
 */
import type {
  ZoneSummary, MachineInfo, CompactionEvent, ZoneCompactResult, PredictedVsReal, PageblockMap, WindowJson,
  CmaWhatIfResult, HugetlbWhatIfResult, ContigWhatIfResult, ThpWhatIfResult, PageblockChange, PageChange,
} from '../engine/index.ts'
import type {
  ZoneSummaryDto, MachineDto, CompactionEventDto, ZoneCompactResultDto, PredictedVsRealDto, PageblockMapArrays, WindowDto,
  CmaWhatIfDto, HugetlbWhatIfDto, ContigWhatIfDto, ThpWhatIfDto, WhatifCompactView, PageblockMapDto, ContigWhatifResult, BandDto, CpuAlternativeDto,
  PageblockChangeName, PageChangeName, ZoneDiffDto, CaptureDiffDto, PagesDiffDto, DiffSideDto,
} from '../contract/dto.ts'
import type { FleetRowDto, BlockStealEventDto } from '../contract/dto.ts'
import type { BlockSteal } from '../engine/index.ts'
import type { FleetRow } from './fleet.ts'
import type { TimelineTraceDto, TimelineDto } from '../contract/dto.ts'
import type { TimelineTraceJson } from './trace.ts'
import type { TimelineJson } from './timeline.ts'
import type { PAGEBLOCK_CHANGES, PAGE_CHANGES } from '../contract/names.ts'
import type { ZoneDiff, CaptureDiff, PagesDiffJson, SideInfo } from './diff.ts'
import { counterValue, type WhatifCompactJson, type Band, type CpuAlternative } from './whatif/compact.ts'
import type { ContigJson } from './whatif/contig.ts'

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/** true for every pair, or this does not compile */
export const DTO_SHAPES_MATCH: {
  zone: Same<ZoneSummary, ZoneSummaryDto>
  machine: Same<MachineInfo, MachineDto>
  event: Same<CompactionEvent, CompactionEventDto>
  zoneCompact: Same<ZoneCompactResult, ZoneCompactResultDto>
  predictedVsReal: Same<PredictedVsReal, PredictedVsRealDto>
  map: Same<PageblockMap, PageblockMapArrays>
  window: Same<WindowJson, WindowDto>
  cma: Same<CmaWhatIfResult, CmaWhatIfDto>
  hugetlb: Same<HugetlbWhatIfResult, HugetlbWhatIfDto>
  contig: Same<ContigWhatIfResult, ContigWhatIfDto>
  thp: Same<ThpWhatIfResult, ThpWhatIfDto>
  band: Same<Band, BandDto>
  cpuAlternative: Same<CpuAlternative, CpuAlternativeDto>
  pageblockChange: Same<PageblockChange, PageblockChangeName>
  pageblockChangeList: Same<(typeof PAGEBLOCK_CHANGES)[number], PageblockChangeName>
  pageChange: Same<PageChange, PageChangeName>
  pageChangeList: Same<(typeof PAGE_CHANGES)[number], PageChangeName>
  diffSide: Same<SideInfo, DiffSideDto>
  zoneDiff: Same<ZoneDiff, ZoneDiffDto>
  diff: Same<CaptureDiff & { a: string; b: string }, CaptureDiffDto>
  pagesDiff: Same<PagesDiffJson, PagesDiffDto>
  fleetRow: Same<FleetRow, FleetRowDto>
  blockSteal: Same<BlockSteal['events'][number], BlockStealEventDto>
  timelineTrace: Same<TimelineTraceJson, TimelineTraceDto>
  timelineWithTrace: Same<TimelineJson & { trace?: TimelineTraceJson }, TimelineDto>
} = {
  zone: true, machine: true, event: true, zoneCompact: true, predictedVsReal: true, map: true, window: true, cma: true, hugetlb: true, contig: true, thp: true, band: true, cpuAlternative: true,
  pageblockChange: true, pageblockChangeList: true, pageChange: true, pageChangeList: true, diffSide: true, zoneDiff: true, diff: true, pagesDiff: true,
  fleetRow: true, blockSteal: true, timelineTrace: true, timelineWithTrace: true,
}

export function mapDto(id: string, m: PageblockMap): PageblockMapDto {
  return { id, mt: m.mt, free: m.free, movable: m.movable, unmovable: m.unmovable, reclaimable: m.reclaimable, pinned: m.pinned, mixed: m.mixed }
}

/** The app's view of a compaction what-if: the JSON answer, with the maps and plain counters. */
export function whatifCompactView(runId: string, snapshotId: string, w: WhatifCompactJson): WhatifCompactView {
  const counters: Record<string, number> = {}
  for (const [k, v] of Object.entries(w.counters)) counters[k] = counterValue(v)
  return {
    runId, snapshotId, kind: w.kind, order: w.order, mode: w.mode, result: w.result, layout: w.layout, seed: w.seed, counters,
    before: w.before.zones, after: w.after.zones, zonesCompacted: w.zonesCompacted, pagesMigrated: w.pagesMigrated, bytesCopied: w.bytesCopied,
    allocationWouldSucceed: w.allocationWouldSucceed, assumptions: w.assumptions, band: w.band, real: w.real, timeline: w.timeline,
    events: w.events, eventsDropped: w.eventsDropped, changedPageblocks: w.changedPageblocks ?? [],
    pageblockChanges: w.pageblockChanges ?? new Uint16Array(w.afterMap?.mt.length ?? 0),
    afterMap: mapDto(snapshotId, w.afterMap!),
    cpuAlternative: w.cpuAlternative,
  }
}

/** The app's view of a contiguous-allocation what-if (the CLI's --json shape). */
export function contigResultDto(j: ContigJson): ContigWhatifResult {
  const { result, kind, capture, layout, seeds, perSeed, baseline, real } = j
  return { ...result, kind, capture, layout, seeds, perSeed, baseline, real: real ? { ...real } : null }
}
