/**
 * Per-page state: one byte per PFN in MemoryModel.memMap (the model's struct page).
 *
 * Encoding (1 byte per page, so a 1 TiB machine of 4 KiB pages costs 256 MiB):
 *   0x80 | mt << 4 | order   head page of a free buddy block on free list (order, mt)
 *   0x40 | order             head of a THP (LRU, movable compound)
 *   0x50 | order             head of a hugetlb page
 *   0x60 | order             head of another LRU large folio (file-backed, movable)
 *   0x00..0x3f               a PageKind below (tails of free blocks are BUDDY_TAIL,
 *                            tails of compound pages are COMPOUND_TAIL)
 * Mirrors the parts of struct page that fragmentation depends on (PageBuddy + buddy order,
 * LRU/anon/slab/pgtable/reserved flags, compound head/tail), following kernel 6.1 semantics.
 */

export const enum PageKind {
  /** no struct page / not RAM / outside every zone */
  HOLE = 0,
  /** PG_reserved: memblock/boot reserved, never movable */
  RESERVED = 1,
  /** inside a free buddy block, not its head */
  BUDDY_TAIL = 2,
  /** free but cached on a per-cpu list (not PageBuddy, not counted in buddyinfo) */
  PCP = 3,
  /** anonymous LRU page: migratable */
  ANON = 4,
  /** page-cache LRU page: migratable (clean ones also reclaimable) */
  FILE = 5,
  /** unevictable/mlocked LRU page: migratable only if compact_unevictable_allowed */
  UNEVICTABLE = 6,
  /** would be movable but holds a long-term pin (FOLL_LONGTERM): migration fails */
  PINNED = 7,
  /** LRU page under writeback: async compaction skips it, sync waits */
  WRITEBACK = 8,
  /** reclaimable slab (SLAB_RECLAIM_ACCOUNT caches) */
  SLAB_RECLAIMABLE = 9,
  /** unreclaimable slab */
  SLAB = 10,
  /** page-table page */
  PAGETABLE = 11,
  /** other kernel allocation: non-LRU, in use (vmalloc, drivers, kernel stacks, pipe buffers) */
  KERNEL = 12,
  /** non-LRU movable page (zsmalloc, balloon): migratable through movable_operations */
  MOVABLE_OPS = 13,
  /** logically offline (balloon inflated, memory hot-unplug) */
  OFFLINE = 14,
  /** hardware poisoned */
  HWPOISON = 15,
  /** tail page of a compound page (THP, hugetlb, large folio) */
  COMPOUND_TAIL = 16,
  /** the shared zero page */
  ZERO = 17,
  /** a free page taken off the free lists by the compaction free scanner (a migration target) */
  ISOLATED_FREE = 18,
  /**
   * not yet initialised by the kernel (deferred struct page init, e.g. deferred_init=lazy):
   * present but outside the buddy allocator's view, like a hole to compaction and pagetypeinfo
   */
  UNINIT = 19,
  /**
   * Transient, never in a model: an anonymous page not on an LRU list (kpageflags KPF_ANON
   * without KPF_LRU, no compound bit), as the kpageflags decode gives it; ExactLayoutBuilder.finish
   * turns it into a KERNEL page (as read) listed in MemoryModel.lruAddPages and captureToolPages
   */
  ANON_NOT_LRU = 20,
  /**
   * Transient, never in a model: a tail page of a compound page that is neither on an LRU list nor
   * hugetlb (a slab of order > 0, a kmalloc_large or other __GFP_COMP kernel allocation; kpageflags
   * KPF_TAIL), as the kpageflags decode gives it; ExactLayoutBuilder.finish gives it its head's kind
   * and marks it in MemoryModel.kernelCompoundTails
   */
  KERNEL_COMPOUND_TAIL = 21,
  /**
   * Transient, never in a model: an anonymous LRU page with PG_referenced (kpageflags KPF_LRU,
   * KPF_ANON and KPF_REFERENCED; not unevictable, mlocked, under writeback or compound), as the
   * kpageflags decode gives it; ExactLayoutBuilder.finish turns it into an ANON page listed in
   * MemoryModel.referencedAnon
   */
  ANON_REFERENCED = 22,
}

