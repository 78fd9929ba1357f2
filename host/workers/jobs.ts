/**
 * The jobs the engine's worker threads run, as plain data (structured-clone safe), and what each
 * one answers. A job names its snapshot by path plus the snapshot's unpacked bundles
 * (`shared`), so a worker never unpacks a `.tar.gz` the host already has open.
 */
import type { CompactWhatIfOptions, CompactWhatIfResult, ModelTransfer, PageblockMap } from '../../engine/index.ts'
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
 * Seeds of a compaction ensemble: an exact layout is loaded once and each seed runs on a copy
 * of it; a synthesized layout is made again for each seed (the seed is the layout's).
 */
export interface SeedJob {
  kind: 'compact-seeds'
  target: Target
  runs: Array<{ seed: number; options: CompactWhatIfOptions }>
  /**
   * An exact layout as the host loaded it (a copy made before its own run), so the worker starts
   * from it instead of decoding kpageflags and inferring the layout again; with its THP order.
   */
  exact?: { model: ModelTransfer; hpageOrder: number }
}

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
        : J extends SeedJob ? CompactWhatIfResult[]
          : J extends MixedJob ? MixedResult
            : J extends FleetRowJob ? FleetRow[]
              : never
