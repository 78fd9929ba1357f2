/**
 * Where the pinned pages of a PinnedAssumption sit, for the contiguous-allocation what-ifs.
 * Same assumption type and the same seeded choice as assumptions.ts (applyPinned), with three
 * refinements the verdicts need:
 *
 *  1. Long-term pins and CMA / ZONE_MOVABLE (6.1 mm/gup.c `check_and_migrate_movable_pages`,
 *     `is_longterm_pinnable_page`): since ~5.7 FOLL_LONGTERM pins first migrate the page out of
 *     CMA pageblocks and ZONE_MOVABLE, so such pins are never there. With `migrateBeforePin`
 *     the pins are chosen among anonymous pages outside CMA blocks and ZONE_MOVABLE (a listed
 *     PFN inside is taken as migrated away and not pinned). vmsplice/short-term references are
 *     not FOLL_LONGTERM and can sit anywhere: switch it off for them.
 *  2. get_user_pages marks every page it takes referenced (gup_pte_range → SetPageReferenced;
 *     FOLL_TOUCH → mark_page_accessed on the slow path), and nothing else sets PG_referenced on a
 *     mapped anonymous page but reclaim: in every harness run whose workload vmsplice-pinned N
 *     pages the exact layout holds about N anonymous LRU pages with KPF_REFERENCED, 2–4 without
 *     pins (MemoryModel.referencedAnon), and the kernel's compaction leaves them in place. Pins
 *     are placed on those pages first.
 *  3. A capture taken after a full compaction (the series' steps.log shows node compact or
 *     compact_memory after the workload) has already sorted pins from movable pages: a page a
 *     full compaction would still move now is one the real compaction could not move. With
 *     placement 'after-compaction' the pins are chosen first among those pages (found by running
 *     full compaction, kernel 6.1 rules, on a copy without pins), the rest uniformly.
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import { PageKind } from '../mm/page.ts'
import { Rng } from '../sim/rng.ts'
import { cloneModel } from '../mm/serialize.ts'
import { Compactor } from '../mm/compaction.ts'
import type { PageAllocator } from '../mm/page_alloc.ts'
import type { PinnedAssumption } from './assumptions.ts'

export type PinPlacement = 'uniform' | 'after-compaction'

export interface PinOptions {
  /** long-term pins migrate out of CMA and ZONE_MOVABLE before pinning (the kernel's behaviour since ~5.7) */
  migrateBeforePin: boolean
  placement: PinPlacement
}

function pinnableHere(m: MemoryModel, pfn: number, opts: PinOptions): boolean {
  if (!opts.migrateBeforePin) return true
  const mts = m.migratetypes
  if (mts.cma >= 0 && m.getPageblockMigratetype(pfn) === mts.cma) return false
  return m.zoneOf(pfn)?.name !== 'Movable'
}

/** Anonymous pages a full compaction of the current layout would migrate (model indices into memMap). */
export function compactionStragglers(m: MemoryModel, alloc: PageAllocator): Set<number> {
  const { model, allocator } = cloneModel(m, alloc.policy)
  new Compactor(allocator, {}).compactMemory('sync')
  const out = new Set<number>()
  for (let i = 0; i < m.memMap.length; i++) if (m.memMap[i] === PageKind.ANON && model.memMap[i] !== PageKind.ANON) out.add(i)
  return out
}

/**
 * compactionStragglers() found once for many models in the same state (an ensemble's runs, each
 * on a copy of one layout, placing their pins first): one answer per allocator policy (the
 * running CPU is in it; the copy the stragglers are found on takes only the policy).
 */
export class StragglerMemo {
  private readonly found = new Map<string, Set<number>>()

  get(m: MemoryModel, alloc: PageAllocator): Set<number> {
    const key = JSON.stringify(alloc.policy)
    let s = this.found.get(key)
    if (!s) {
      s = compactionStragglers(m, alloc)
      this.found.set(key, s)
    }
    return s
  }
}

/**
 * Mark the assumption's pinned pages in the model. Returns how many and the sentences the
 * verdict must carry. `memo`: only for models that are all copies of one layout, not yet changed.
 */
