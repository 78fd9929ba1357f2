/**
 * The pages a full compaction freed onto its CPU's per-cpu lists, as two captures of a series
 * show them: the capture right after the compaction reads them flagless and unmapped (the exact
 * layout's PCP pages), the capture before it read them as pages a compaction migrates (LRU pages,
 * large folios, pinned pages). migrate_pages frees each migrated source (migrate_folio_done →
 * folio_put) onto the running CPU's list, so those pages sat on that CPU's list, the newest there
 * (its frees pushed the older pages out, free_pcppages_bulk taking the oldest); the flagless pages
 * the capture before read flagless too are older: another CPU's list, or kernel allocations
 * without page flags (pipe buffers, vmalloc) that a compaction cannot move (PageAllocator
 * setCompactionFrees).
 */
import { PageKind, PageClass, pageClass, type MemoryModel } from '../../engine/index.ts'
import { loadSnapshot } from '../load.ts'
import type { SeriesContext } from '../series.ts'
import { lastFullCompaction } from './pinned.ts'

/**
 * The label of the capture the last full compaction before this one followed, when it has page
 * flags (an exact layout), or null.
 */
export function captureBeforeLastCompaction(ctx: SeriesContext | null): string | null {
  const last = lastFullCompaction(ctx)
  if (!last || !ctx) return null
  return ctx.labels.find((l) => Number(/^(\d+)/.exec(l)?.[1] ?? NaN) === last.afterIndex) ?? null
}

/** The PCP pages of `model` that `before` holds as pages a compaction migrates. */
export function freedSince(model: MemoryModel, before: MemoryModel): Set<number> {
  const out = new Set<number>()
  const map = model.memMap
  const base = model.basePfn
  const bmap = before.memMap
  const bbase = before.basePfn
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== PageKind.PCP) continue
    const j = i + base - bbase
    if (j < 0 || j >= bmap.length) continue
    const c = pageClass(bmap[j]!)
    if (c === PageClass.MOVABLE || c === PageClass.PINNED) out.add(i + base)
  }
  return out
}

/**
 * The PCP pages of the exact layout of the capture in `runDir` that the capture before the last
 * full compaction (loaded from the same series, exact layout) held as pages a compaction migrates;
 * null when there is no such capture or it has no page flags.
 */
export async function compactionFreedPcp(runDir: string, model: MemoryModel, ctx: SeriesContext | null): Promise<Set<number> | null> {
  const label = captureBeforeLastCompaction(ctx)
  if (label === null) return null
  try {
    const prev = await loadSnapshot(runDir, { capture: label, layout: 'exact' })
    if (prev.model.build.method !== 'exact') return null
    return freedSince(model, prev.model)
  } catch {
    return null
  }
}
