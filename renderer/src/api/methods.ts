/** The contract's method names (a copy of Object.keys(METHODS), checked at compile time). */
import type { MethodName } from './types.ts'

export const METHOD_NAMES = [
  'appInfo', 'startOpenPath', 'startOpenBundled', 'startOpenUpload', 'cancelRun', 'closeSnapshot', 'listSnapshots',
  'getSnapshot', 'getPageblockMap', 'getPageblockDetail', 'listRecent', 'pickSnapshotPath',
] as const satisfies readonly MethodName[]

// every contract method is listed
type Missing = Exclude<MethodName, (typeof METHOD_NAMES)[number]>
const _allListed: [Missing] extends [never] ? true : false = true
void _allListed
