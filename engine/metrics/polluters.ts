/**
 * Who polluted the pageblocks: page_owner records joined to a model's exact layout.
 *
 * The rule is the kernel's own (mm/page_owner.c, pagetypeinfo_showmixedcount_print(), 6.1):
 * an allocated page pollutes its pageblock when gfp_migratetype(gfp_mask) differs from
 * get_pageblock_migratetype(); a pageblock is mixed when it holds at least one such
 * allocation. The block's migratetype is the one page_owner printed ("Block N type X"), the
 * kernel's word when the file was read, not the type the layout inferred from page contents.
 * Like the kernel, a Movable allocation in a CMA block counts as mixing it.
 *
 * Culprits are grouped by stack (or by comm) and ranked by the pageblocks they made mixed,
 * not by their pages: one unmovable page ruins a whole pageblock. Fallback events show as far
 * as page_owner shows them: every polluting allocation is the footprint of an allocation that
 * fell back to (or stayed in) a block of another type; they are summed per direction
 * (page type → block type).
 *
 * Streaming: records go in one at a time (add); memory is per pageblock with allocations and
 * per distinct stack, never per record.
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import type { PageOwnerRecord } from '../procfs/page_owner.ts'

export type PolluterGrouping = 'stack' | 'comm'

export interface PolluterGroup {
  /** The stack (innermost first); for --by comm, the stack behind most of the comm's polluting pages. */
  stack: string[]
  /** First frame outside the page and slab allocators (post_alloc_hook, __alloc_pages, allocate_slab, kmem_cache_alloc, …): where the allocation came from. */
  site: string
  /** The comm; for --by stack, the comm behind most of the stack's polluting pages. */
  comm: string
  /** Pageblocks this group made mixed (holds ≥1 of its allocations of another type). */
  pageblocks: number
  /** Pages of its polluting allocations. */
  pages: number
  allocations: number
  /** Orders of its polluting allocations, most frequent first. */
  orders: number[]
  /** gfp flags of its polluting allocations, most frequent first. */
  gfp: string[]
  /** The allocations' migratetype (gfp_migratetype), most frequent first. */
  migratetypes: string[]
  /** The migratetypes of the blocks it polluted, with the number of blocks. */
  blockTypes: Record<string, number>
  /** Model pageblock indices it made mixed, ascending. */
  blocks: number[]
  /** Distinct comms (stack grouping) or stacks (comm grouping) folded into this group. */
  members: number
}

export interface FallbackDirection {
  /** The allocation's migratetype. */
  from: string
  /** The pageblock's. */
  to: string
  allocations: number
  pages: number
  pageblocks: number
}

export interface PollutersReport {
  by: PolluterGrouping
  pagesPerBlock: number
  /** Kernel pageblock number (pfn >> pageblock_order) of model pageblock 0: blocks[i] + this = page_owner's "Block N". */
  pbBase: number
  records: number
  /** Records whose PFN is outside every zone of the model (not placed). */
  unplaced: number
  /** Pages of all allocations, and of Unmovable / Reclaimable ones. */
  allocatedPages: number
  unmovablePages: number
  reclaimablePages: number
  /** Present pages of the model's zones. */
  totalPages: number
  /** Pageblocks in the model's zones. */
  totalPageblocks: number
  /** Pageblocks holding ≥1 allocation. */
  pageblocksWithAllocations: number
  /** Pageblocks holding ≥1 Unmovable allocation. */
  unmovablePageblocks: number
  /** Pageblocks holding ≥1 allocation whose migratetype differs from the block's. */
  mixedPageblocks: number
  /** mixedPageblocks per block migratetype (as pagetypeinfo's "Number of mixed blocks"; CMA under CMA). */
  mixedByBlockType: Record<string, number>
  /** unmovablePages / totalPages × 100, and unmovablePageblocks / totalPageblocks × 100. */
  unmovablePercent: number
  unmovablePageblockPercent: number
  /** Records whose block type (page_owner) differs from the layout's inferred one, per pageblock. */
  blockTypeDisagreements: number
  migratedPages: number
  fallbacks: FallbackDirection[]
  /** Every group, sorted by pageblocks, then pages, then stack/comm text. */
  polluters: PolluterGroup[]
}

