/**
 * The contract as the renderer sees it: the DTO types and names of contract/, nothing else.
 * Only types come from contract/schemas.ts (zod stays out of the bundle); the engine is never
 * imported here (lint forbids it).
 */
export type {
  SnapshotView, PageblockMapDto, PageblockDetailDto, PageClassesDto, RunProgress, RecentEntry, AppInfo, HostError, FindingDto, ZoneBoundary,
  WhatifCompactView, ContigWhatifView, ContigWhatifResult, BandDto, RealOutcomeDto,
  ZoneSummaryDto as ZoneSummary, MachineDto as MachineInfo, CmaWhatIfDto as CmaWhatIfResult, HugetlbWhatIfDto as HugetlbWhatIfResult,
  ContigWhatIfDto as ContigWhatIfResult, ThpWhatIfDto as ThpWhatIfResult, WindowDto as WindowJson, BlockerKindDto,
  CaptureDiffDto, ZoneDiffDto, PagesDiffDto, DiffSideDto, PageblockChangeName, PageChangeName,
} from '../../../contract/dto.ts'
export type { FleetDto, FleetRowDto, TraceStealsDto, BlockStealEventDto } from '../../../contract/dto.ts'
export type { BuddyscopeApi, EventPayloads, MethodArgs, MethodResults, WhatifCompactRequest, WhatifContigRequest, PinnedRequest } from '../../../contract/schemas.ts'
export { isHostError, asHostError } from '../../../contract/dto.ts'
export { PAGE_CLASSES, MAX_PAGE_CLASS_BLOCKS, PAGEBLOCK_CHANGES, PAGE_CHANGES, CONTRACT_VERSION, MT_NONE, METHOD_NAMES, EVENT_NAMES, type PageClassName, type EventName, type MethodName, type MenuCommand } from '../../../contract/names.ts'
export type { TimelineDto, TimelinePointDto, TimelineZoneDto, TimelineMarkerDto, TimelineMarkerKind, CaptureRefDto } from '../../../contract/dto.ts'
export type { ExportReportResult } from '../../../contract/dto.ts'
export type { OpenSummaryDto, FreeAreaZoneDto } from '../../../contract/dto.ts'
export type { ExportReportRequest, ReportWhatifRequestDto } from '../../../contract/schemas.ts'
export { REPORT_FORMATS, type ReportFormatName } from '../../../contract/names.ts'
export type { PollutersDto, PolluterDto, PageOwnersDto } from '../../../contract/dto.ts'
export type { TimelineTraceDto, TimelineTraceIntervalDto, TimelineStolenBlockDto } from '../../../contract/dto.ts'
