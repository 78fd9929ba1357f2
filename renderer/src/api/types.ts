/**
 * The contract as the renderer sees it: types only (import type keeps zod and the engine out of
 * the bundle), plus local copies of the contract's tiny constants, checked against the originals
 * at compile time so they cannot drift (method names: methods.ts).
 */
import type {
  PAGE_CLASSES as CONTRACT_PAGE_CLASSES,
  CONTRACT_VERSION as CONTRACT_CONTRACT_VERSION,
  HostError,
} from '../../../electron/common/contract.ts'

export type {
  BuddyscopeApi,
  SnapshotView,
  PageblockMapDto,
  PageblockDetailDto,
  RunProgress,
  RecentEntry,
  AppInfo,
  HostError,
  FindingDto,
  ZoneBoundary,
  EventName,
  EventPayloads,
  MenuCommand,
  MethodName,
  MethodArgs,
  MethodResults,
  WhatifCompactView,
  ContigWhatifView,
  ContigWhatifResult,
} from '../../../electron/common/contract.ts'
export type {
  ZoneSummary, MachineInfo, CmaWhatIfResult, HugetlbWhatIfResult, ContigWhatIfResult, ThpWhatIfResult, WindowJson,
} from '../../../engine/index.ts'

/** Classes of the page-level view, index = PageblockDetailDto.classes value. */
export const PAGE_CLASSES = ['hole', 'free', 'pcp', 'movable', 'file', 'unevictable', 'pinned', 'reclaimable', 'unmovable', 'pagetable', 'reserved', 'thp', 'hugetlb', 'other'] as const
export type PageClassName = (typeof PAGE_CLASSES)[number]

export const CONTRACT_VERSION = 1

/** mt value of a pageblock that lies in no zone (PageblockMapDto.mt) */
export const MT_NONE = 255

// compile-time checks: the copies above equal the contract's constants
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _pageClassesMatch: Same<typeof PAGE_CLASSES, typeof CONTRACT_PAGE_CLASSES> = true
const _versionMatch: Same<typeof CONTRACT_VERSION, typeof CONTRACT_CONTRACT_VERSION> = true
void _pageClassesMatch
void _versionMatch

export function isHostError(e: unknown): e is HostError {
  return typeof e === 'object' && e !== null && typeof (e as HostError).code === 'string' && typeof (e as HostError).message === 'string'
}

/** Any thrown value as a HostError in plain words. */
export function asHostError(e: unknown): HostError {
  if (isHostError(e)) return { code: e.code, message: e.message }
  if (e instanceof Error) return { code: 'internal', message: e.message }
  return { code: 'internal', message: String(e) }
}