/** Page- and slab-allocator internals skipped when naming a stack's site. */
const ALLOCATOR = /^(alloc_slab_page|allocate_slab|new_slab|___slab_alloc|__slab_alloc\w*|slab_alloc\w*|kmem_cache_alloc\w*|__kmem_cache_alloc\w*|kmalloc\w*|__kmalloc\w*|kmalloc_large\w*|kmalloc_order\w*|post_alloc_hook|prep_new_page|get_page_from_freelist|__alloc_pages\w*|alloc_pages\w*|__alloc_frozen_pages\w*|alloc_frozen_pages\w*|__folio_alloc\w*|folio_alloc\w*|__alloc_pages_slowpath\w*|alloc_page_interleave|__get_free_pages|get_zeroed_page\w*|__page_cache_alloc\w*|vma_alloc_folio\w*|__vma_alloc_folio\w*|alloc_pages_mpol\w*|__alloc_pages_bulk\w*|alloc_pages_bulk\w*|stack_trace_save|save_stack|__set_page_owner|set_page_owner)\b/

/** Function name of a frame "name+0x1a/0x40 [module]". */
export function frameFunction(frame: string): string {
  const m = /^([^+\s]+)/.exec(frame)
  return m ? (m[1] as string) : frame
}

/** The first frame outside the page and slab allocators (the last frame when all are inside). */
export function stackSite(stack: readonly string[]): string {
  for (const f of stack) if (!ALLOCATOR.test(frameFunction(f))) return frameFunction(f)
  return stack.length ? frameFunction(stack[stack.length - 1] as string) : '(no stack)'
}

interface GroupAcc {
  stack: string[]
  comm: string
  blocks: Set<number>
  pages: number
  allocations: number
  orders: Map<number, number>
  gfp: Map<string, number>
  mts: Map<string, number>
  /** comm (stack grouping) or stack key (comm grouping) → pages */
  members: Map<string, number>
}

interface BlockAcc {
  mt: string
  unmovable: boolean
  mixed: boolean
}

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n)
}

function byCount<K>(m: Map<K, number>): K[] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0)).map(([k]) => k)
}

/** Accumulates page_owner records on a model; `finish()` gives the report. */
export class PollutersBuilder {
  private readonly blocks = new Map<number, BlockAcc>()
  private readonly groups = new Map<string, GroupAcc>()
  private readonly stacks = new Map<string, string[]>()
  private readonly fallbacks = new Map<string, { from: string; to: string; allocations: number; pages: number; blocks: Set<number> }>()
  private records = 0
  private unplaced = 0
  private allocatedPages = 0
  private unmovablePages = 0
  private reclaimablePages = 0
  private migratedPages = 0
  private disagreements = 0

  constructor(private readonly model: MemoryModel, readonly by: PolluterGrouping = 'stack') {}

  add(r: PageOwnerRecord): void {
    this.records++
    const m = this.model
    const pages = 2 ** r.order
    if (m.zoneOf(r.pfn) === null) {
      this.unplaced++
      return
    }
    this.allocatedPages += pages
    if (r.pageMigratetype === 'Unmovable') this.unmovablePages += pages
    else if (r.pageMigratetype === 'Reclaimable') this.reclaimablePages += pages
    if (r.migrateReason !== null) this.migratedPages += pages
    // an allocation of order > pageblock_order spans several blocks: place every one
    const first = m.pbIndex(r.pfn)
    const last = m.pbIndex(r.pfn + pages - 1)
    const polluting = r.pageMigratetype !== r.blockMigratetype
    const stackKey = r.stack.join('\n')
    let stack = this.stacks.get(stackKey)
    if (stack === undefined) {
      stack = r.stack.slice()
      this.stacks.set(stackKey, stack)
    }
    for (let pb = first; pb <= last && pb < m.nrPageblocks; pb++) {
      let b = this.blocks.get(pb)
      if (b === undefined) {
        b = { mt: r.blockMigratetype, unmovable: false, mixed: false }
        this.blocks.set(pb, b)
        if (m.migratetypes.names[m.pageblockMt[pb]!] !== r.blockMigratetype) this.disagreements++
      }
      if (r.pageMigratetype === 'Unmovable') b.unmovable = true
      if (!polluting) continue
      b.mixed = true
      const comm = r.comm ?? (r.pid !== null ? `pid ${r.pid}` : '(unknown)')
      const key = this.by === 'stack' ? stackKey : comm
      let g = this.groups.get(key)
      if (g === undefined) {
        g = { stack, comm, blocks: new Set(), pages: 0, allocations: 0, orders: new Map(), gfp: new Map(), mts: new Map(), members: new Map() }
        this.groups.set(key, g)
      }
      g.blocks.add(pb)
      let f = this.fallbacks.get(`${r.pageMigratetype}>${r.blockMigratetype}`)
      if (f === undefined) {
        f = { from: r.pageMigratetype, to: r.blockMigratetype, allocations: 0, pages: 0, blocks: new Set() }
        this.fallbacks.set(`${r.pageMigratetype}>${r.blockMigratetype}`, f)
      }
      f.blocks.add(pb)
      if (pb !== first) continue
      // pages and allocations once per record
      g.pages += pages
      g.allocations++
      bump(g.orders, r.order)
      bump(g.gfp, r.gfp)
      bump(g.mts, r.pageMigratetype)
      bump(g.members, this.by === 'stack' ? comm : stackKey, pages)
      f.allocations++
      f.pages += pages
    }
  }