/** the kinds a model holds (PageKind.ANON_NOT_LRU, KERNEL_COMPOUND_TAIL and ANON_REFERENCED, transient, are not among them) */
export const NR_PAGE_KINDS = 20

export const PAGE_KIND_NAMES: readonly string[] = [
  'hole', 'reserved', 'buddy', 'pcp', 'anon', 'file', 'unevictable', 'pinned', 'writeback',
  'slab_reclaimable', 'slab', 'pagetable', 'kernel', 'movable_ops', 'offline', 'hwpoison',
  'compound_tail', 'zero', 'isolated_free', 'uninitialised',
]

export const FREE_HEAD = 0x80
export const THP_HEAD = 0x40
export const HUGETLB_HEAD = 0x50
export const FOLIO_HEAD = 0x60

export function freeHead(mt: number, order: number): number {
  return FREE_HEAD | (mt << 4) | order
}
export function isFreeHead(b: number): boolean {
  return (b & FREE_HEAD) !== 0
}
export function freeHeadMt(b: number): number {
  return (b >> 4) & 7
}
export function headOrder(b: number): number {
  return b & 0x0f
}
export function isCompoundHead(b: number): boolean {
  return b >= 0x40 && b < 0x70
}
export function compoundHead(kind: number, order: number): number {
  return kind | order
}

/**
 * map.fill(v, from, to) for page bytes: a loop for a few pages, where a call of
 * TypedArray.prototype.fill costs more than the stores it makes
 */
export function fillPages(map: Uint8Array, v: number, from: number, to: number): void {
  if (to - from > 16) map.fill(v, from, to)
  else for (let i = from; i < to; i++) map[i] = v
}

/** Kinds that the buddy allocator counts as free (PageBuddy head or tail). */
export function isBuddyPage(b: number): boolean {
  return isFreeHead(b) || b === PageKind.BUDDY_TAIL
}

/** Coarse class used by metrics, maps and reports. */
export const enum PageClass {
  HOLE = 0,
  FREE = 1,
  MOVABLE = 2,
  RECLAIMABLE = 3,
  UNMOVABLE = 4,
  PINNED = 5,
}

/**
 * Classify a page byte. Compound tails report their own class as MOVABLE (THP/folio) or
 * UNMOVABLE (hugetlb) only when the head is known; callers that need it use compoundClass().
 */
export function pageClass(b: number): PageClass {
  if (b & FREE_HEAD) return PageClass.FREE
  if (b >= 0x40) return (b & 0xf0) === HUGETLB_HEAD ? PageClass.UNMOVABLE : PageClass.MOVABLE
  switch (b) {
    case PageKind.HOLE:
    case PageKind.UNINIT: return PageClass.HOLE
    case PageKind.BUDDY_TAIL:
    case PageKind.ISOLATED_FREE:
    case PageKind.PCP: return PageClass.FREE
    case PageKind.ANON:
    case PageKind.FILE:
    case PageKind.UNEVICTABLE:
    case PageKind.WRITEBACK:
    case PageKind.MOVABLE_OPS:
    case PageKind.COMPOUND_TAIL: return PageClass.MOVABLE
    case PageKind.SLAB_RECLAIMABLE: return PageClass.RECLAIMABLE
    case PageKind.PINNED: return PageClass.PINNED
    default: return PageClass.UNMOVABLE
  }
}

/** Human name of a page byte, e.g. "free order 3 (Movable list)" needs the migratetype table; this gives the kind only. */
export function pageKindName(b: number): string {
  if (b & FREE_HEAD) return 'buddy'
  if ((b & 0xf0) === THP_HEAD) return 'thp'
  if ((b & 0xf0) === HUGETLB_HEAD) return 'hugetlb'
  if ((b & 0xf0) === FOLIO_HEAD) return 'large_folio'
  return PAGE_KIND_NAMES[b] ?? `unknown(${b})`
}

/** Pages outside the buddy allocator's view: no struct page, or not initialised yet. */
export function isOutsideBuddy(b: number): boolean {
  return b === PageKind.HOLE || b === PageKind.UNINIT
}
