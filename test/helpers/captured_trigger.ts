/**
 * `whatif compact` on a capture, run as host/whatif/compact.ts runs the captured trigger (the
 * options compactOptions builds), on a model a test may change first; and the end of its zone
 * Normal compaction. For the fidelity tests that place pages by hand before the run.
 */
import { join } from 'node:path'
import { runCompactWhatIf, type CompactWhatIfResult, type CompactionEvent } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions } from '../../host/whatif/compact.ts'

export type Snapshot = Awaited<ReturnType<typeof loadSnapshot>>

/** the what-if of the trigger that follows `capture` in the run folder `run` (exact layout, seed 1); `place` changes the model first */
export async function capturedTriggerWhatIf(run: string, capture: string, place?: (s: Snapshot) => void): Promise<CompactWhatIfResult> {
  const ctx = (await seriesContext(run, capture))!
  const s = await loadSnapshot(join(run, capture), { layout: 'exact', seed: 1 })
  place?.(s)
  return runCompactWhatIf(s.model, s.allocator, { ...(await compactOptions(s, ctx, { pinned: 'auto' }, 1).options(1)), eventLimit: 1_000_000 }, s.capture.machine.hpageOrder)
}

/** the mm_compaction_end event of zone Normal */
export const normalEnd = (r: CompactWhatIfResult): Extract<CompactionEvent, { name: 'mm_compaction_end' }> =>
  r.events.filter((e): e is Extract<CompactionEvent, { name: 'mm_compaction_end' }> => e.name === 'mm_compaction_end' && e.zone.includes('Normal'))[0]!