  finish(): PollutersReport {
    const m = this.model
    let totalPages = 0
    for (const z of m.zones) totalPages += z.present
    let totalPageblocks = 0
    for (let pb = 0; pb < m.nrPageblocks; pb++) if (m.zoneIndexOfPageblock(pb) >= 0) totalPageblocks++
    let mixed = 0
    let unmovableBlocks = 0
    const mixedByBlockType: Record<string, number> = {}
    for (const b of this.blocks.values()) {
      if (b.unmovable) unmovableBlocks++
      if (b.mixed) {
        mixed++
        mixedByBlockType[b.mt] = (mixedByBlockType[b.mt] ?? 0) + 1
      }
    }
    const polluters: PolluterGroup[] = []
    for (const g of this.groups.values()) {
      const top = byCount(g.members)[0]
      const stack = this.by === 'comm' && top !== undefined ? (this.stacks.get(top) ?? g.stack) : g.stack
      const comm = this.by === 'stack' && top !== undefined ? top : g.comm
      const blockTypes: Record<string, number> = {}
      for (const pb of g.blocks) {
        const t = this.blocks.get(pb)?.mt ?? '?'
        blockTypes[t] = (blockTypes[t] ?? 0) + 1
      }
      polluters.push({
        stack, site: stackSite(stack), comm,
        pageblocks: g.blocks.size, pages: g.pages, allocations: g.allocations,
        orders: byCount(g.orders), gfp: byCount(g.gfp), migratetypes: byCount(g.mts),
        blockTypes, blocks: [...g.blocks].sort((a, b) => a - b), members: g.members.size,
      })
    }
    const key = (p: PolluterGroup): string => (this.by === 'stack' ? p.stack.join('\n') : p.comm)
    polluters.sort((a, b) => b.pageblocks - a.pageblocks || b.pages - a.pages || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    const fallbacks = [...this.fallbacks.values()]
      .map((f) => ({ from: f.from, to: f.to, allocations: f.allocations, pages: f.pages, pageblocks: f.blocks.size }))
      .sort((a, b) => b.pageblocks - a.pageblocks || b.pages - a.pages || (a.from + a.to < b.from + b.to ? -1 : 1))
    const pct = (a: number, b: number): number => (b > 0 ? (a / b) * 100 : 0)
    return {
      by: this.by,
      pagesPerBlock: m.pageblockNrPages,
      pbBase: m.pbBase,
      records: this.records,
      unplaced: this.unplaced,
      allocatedPages: this.allocatedPages,
      unmovablePages: this.unmovablePages,
      reclaimablePages: this.reclaimablePages,
      totalPages,
      totalPageblocks,
      pageblocksWithAllocations: this.blocks.size,
      unmovablePageblocks: unmovableBlocks,
      mixedPageblocks: mixed,
      mixedByBlockType,
      unmovablePercent: pct(this.unmovablePages, totalPages),
      unmovablePageblockPercent: pct(unmovableBlocks, totalPageblocks),
      blockTypeDisagreements: this.disagreements,
      migratedPages: this.migratedPages,
      fallbacks,
      polluters,
    }
  }
}

/** One allocated page range of a pageblock and who allocated it (the page-level view). */
export interface PageOwnerOfRange {
  pfn: number
  order: number
  pages: number
  comm: string | null
  pid: number | null
  gfp: string
  migratetype: string
  blockMigratetype: string
  polluting: boolean
  site: string
  stack: string[]
  tsNs: number | null
  migrateReason: string | null
}

/** Collects the records of one PFN range [start, end) (a pageblock); feed with add(). */
export class RangeOwners {
  readonly owners: PageOwnerOfRange[] = []

  constructor(readonly start: number, readonly end: number) {}

  add(r: PageOwnerRecord): void {
    const pages = 2 ** r.order
    if (r.pfn + pages <= this.start || r.pfn >= this.end) return
    this.owners.push({
      pfn: r.pfn, order: r.order, pages, comm: r.comm, pid: r.pid, gfp: r.gfp,
      migratetype: r.pageMigratetype, blockMigratetype: r.blockMigratetype,
      polluting: r.pageMigratetype !== r.blockMigratetype, site: stackSite(r.stack), stack: r.stack,
      tsNs: r.tsNs, migrateReason: r.migrateReason,
    })
  }
}