export function placePins(m: MemoryModel, alloc: PageAllocator, a: PinnedAssumption, opts: PinOptions, memo?: StragglerMemo): { pinned: number; says: string[] } {
  const base = m.basePfn
  const says: string[] = []
  const mb = opts.migrateBeforePin
    ? 'pins are long-term (FOLL_LONGTERM) pins, which 6.1 migrates out of CMA pageblocks and ZONE_MOVABLE before pinning: none sit there'
    : 'pins may sit in CMA pageblocks and ZONE_MOVABLE (short-term references such as vmsplice, or a kernel without migrate-before-pin)'
  if (a.kind === 'none') return { pinned: 0, says: ['no pinned pages assumed (pins are invisible in a capture)'] }
  if (a.kind === 'pfns') {
    let n = 0
    let moved = 0
    for (const pfn of a.pfns) {
      if (pfn < base || pfn >= m.endPfn) continue
      const b = m.memMap[pfn - base]!
      if (b !== PageKind.ANON && b !== PageKind.FILE && b !== PageKind.UNEVICTABLE && b !== PageKind.WRITEBACK) continue
      if (!pinnableHere(m, pfn, opts)) {
        moved++
        continue
      }
      m.memMap[pfn - base] = PageKind.PINNED
      n++
    }
    says.push(`${n} pages pinned at the PFNs listed in ${a.source}${moved ? `; ${moved} listed PFNs lie in CMA/ZONE_MOVABLE and are taken as migrated away before pinning` : ''}`, mb)
    return { pinned: n, says }
  }
  const anon: number[] = []
  let excluded = 0
  for (let i = 0; i < m.memMap.length; i++) {
    if (m.memMap[i] !== PageKind.ANON) continue
    if (!pinnableHere(m, i + base, opts)) {
      excluded++
      continue
    }
    anon.push(i)
  }
  const want = a.kind === 'pages' ? Math.min(a.count, anon.length) : Math.round((anon.length + excluded) * Math.min(1, Math.max(0, a.fraction)))
  const n = Math.min(want, anon.length)
  const rng = new Rng(a.seed ?? 1)
  // the groups pins are drawn from in turn, each in PFN order before its seeded partial shuffle:
  // the pages get_user_pages marked referenced, then (after a full compaction) the stragglers, then the rest
  const ref = m.referencedAnon
  const groups: number[][] = []
  if (ref.size > 0) {
    const r: number[] = []
    const rest: number[] = []
    for (const i of anon) (ref.has(i + base) ? r : rest).push(i)
    groups.push(r)
    anon.length = 0
    for (const i of r) anon.push(i)
    for (const i of rest) anon.push(i)
    says.push(`${r.length} of the anonymous pages carry KPF_REFERENCED, which get_user_pages sets on the pages it takes (gup_pte_range → SetPageReferenced; in the harness runs they are the workload's vmsplice pins, to within 6, and 2–4 other pages): pins are placed there first${r.length < n ? `, the other ${n - r.length} as follows` : ''}`)
  }
  const done = groups.reduce((t, g) => t + g.length, 0)
  if (opts.placement === 'after-compaction' && done < n) {
    const strag = memo ? memo.get(m, alloc) : compactionStragglers(m, alloc)
    // stragglers to the front of what is left (keeping PFN order)
    const s: number[] = []
    const r: number[] = []
    for (let k = done; k < anon.length; k++) (strag.has(anon[k]!) ? s : r).push(anon[k]!)
    anon.length = done
    for (const i of s) anon.push(i)
    for (const i of r) anon.push(i)
    groups.push(s)
    says.push(`the capture follows a full compaction: the ${s.length} anonymous pages a full compaction would still move${done > 0 ? ' (of those not referenced)' : ''} are pages the real one could not move, so ${done > 0 ? 'the remaining ' : ''}pins are placed there ${done > 0 ? 'next' : 'first'}${s.length < n - done ? `, the other ${n - done - s.length} at random` : ''}`)
  }
  const pick = (lo: number, hi: number, k: number): void => {
    for (let j = 0; j < k; j++) {
      const t = lo + j + rng.int(hi - lo - j)
      const x = anon[lo + j]!
      anon[lo + j] = anon[t]!
      anon[t] = x
      m.memMap[anon[lo + j]!] = PageKind.PINNED
    }
  }
  let at = 0
  let left = n
  for (const g of groups) {
    const k = Math.min(left, g.length)
    if (k > 0) pick(at, at + g.length, k)
    at += g.length
    left -= k
  }
  if (left > 0) pick(at, anon.length, left)
  const what = a.kind === 'pages' ? `${n} pinned pages` : `${(a.fraction * 100).toFixed(2)}% of anonymous pages pinned (${n} pages)`
  says.unshift(`${what}, chosen among ${anon.length} anonymous pages with seed ${a.seed ?? 1} (source: ${a.source})`)
  says.push(mb)
  return { pinned: n, says }
}
