/**
 * The jobs the engine's worker threads run, as plain data (structured-clone safe), and what each
 * one answers. A job names its snapshot by path plus the snapshot's unpacked bundles
 * (`shared`), so a worker never unpacks a `.tar.gz` the host already has open.
 */
import type { CompactSeedOutcome, CompactWhatIfOptions, ModelTransfer, PageblockMap } from '../../engine/index.ts'
import type { WhatifCompactRequest, WhatifContigRequest } from '../../contract/schemas.ts'
import type { SharedExtraction } from '../sources/snapshot_source.ts'
import type { LayoutChoice } from '../load.ts'
import type { InspectJson } from '../summary.ts'
import type { WhatifCompactJson } from '../whatif/compact.ts'
import type { ContigJson } from '../whatif/contig.ts'
import type { FleetRow } from '../fleet.ts'

/** Which snapshot, which capture of it, which layout. */
export interface Target {
  path: string
  /** bundles the host already unpacked for this snapshot */
  shared?: SharedExtraction[]
  capture?: string
  layout: LayoutChoice
  seed: number
}

export interface OpenJob {
  kind: 'open'
  target: Target
}

export interface OpenResult {
  inspect: InspectJson
  extfragThreshold: number
  model: ModelTransfer
  map: PageblockMap
}

/** A what-if compaction (its seeds, if any, go back to the pool through the job's port). */
export interface CompactJob {
  kind: 'whatif-compact'
  target: Target
  request: WhatifCompactRequest
  /** also answer the pageblock map after the run and the pageblocks that changed (the app) */
  withMaps: boolean
}

export interface ContigJob {
  kind: 'whatif-contig'
  target: Target
  request: WhatifContigRequest
}

/**
 * Seeds of a compaction ensemble. Every job of one ensemble carries all its runs and takes them
 * one at a time from a shared counter (`queue`), so the threads that run its jobs share the
 * seeds between them however busy each is. An exact layout comes as the host loaded it, in
 * shared memory that every job reads and none changes; each run starts from a copy of it. A
 * synthesized layout is read and parsed once per job and made for each seed (the seed is the
 * layout's).
 */
export interface SeedJob {
  kind: 'compact-seeds'
  target: Target
  runs: Array<{ seed: number; options: CompactWhatIfOptions }>
  /** an Int32 at 0: the index of the next run to take (Atomics.add) */
  queue: SharedArrayBuffer
  /** the exact layout as the host loaded it (memMap and the pageblock arrays in SharedArrayBuffers), with its THP order */
  exact?: { model: ModelTransfer; hpageOrder: number }
}

/** What a seed job answers: the outcome of each run it took, by the run's index. */
export type SeedDone = Array<{ index: number; outcome: CompactSeedOutcome }>

/** The mixed pageblocks per zone of a capture's exact layout (a timeline's captures, side by side). */
export interface MixedJob {
  kind: 'mixed-pageblocks'
  target: Target
}

export type MixedResult = Array<{ node: number; zone: string; mixed: Record<string, number> }>

/** Rows of the fleet view (host/fleet.ts) for a batch of captures (`target` is the first). */
export interface FleetRowJob {
  kind: 'fleet-rows'
  target: Target
  paths: string[]
}

export type EngineJob = OpenJob | CompactJob | ContigJob | SeedJob | MixedJob | FleetRowJob

export type EngineResult<J extends EngineJob> =
  J extends OpenJob ? OpenResult
    : J extends CompactJob ? WhatifCompactJson
      : J extends ContigJob ? ContigJson
        : J extends SeedJob ? SeedDone
          : J extends MixedJob ? MixedResult
            : J extends FleetRowJob ? FleetRow[]
              : never
