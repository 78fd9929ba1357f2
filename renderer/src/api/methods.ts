/**
 * The contract's method names, copied (renderer code imports electron/ types only; wire.ts is the
 * one sanctioned value import). The checks below fail to compile when the contract gains, loses
 * or renames a method, so the copy cannot drift.
 */
import type { MethodName } from './types.ts'

export const METHOD_NAMES = [
  'appInfo', 'startOpenPath', 'startOpenBundled', 'startOpenUpload', 'cancelRun', 'closeSnapshot', 'listSnapshots',
  'getSnapshot', 'getPageblockMap', 'getPageblockDetail', 'listRecent', 'pickSnapshotPath', 'startWhatifCompact',
  'startWhatifContig',
] as const satisfies readonly MethodName[]

// every contract method is listed
type Missing = Exclude<MethodName, (typeof METHOD_NAMES)[number]>
const _allListed: [Missing] extends [never] ? true : { missing: Missing } = true
void _allListed
