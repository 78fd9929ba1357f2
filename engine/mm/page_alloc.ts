/**
 * The buddy allocator: free lists, split and merge, migratetype fallback, watermarks and the
 * zonelist walk. Mirrors mm/page_alloc.c of kernel 6.1 (`__free_one_page`, `expand`,
 * `__rmqueue_smallest`, `__rmqueue_fallback`, `steal_suitable_fallback`, `__zone_watermark_ok`,
 * `get_page_from_freelist`, `reserve_highatomic_pageblock`, `__setup_per_zone_wmarks`), with the
 * ≥6.15 claim/steal fallback (`__rmqueue_claim`, `try_to_claim_block`, `__rmqueue_steal`) as a
 * switch (AllocPolicy.fallback).
 *
 * Per-cpu lists: order-0 lists per captured CPU (zoneinfo pagesets); the CPU the simulation
 * runs on has one per pcp migratetype (Unmovable, Movable, Reclaimable: a page goes on its
 * pageblock's), takes the frees (`free_unref_page`) and returns the oldest of the freed page's
 * list to buddy first (`free_pcppages_bulk` drains the requested list before the others; as
 * many as 6.1's or 6.7+'s `nr_pcp_free` says; 6.1's free_factor stops at CONFIG_PCP_BATCH_SCALE_MAX
 * as in the 6.1 stable series, and an order 1–3 free after a run of frees returns the whole list,
 * the free_high path of `free_unref_page_commit`); the other CPUs (one list each, each page
 * standing for its pageblock type's list) only return theirs on a drain (`drain_all_pages`) or a
 * decay (`decay_pcp_high`, 6.7+: after the simulated work, and before it as far as a zoneinfo
 * re-read shows: pcpDecayedBeforeTrigger), in `free_pcppages_bulk`'s pindex order (the
 * Unmovable list's oldest first, then Movable, then Reclaimable).
 * The running CPU also has the per-order lists of orders 1 to PAGE_ALLOC_COSTLY_ORDER (5.13+; pindex
 * order × 3 + migratetype), which 6.9+ compaction fills with the large folios it migrated and the
 * targets it did not use (`free_frozen_pages`): `free_pcppages_bulk` takes the freed page's list
 * first and goes round the others in pindex order, so the bulk frees of order-0 pages (whose
 * Movable list holds thousands) leave them, and only a bulk free that an order 1–3 free triggers
 * drains them (6.7+'s free_high, which drains more, needs free_count at batch + high_min / 2).
 * The capture's tools' pages (MemoryModel.captureToolPages: mapped by the tools that read the
 * capture, freed when they exited) go on the list of the CPU the tools ran on (not recorded: the
 * lowest-numbered CPU), as its newest
 * (`free_unref_page_list` on 6.1, `free_unref_folios` on 6.10+ free to the current CPU's list):
 * churned out by a compaction that runs there, kept by the other CPUs' lists (every release alike).
 * Left out: allocation from pcp lists by the simulated work (`rmqueue_pcplist`: only the
 * allocations between a capture and its trigger that a zoneinfo re-read shows are taken), tail placement (FPI_TO_TAIL, shuffle, buddy_merge_likely: every free goes to the list head),
 * compaction capture, locking. Reclaim and compaction in the slow path belong to later modules.
 * Kernel source: mm/page_alloc.c (`__free_one_page`, `__rmqueue`, `steal_suitable_fallback`, `free_pcppages_bulk`).
 */
import { MemoryModel, Zone, PAGE_ALLOC_COSTLY_ORDER, ZONE_NAMES, type PcpCpu } from './mmzone.ts'
import { PageKind, freeHead, isFreeHead, headOrder, freeHeadMt, compoundHead, THP_HEAD, pageClass, PageClass, fillPages } from './page.ts'
import { VmEvents } from './vmstat.ts'

/** Which kernel's fallback rule to follow. */
export type FallbackRule = '6.1' | '6.15'

export interface AllocPolicy {
  /** '6.1': __rmqueue_fallback + steal_suitable_fallback; '6.15': __rmqueue_claim then __rmqueue_steal */
  fallback: FallbackRule
  /** vm.watermark_boost_factor (0 disables boosting) */
  watermarkBoostFactor: number
  /** page_group_by_mobility_disabled */
  mobilityDisabled: boolean
  /**
   * The CPU the simulated work (a compaction, an allocation) runs on: its per-cpu lists take
   * the pages it frees, and push its captured pcp pages back to the buddy allocator oldest
   * first. -1: the CPU whose lists held the most pages at capture time.
   */
  pcpCpu: number
  /**
   * The kernel release whose rules apply, as major × 1000 + minor (6.1 → 6001, 6.12 → 6012): the
   * pcp free batch (6.7 `nr_pcp_free` by `free_count`), the scanned-page accounting of compaction
   * (6.4), the compaction of large folios (6.9). Releases below 6.1 follow 6.1.
   */
  kernel: number
}

export const DEFAULT_POLICY: AllocPolicy = { fallback: '6.1', watermarkBoostFactor: 15000, mobilityDisabled: false, pcpCpu: -1, kernel: 6001 }

/**
 * DEFAULT_POLICY with `p`'s fields, every field written by this one literal in one order. Not
 * `{ ...DEFAULT_POLICY, ...p }`: objects made by spreading got a new hidden class after a few
 * models in one process (the 5th 64 GiB compaction of the benchmark), and every compiled
 * function that reads the policy on a hot path (the free scanner, the pcp frees) was thrown away.
 */
export function allocPolicy(p: Partial<AllocPolicy> = {}): AllocPolicy {
  const d = DEFAULT_POLICY
  return {
    fallback: 'fallback' in p ? p.fallback! : d.fallback,
    watermarkBoostFactor: 'watermarkBoostFactor' in p ? p.watermarkBoostFactor! : d.watermarkBoostFactor,
    mobilityDisabled: 'mobilityDisabled' in p ? p.mobilityDisabled! : d.mobilityDisabled,
    pcpCpu: 'pcpCpu' in p ? p.pcpCpu! : d.pcpCpu,
    kernel: 'kernel' in p ? p.kernel! : d.kernel,
  }
}

/** "6.12.117+deb12-amd64" → 6012; null or unreadable → 6001 (the rules the model started from). */
export function kernelVersionCode(release: string | null): number {
  const m = release ? /^(\d+)\.(\d+)/.exec(release) : null
  if (!m) return 6001
  return Math.max(6001, Number(m[1]) * 1000 + Number(m[2]))
}

/** The fallback rule a kernel release follows ("6.1.0-56-amd64" → 6.1; ≥ 6.15 → 6.15). */
export function fallbackRuleFor(release: string | null): FallbackRule {
  return kernelVersionCode(release) >= 6015 ? '6.15' : '6.1'
}

/**
 * The rules the model follows for a kernel release, in words, for the app and the report: the 6.1
 * allocator and compaction, then each later release's change that the policy's kernel code turns
 * on (DEFAULT_POLICY.kernel: kernelVersionCode), and the one it names without modelling. The
 * what-if's assumptions say the same per run (engine/whatif/compact.ts releaseRulesNotModelled).
 * `fallback` false: without the fallback rule's line (a caller that names fallbackRuleFor's rule
 * itself).
 */
export function releaseRules(release: string | null, opts: { fallback: boolean } = { fallback: true }): string[] {
  const k = kernelVersionCode(release)
  const out = [`page allocator and compaction: Linux 6.1 (mm/page_alloc.c, mm/compaction.c), the orders and the pageblock order read from the capture (buddyinfo's columns: NR_PAGE_ORDERS, MAX_ORDER inclusive since 6.4; pagetypeinfo's "Pages per block": CONFIG_PAGE_BLOCK_ORDER, 6.16)${k > 6001 ? `, with the changes up to kernel ${Math.floor(k / 1000)}.${k % 1000}:` : ''}`]
  if (k >= 6004) out.push('6.4: the scanners count the free blocks and compound pages they step over as scanned (isolate_migratepages_block, isolate_freepages_block)')
  if (k >= 6005) out.push('6.5: a pageblock is marked skip when the call that started at its first page takes its first page (test_and_set_skip); fast_find_migrateblock no longer marks the block it picks')
  if (k >= 6007) out.push('6.7: per-cpu high autotuning and decay (nr_pcp_high, nr_pcp_free with free_count, decay_pcp_high from vmstat_update)')
  if (k >= 6009) out.push('6.9: large folios below pageblock order migrated whole into free blocks of their order (skip_isolation_on_order, compaction_alloc), split where none is left, and a failed split ends the zone\'s compaction')
  if (k >= 6010) out.push('6.10: free-list migratetype hygiene is not modelled (the 6.1 free lists are kept)')
  if (k >= 6015 && opts.fallback) out.push('6.15: migratetype fallback by claim or steal (__rmqueue_claim, __rmqueue_steal)')
  return out
}

/** CONFIG_PCP_BATCH_SCALE_MAX (default 5; 6.7, and the 6.1 stable series): free_count (6.7+) stops growing at batch << 5, free_factor (6.1) at 5 */
export const PCP_BATCH_SCALE_MAX = 5

/** MIGRATE_PCPTYPES: the migratetypes with per-cpu lists (Unmovable, Movable, Reclaimable) */
const MIGRATE_PCPTYPES = 3
/** NR_LOWORDER_PCP_LISTS: one list per pcp migratetype for each order 0 to PAGE_ALLOC_COSTLY_ORDER (5.13+) */
export const PCP_LOW_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1)

/** The running CPU's free run: free_factor (6.1), free_count (6.7+), PCPF_PREV_FREE_HIGH_ORDER (6.7+). */
interface PcpFreeRun { factor: number; count: number; prevHigh: boolean }

/** A fixed permutation of PFNs that spreads neighbours far apart (Knuth's multiplicative hash). */
function spreadKey(pfn: number): number {
  return Math.imul(pfn, 0x9e3779b1) >>> 0
}

/**
 * pfns.sort((a, b) => spreadKey(a) − spreadKey(b) || a − b), in place: the keys are distinct while
 * every pfn is below 2^32 (a permutation of 32-bit numbers), so they sort as numbers with each
 * pfn's position along
 */
export function sortBySpreadKey(pfns: number[]): void {
  const n = pfns.length
  if (n >= 2 ** 21 || pfns.some((p) => p >= 2 ** 32)) {
    pfns.sort((a, b) => spreadKey(a) - spreadKey(b) || a - b)
    return
  }
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) keys[i] = spreadKey(pfns[i]!) * 2 ** 21 + i
  keys.sort()
  const from = pfns.slice()
  for (let i = 0; i < n; i++) pfns[i] = from[keys[i]! % 2 ** 21]!
}

/**
 * The pfns ordered by how many of them share their pageblock (fewest first), then by pfn: a
 * counting sort by that number over the pfns in increasing order
 */
export function rankByBlockCount(pfns: readonly number[], pbPages: number): number[] {
  const n = pfns.length
  const sorted = Float64Array.from(pfns).sort()
  const count = new Int32Array(n)
  for (let i = 0; i < n;) {
    const block = Math.floor(sorted[i]! / pbPages)
    let j = i + 1
    while (j < n && Math.floor(sorted[j]! / pbPages) === block) j++
    count.fill(j - i, i, j)
    i = j
  }
  const start = new Int32Array(pbPages + 2)
  for (let i = 0; i < n; i++) start[count[i]! + 1]!++
  for (let c = 1; c < start.length; c++) start[c]! += start[c - 1]!
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[start[count[i]!]!++] = sorted[i]!
  return out
}

/** The map's bytes as 32-bit words: byte i of the map is byte (i − shift) & 3 of word (i − shift) >> 2. */
export function mapWords(map: Uint8Array): { words: Uint32Array; shift: number } {
  const shift = (4 - (map.byteOffset & 3)) & 3
  const n = Math.max(0, Math.floor((map.length - shift) / 4))
  return { words: n > 0 ? new Uint32Array(map.buffer, map.byteOffset + shift, n) : new Uint32Array(0), shift }
}

/** The first index in [i, end) of the map whose byte is `kind`, or end: a word at a time (w: mapWords(map)). */
export function nextPageOfKind(map: Uint8Array, w: { words: Uint32Array; shift: number }, i: number, end: number, kind: number): number {
  // bytes up to a word boundary, then words, then the bytes of the word that holds it (or the tail)
  const { words, shift } = w
  for (; i < end && ((i - shift) & 3) !== 0; i++) if (map[i] === kind) return i
  if (i >= end) return end
  const pattern = kind * 0x01010101
  const kEnd = Math.min(words.length, (end - shift) >> 2)
  let k = (i - shift) >> 2
  // a word holds the byte when (w ^ pattern) has a zero byte: four words a step while none does,
  // then word by word
  for (; k + 4 <= kEnd; k += 4) {
    const a = words[k]! ^ pattern
    const b = words[k + 1]! ^ pattern
    const c = words[k + 2]! ^ pattern
    const d = words[k + 3]! ^ pattern
    if (((((a - 0x01010101) & ~a) | ((b - 0x01010101) & ~b) | ((c - 0x01010101) & ~c) | ((d - 0x01010101) & ~d)) & 0x80808080) !== 0) break
  }
  for (; k < kEnd; k++) {
    const x = words[k]! ^ pattern
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break
  }
  for (i = shift + (k << 2); i < end; i++) if (map[i] === kind) return i
  return end
}

/**
 * The PCP pages of map indices [start, end) in PFN order (pfn = index + base), a word at a time:
 * `hi` the first pfns of the whole pageblocks of PCP pages (THP-order pcp entries), `pages` the
 * others. A function of its own (a loop over the whole zone, run once per model) so that V8
 * compiles the loop by itself, without the cold code around it.
 */
export function pcpPagesOf(map: Uint8Array, start: number, end: number, base: number, pb: number): { pages: number[]; hi: number[] } {
  const pages: number[] = []
  const hi: number[] = []
  const w = mapWords(map)
  const pcp: number = PageKind.PCP
  for (let i = nextPageOfKind(map, w, start, end, pcp); i < end; i = nextPageOfKind(map, w, i + 1, end, pcp)) {
    const p = i + base
    if (p % pb === 0 && i + pb <= end && wholeBlockOfKind(map, i, pb, pcp)) {
      hi.push(p)
      i += pb - 1
    } else pages.push(p)
  }
  return { pages, hi }
}

/**
 * Which captured CPU's list holds each of a zone's `n` pageblock-order pcp entries (zone.pcpCpus
 * indices, -1 for an entry no CPU's count holds): not captured. A hugetlb pool's shrink frees its
 * pages on the CPU that ran it (update_and_free_page → __free_pages → free_unref_page, at
 * pageblock order where pcp_allowed_order allows it), so they sit together on one list: the
 * entries are dealt to the CPU holding the most first, as many as its count holds, then the next.
 */
export function hugePcpOwners(zone: Zone, n: number, pb: number): number[] {
  const owners: number[] = new Array<number>(n).fill(-1)
  const byCount = zone.pcpCpus.map((_, i) => i).sort((a, b) => zone.pcpCpus[b]!.count - zone.pcpCpus[a]!.count || a - b)
  let at = 0
  for (const ci of byCount) {
    const k = Math.min(n - at, Math.floor(zone.pcpCpus[ci]!.count / pb))
    for (let j = at; j < at + k; j++) owners[j] = ci
    at += k
  }
  return owners
}

function wholeBlockOfKind(map: Uint8Array, i: number, n: number, kind: number): boolean {
  for (let q = i; q < i + n; q++) if (map[q] !== kind) return false
  return true
}

/**
 * One order-0 per-cpu list of the running CPU, oldest first: a queue of pfns in a typed array
 * (32-bit while every pfn fits), so that freeing the oldest pages and pushing new ones allocates
 * nothing once it has grown. Iterable, oldest first.
 */
export class PcpList {
  private items: Int32Array | Float64Array = new Int32Array(64)
  private head = 0
  private tail = 0

  get length(): number {
    return this.tail - this.head
  }

  /** the i-th oldest page */
  at(i: number): number {
    return this.items[this.head + i]!
  }

  /** a page freed to the list: the newest */
  push(pfn: number): void {
    if (this.tail === this.items.length) {
      const n = this.tail - this.head
      if (this.head > 0 && n <= this.items.length >> 1) this.items.copyWithin(0, this.head, this.tail)
      else {
        const items = this.items instanceof Int32Array ? new Int32Array(2 * this.items.length) : new Float64Array(2 * this.items.length)
        items.set(this.items.subarray(this.head, this.tail))
        this.items = items
      }
      this.head = 0
      this.tail = n
    }
    if (pfn > 0x7fffffff && this.items instanceof Int32Array) this.items = Float64Array.from(this.items)
    this.items[this.tail++] = pfn
  }

  /** push(pfns[from]), …, push(pfns[to − 1]) */
  pushFrom(pfns: ArrayLike<number>, from: number, to: number): void {
    if (this.tail + (to - from) > this.items.length) {
      for (let q = from; q < to; q++) this.push(pfns[q]!)
      return
    }
    const items = this.items
    let t = this.tail
    for (let q = from; q < to; q++) {
      const pfn = pfns[q]!
      if (pfn > 0x7fffffff) {
        this.tail = t
        for (; q < to; q++) this.push(pfns[q]!)
        return
      }
      items[t++] = pfn
    }
    this.tail = t
  }

  /** the newest page leaves the list (rmqueue_pcplist takes the list's head); -1 when empty */
  popNewest(): number {
    if (this.tail === this.head) return -1
    return this.items[--this.tail]!
  }

  /** the k oldest pages leave the list */
  drop(k: number): void {
    // no stores in a branch: a bulk free that empties the list (first seen on a big zone, after
    // V8 has compiled this from the smaller ones) then needs no feedback the compiled code lacks
    const head = this.head + Math.min(k, this.tail - this.head)
    const empty = head === this.tail
    this.head = empty ? 0 : head
    this.tail = empty ? 0 : this.tail
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = this.head; i < this.tail; i++) yield this.items[i]!
  }
}

/** Allocation intent, as gfp_migratetype() derives it from the GFP mask. */
export type GfpIntent = 'movable' | 'reclaimable' | 'unmovable'

/** alloc_flags bits the model uses (mm/internal.h ALLOC_*). */
export const ALLOC_WMARK_MIN = 0
export const ALLOC_WMARK_LOW = 1
export const ALLOC_WMARK_HIGH = 2
export const ALLOC_NO_WATERMARKS = 4
export const ALLOC_WMARK_MASK = 7
export const ALLOC_HARDER = 0x10
export const ALLOC_HIGH = 0x20
export const ALLOC_CMA = 0x80
export const ALLOC_NOFRAGMENT = 0x100
export const ALLOC_HIGHATOMIC = 0x200
export const ALLOC_KSWAPD = 0x800

/**
 * The allocator bound to one model: owns the policy and the vmstat counters it drives.
 */
/**
 * pcp->high_min of a CPU's list: as zoneinfo prints it (6.7+), else as zone_highsize() sets it for
 * a zone without percpu_pagelist_high_fraction: the low watermark (with boost) shared among the
 * CPUs, at least 4 batches.
 */
function pcpHighMin(zone: Zone, c: PcpCpu | undefined, batch: number): number {
  return c?.highMin ?? Math.max(Math.floor((zone.wmark.low + zone.boost) / Math.max(1, zone.pcpCpus.length)), batch * 4)
}

/** One decay_pcp_high() step (6.7+) of a list holding `count` pages: its high lowered by an eighth, to no less than count − (batch << CONFIG_PCP_BATCH_SCALE_MAX) nor high_min. */
function decayedHigh(count: number, high: number, batch: number, highMin: number): number {
  return Math.max(count - batch * 2 ** PCP_BATCH_SCALE_MAX, high - Math.floor(high / 8), highMin)
}

export class PageAllocator {
  readonly model: MemoryModel
  policy: AllocPolicy
  readonly events: VmEvents
  /** zones whose boost asks kswapd/kcompactd to run (ZONE_BOOSTED_WATERMARK) */
  readonly boosted = new Set<Zone>()

  constructor(model: MemoryModel, policy: Partial<AllocPolicy> = {}, events = new VmEvents()) {
    this.model = model
    this.policy = allocPolicy(policy)
    this.events = events
  }

  // ---------------------------------------------------------------- free list primitives

  private accountFree(zone: Zone, mt: number, pages: number): void {
    const mts = this.model.migratetypes
    if (mt === mts.isolate) return
    zone.nrFreePages += pages
    if (mt === mts.cma) zone.nrFreeCmaPages += pages
  }

  /** add_to_free_list(): mark the head and put the block at the head of list (order, mt). */
  addToFreeList(zone: Zone, pfn: number, order: number, mt: number): void {
    const m = this.model
    m.memMap[pfn - m.basePfn] = freeHead(mt, order)
    zone.free.add(pfn, order, mt)
    this.accountFree(zone, mt, 1 << order)
  }

  /** del_page_from_free_list(): the head byte is left for the caller to overwrite. */
  delFromFreeList(zone: Zone, pfn: number, order: number, mt: number): void {
    zone.free.del(order, mt)
    this.accountFree(zone, mt, -(1 << order))
    const m = this.model
    m.memMap[pfn - m.basePfn] = PageKind.BUDDY_TAIL
  }

  /** move_to_free_list(): same block, other list. */
  moveToFreeList(zone: Zone, pfn: number, order: number, fromMt: number, toMt: number): void {
    this.delFromFreeList(zone, pfn, order, fromMt)
    this.addToFreeList(zone, pfn, order, toMt)
  }

  // ---------------------------------------------------------------- freeing

  /**
   * __free_one_page() (6.1): merge with the buddy while it is a free block of the same order,
   * refusing merges of order ≥ pageblock_order between pageblocks of different types when either
   * type is not mergeable; the result goes on the list of `mt`.
   * The pages [pfn, pfn + 2^order) must not be on any free list.
   */
  freeOnePage(zone: Zone, pfn: number, order: number, mt: number): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const maxOrder = m.maxOrder
    const pbOrder = m.geometry.pageblockOrder
    const mts = m.migratetypes
    const zoneStart = zone.startPfn
    const zoneEnd = zone.endPfn
    // all pages of the block become buddy tails; the final head is set by addToFreeList
    fillPages(map, PageKind.BUDDY_TAIL, pfn - base, pfn - base + (1 << order))
    while (order < maxOrder) {
      const buddy = pfn ^ (1 << order)
      if (buddy < zoneStart || buddy >= zoneEnd) break
      const b = map[buddy - base]!
      // a free block's head of the same order: bit 0x80 set, order in the low nibble
      if ((b & 0x8f) !== (0x80 | order)) break
      if (order >= pbOrder) {
        const buddyBlockMt = m.getPageblockMigratetype(buddy)
        if (mt !== buddyBlockMt && (!mts.isMergeable(mt) || !mts.isMergeable(buddyBlockMt))) break
      }
      this.delFromFreeList(zone, buddy, order, freeHeadMt(b))
      pfn = pfn & buddy
      order++
    }
    this.addToFreeList(zone, pfn, order, mt)
  }

  /**
   * free_pages(): return an allocated block of 2^order pages to the buddy allocator, on the list
   * of its pageblock's migratetype (as __free_pages_ok does with get_pfnblock_migratetype).
   */
  freePages(pfn: number, order: number): void {
    const m = this.model
    const zone = m.zoneOf(pfn)
    if (!zone) throw new Error(`free of pfn ${pfn} outside every zone`)
    for (let p = pfn; p < pfn + 2 ** order; p++) {
      const c = pageClass(m.memMap[p - m.basePfn]!)
      if (c === PageClass.FREE || c === PageClass.HOLE) throw new Error(`double free or hole at pfn ${p}`)
    }
    const mt = m.getPageblockMigratetype(pfn)
    this.freeOnePage(zone, pfn, order, mt)
    this.events.count('pgfree', 2 ** order)
  }

  // ---------------------------------------------------------------- per-cpu lists

  /**
   * the running CPU's order-0 lists per zone, one per pcp migratetype as the kernel indexes them
   * (order_to_pindex: 0 Unmovable, 1 Movable, 2 Reclaimable), each oldest first
   */
  private readonly pcp = new Map<Zone, PcpList[]>()
  /** the running CPU's pcp high and batch per zone */
  private readonly pcpLimits = new Map<Zone, { high: number; batch: number }>()
  /** pages on the running CPU's order 1–3 lists (pcpLists' lists 3 to 11), per zone */
  private readonly pcpHigherPages = new Map<Zone, { pages: number }>()
  /** pageblock-order pages on pcp lists (head pfns): not touched by order-0 bulk frees */
  private readonly pcpHighOrder = new Map<Zone, number[]>()
  /**
   * per entry of pcpHighOrder, the captured CPU whose list holds it (zone.pcpCpus index; -1 where
   * no CPU's count holds it): which list a pageblock-order page sits on is not captured, so they
   * are dealt to the CPU holding the most first, as many as its count holds (hugePcpOwners)
   */
  private readonly pcpHighOrderCpu = new Map<Zone, number[]>()
  /** per captured CPU (zone.pcpCpus index; the running CPU's slot stays empty): the order-0 pages on its list, oldest first */
  private readonly pcpOther = new Map<Zone, number[][]>()
  /** per zone, the other CPUs' lists pcpDecayedBeforeTrigger trimmed: the high then, and the decay ticks it took */
  private readonly pcpDecayed = new Map<Zone, Map<number, { high: number; ticks: number }>>()
  /** per zone, the decay ticks the running CPU's high already holds (pcpHighRaisedBeforeTrigger) */
  private readonly pcpRunDecayed = new Map<Zone, number>()
  /** per zone, the decay ticks still to run on the running CPU's list while it frees (pcpDecayDuringWork) */
  private readonly pcpDecayPending = new Map<Zone, number>()
  /**
   * The capture's tools' pages made free per-cpu pages (captureToolPagesFreed), and the CPU whose
   * list takes them (-1: the lowest-numbered captured CPU); null: none.
   */
  private toolPages: { cpu: number; pfns: Set<number> } | null = null
  /** the order-0 blocks pcp refills took after the page-flags read (pcpRefilledAfterCapture), and the CPU whose list holds them (-1: the lowest-numbered); null: none */
  private refillPages: { cpu: number; pfns: Set<number> } | null = null

  /**
   * The capture's tools exited after the capture, on CPU `cpu`, and freed their pages
   * (MemoryModel.captureToolPages) to that CPU's per-cpu list: they become PCP pages that the
   * dealing puts on that CPU's list, as its newest (free_unref_page_list / free_unref_folios free
   * to the current CPU). `cpu` -1: not recorded; the lowest-numbered captured CPU is taken (where
   * the harness captures that do not record it had their tools' pages: the what-if's assumptions
   * say so). Call before the per-cpu lists are first used. `keep`: tools' pages left as the layout
   * read them (the what-if says which and why).
   * Returns how many pages were freed so.
   */
  captureToolPagesFreed(cpu: number, keep?: ReadonlySet<number>): number {
    const m = this.model
    const pfns = new Set<number>()
    for (const p of m.captureToolPages) {
      if (keep?.has(p)) continue
      const i = p - m.basePfn
      const k = m.memMap[i]
      // as the layout read them (a pin placed on one, or another what-if's change, keeps it)
      if (k !== PageKind.ANON && k !== PageKind.KERNEL) continue
      if (!m.zoneOf(p)) continue
      m.memMap[i] = PageKind.PCP
      pfns.add(p)
    }
    this.toolPages = pfns.size ? { cpu, pfns } : null
    this.refillPages = null
    this.forgetPcpLists()
    return pfns.size
  }

  /** the CPU (zone.pcpCpus[].cpu) the workload made its last frees on, which the dealing serves first; -1: not known */
  private sparseCpu = -1

  /** pfn → CPU of the list that held it, where a trace says (setPcpOwners); empty: not known */
  private pcpOwners: ReadonlyMap<number, number> = new Map()

  /**
   * Which CPU's list held each page, where it is known (a harness run traced with its `ptrace` step:
   * scripts/pcp-owners.ts): those pages are dealt to that CPU's list, the others as
   * buildPcpLists deals them. For experiments; a capture itself never says. Call before the
   * per-cpu lists are first used.
   */
  setPcpOwners(owners: ReadonlyMap<number, number>): void {
    this.pcpOwners = owners
    this.forgetPcpLists()
  }

  /**
   * 6.7+: deal the sparsest-spread pcp pages first to a CPU whose list stands within an eighth of
   * its high (a CPU that frees; one whose list lies far below a high its refills raised allocates),
   * then by count (buildPcpLists). False: by count alone, as before 6.7 (for experiments and tests).
   */
  pcpAtHighFirst = true

  /**
   * 6.7+: every list standing at its high (pcpAtHighFirst) besides the first served shares the
   * sparsest-spread pages with it, page by page in proportion to the counts (buildPcpLists),
   * instead of taking the pages ranked after the first CPU's. False: the earlier dealing.
   */
  pcpShareAtHigh = true

  /**
   * Per zone (`node:zone`), the per-cpu counts and highs that decide which CPU's list the dealing
   * serves first (setPcpDealingRead); absent: the zone's own (zone.pcpCpus).
   */
  private pcpDealingRead = new Map<string, ReadonlyArray<{ cpu: number; count: number; high: number }>>()

  /**
   * A layout made from zoneinfo read again after the page maps (a capture's after-kpage/ re-read)
   * holds the re-read's per-cpu counts, but between the two reads the capture's own tools
   * allocated and freed on their CPU (rmqueue_bulk refills, which raise its high on 6.7+, and their
   * exit's frees), so the re-read's lists say which CPU the tools ran on, not which CPU's list holds
   * the workload's scattered frees. The first read's counts and highs, taken before the tools ran,
   * decide the order the CPUs are served in (buildPcpLists: the at-high test and the counts);
   * the pages each list takes stay the layout's counts. Call before the lists are first used.
   */
  setPcpDealingRead(reads: ReadonlyArray<{ node: number; zone: string; pagesets: ReadonlyArray<{ cpu: number; count: number; high: number }> }>): void {
    this.pcpDealingRead = new Map(reads.map((r) => [`${r.node}:${r.zone}`, r.pagesets]))
    this.forgetPcpLists()
  }

  /** the CPU a full compaction ran on just before the capture (setCompactedCpu); -1: none known */
  private compactedCpu = -1

  /** the per-cpu lists as dealt so far, forgotten: the next use deals them again (buildPcpLists) with the inputs just set */
  private forgetPcpLists(): void {
    this.pcp.clear()
    this.pcpHigherPages.clear()
    this.pcpLimits.clear()
    this.pcpOther.clear()
    this.pcpHighOrder.clear()
    this.pcpHighOrderCpu.clear()
  }

  /**
   * A full compaction ran on CPU `cpu` just before the capture (the series' log says so): that
   * CPU's list stands at its high with the compaction's own frees (the frames it migrated from, in
   * the pageblocks it vacated last), not with a workload's scattered ones, so it takes no share of
   * the sparsest-spread pages (pcpShareAtHigh). -1: not known. Call before the lists are first used.
   */
  setCompactedCpu(cpu: number): void {
    if (this.compactedCpu === cpu) return
    this.compactedCpu = cpu
    this.forgetPcpLists()
  }

  /**
   * The workload made its last frees (a few pages in each pageblock, among its mapped ones) on CPU
   * `cpu`, as its log records (host/series.ts workloadCpu): the sparsest-spread pcp pages are dealt
   * to that CPU's list first, instead of to the CPU holding the most. -1: not known. Call before
   * the per-cpu lists are first used.
   */
  setSparsePcpCpu(cpu: number): void {
    if (this.sparseCpu === cpu) return
    this.sparseCpu = cpu
    this.forgetPcpLists()
  }

  /**
   * rmqueue_bulk() between the page-flags read and the trigger: the capture's tools kept running
   * after kpageflags was read (the kpagecount read, the shell that wrote the trigger), and when a
   * CPU's Movable pcp list ran empty its refill took `batch` order-0 blocks off the buddy
   * allocator's order-0 Movable list (__rmqueue_smallest starts at order 0). Those pages are free
   * in kpageflags but sat on a per-cpu list (or in the tools' hands) when the trigger ran, so they
   * keep their pageblocks from merging. How many: a later read of buddyinfo (the harness's
   * after-kpage/ re-read, `reread`: its free blocks per order per zone) lists fewer order-0 blocks
   * than the layout holds, while its order 1–3 blocks moved by fewer pages (a zone churned in
   * between, its order 1–3 blocks taken and merged by hundreds as on the arm64 runs and on this
   * machine's captures, is left alone), and by no more than a refill per CPU. Which ones (the head of that free list, the blocks freed
   * last) is not captured: they are taken spread evenly over the zone's order-0 Movable blocks (a
   * fixed multiplicative hash of the PFN, as the other unknown orders here). They go on the list
   * of CPU `cpu` (the one whose list the re-read found grown, else the tools'; -1: the
   * lowest-numbered), as its oldest pages (rmqueue_bulk adds them at the tail). Call after
   * captureToolPagesFreed. Returns how many pages were taken so.
   */
  pcpRefilledAfterCapture(reread: readonly { node: number; zone: string; nrFree: readonly number[] }[], cpu: number): number {
    const m = this.model
    const movable = m.migratetypes.movable
    const pfns = new Set<number>()
    let taken = 0
    for (const r of reread) {
      const zone = m.zones.find((z) => z.node === r.node && z.name === r.zone)
      if (!zone) continue
      const n = zone.free.nrFree(0) - (r.nrFree[0] ?? 0)
      if (n <= 0) continue
      // refills alone take order-0 blocks and leave the other pcp orders (1 to
      // PAGE_ALLOC_COSTLY_ORDER) as they were; frees that merge and allocations that split pass
      // through them: where their blocks moved by as many pages as order 0 lost, the zone was
      // churned in between and the drop does not say which pages were taken and kept
      let moved = 0
      for (let o = 1; o <= PAGE_ALLOC_COSTLY_ORDER && o < zone.free.nrOrders; o++) moved += Math.abs(zone.free.nrFree(o) - (r.nrFree[o] ?? 0)) << o
      if (moved >= n) continue
      // and no more than one refill per CPU (`batch` pages each): more came off the free lists
      // than the capture's tools' lists take, so other allocations served in between took them
      const refills = zone.pcpCpus.reduce((t, c) => t + (c.batch > 0 ? c.batch : zone.pcpBatch), 0)
      if (n > refills) continue
      const cand: number[] = []
      for (let i = zone.startPfn - m.basePfn, end = zone.endPfn - m.basePfn; i < end; i++) {
        const b = m.memMap[i]!
        if (isFreeHead(b) && headOrder(b) === 0 && freeHeadMt(b) === movable) cand.push(i + m.basePfn)
      }
      sortBySpreadKey(cand)
      const k = Math.min(n, cand.length)
      for (let j = 0; j < k; j++) {
        const p = cand[j]!
        this.delFromFreeList(zone, p, 0, movable)
        m.memMap[p - m.basePfn] = PageKind.PCP
        pfns.add(p)
      }
      taken += k
    }
    if (taken > 0) {
      this.refillPages = { cpu, pfns }
      this.forgetPcpLists()
    }
    return taken
  }

  /**
   * Run the simulation on another CPU: its pcp lists are dealt out again from the pages the
   * model holds as PCP (call before the simulated work, while they are still the captured ones).
   */
  setRunningCpu(cpu: number): void {
    if (this.policy.pcpCpu === cpu) return
    this.policy.pcpCpu = cpu
    this.forgetPcpLists()
    this.pcpFreeRun.clear()
  }

  /** Index in zone.pcpCpus of the CPU the simulation runs on, or -1 when the capture has no pagesets. */
  runningCpu(zone: Zone): number {
    const cpus = zone.pcpCpus
    if (cpus.length === 0) return -1
    const want = this.policy.pcpCpu ?? -1
    if (want >= 0) {
      const i = cpus.findIndex((c) => c.cpu === want)
      if (i >= 0) return i
    }
    // one task runs the simulated work on one CPU for every zone (compact_nodes → compact_node →
    // compact_zone per zone, in the writer's context): the CPU holding the most over all zones
    const busiest = cpus.findIndex((c) => c.cpu === this.busiestCpu())
    if (busiest >= 0) return busiest
    let best = 0
    for (let i = 1; i < cpus.length; i++) if (cpus[i]!.count > cpus[best]!.count) best = i
    return best
  }

  private busiest: number | undefined
  /**
   * The CPU (zone.pcpCpus[].cpu) whose per-cpu lists held the most pages at capture time, summed
   * over every zone of the model (ties: the lowest-numbered), or -1 when the capture has no
   * pagesets: the running CPU where none is given (AllocPolicy.pcpCpu −1).
   */
  busiestCpu(): number {
    if (this.busiest !== undefined) return this.busiest
    const per = new Map<number, number>()
    for (const z of this.model.zones) for (const c of z.pcpCpus) per.set(c.cpu, (per.get(c.cpu) ?? 0) + c.count)
    let best = -1
    for (const [cpu, n] of per) if (best < 0 || n > per.get(best)! || (n === per.get(best)! && cpu < best)) best = cpu
    this.busiest = best
    return best
  }

  /**
   * The order-0 pcp lists of the CPU the simulation runs on ([Unmovable, Movable, Reclaimable],
   * each oldest first). Pages a reconstruction marked PCP are split between the captured CPUs in
   * proportion to their zoneinfo counts (which page sits on which CPU's list is not captured:
   * they are dealt out in PFN order). The running CPU's share starts its lists, each page on the
   * list of its pageblock's migratetype (where free_unref_page put it), so the pages it frees push
   * them out first (free_pcppages_bulk takes the oldest of the freed page's list); the other
   * CPUs' pages stay until a drain. Whole aligned pageblocks of PCP pages are THP-order pcp entries.
   */
  pcpLists(zone: Zone): PcpList[] {
    // the lookup alone, called on every free: the build, run once per zone of each model, is a
    // function of its own, so that V8's code for this one never holds the build's feedback (the
    // arrays of a new model's build have other element kinds: "wrong map", and the lookup ran
    // unoptimized for a while after every new model)
    return this.pcp.get(zone) ?? this.buildPcpLists(zone)
  }

  /** pcpLists() of a zone the first time: the running CPU's share of the model's PCP pages */
  private buildPcpLists(zone: Zone): PcpList[] {
    const l: number[] = []
    const other: number[][] = zone.pcpCpus.map(() => [])
    const m = this.model
    const pb = m.pageblockNrPages
    const tools = this.toolPages?.pfns
    const refills = this.refillPages?.pfns
    const toolList: number[] = []
    const refillList: number[] = []
    const { pages, hi } = pcpPagesOf(m.memMap, zone.startPfn - m.basePfn, zone.endPfn - m.basePfn, m.basePfn, pb)
    let old = pages
    if (tools?.size || refills?.size) {
      old = []
      for (const p of pages) (tools?.has(p) ? toolList : refills?.has(p) ? refillList : old).push(p)
    }
    const run = this.runningCpu(zone)
    const lowestCi = (): number => zone.pcpCpus.reduce((b, c, i) => (c.cpu < zone.pcpCpus[b]!.cpu ? i : b), 0)
    // the CPU whose list holds the refilled blocks (zone.pcpCpus index)
    let refillCi = -1
    if (refillList.length && run >= 0) {
      const want = this.refillPages!.cpu
      refillCi = want >= 0 ? zone.pcpCpus.findIndex((c) => c.cpu === want) : lowestCi()
    }
    if (refillCi < 0) old.push(...refillList)
    // the CPU whose list takes the capture's tools' pages (zone.pcpCpus index)
    let toolCi = -1
    if (toolList.length && run >= 0) {
      const want = this.toolPages!.cpu
      toolCi = want >= 0 ? zone.pcpCpus.findIndex((c) => c.cpu === want) : lowestCi()
    }
    if (toolCi < 0) old.push(...toolList)
    if (run >= 0) {
      // Which page sits on which CPU's list is not captured. A CPU's list holds what that CPU
      // freed, and one task's frees look alike: the workload's freed anonymous pages lie a few
      // in each block among LRU pages, kernel frees cluster in the unmovable blocks. So the
      // pages are ranked by how many pcp pages their pageblock holds (fewest first) and dealt
      // out in that order, the CPU holding the most pages first, or the CPU the workload made its
      // last frees on when its log says (setSparsePcpCpu: in the harness runs that log it, the
      // sparse pages sat on that CPU's list whichever CPU held more, docs/fidelity.md). 6.7+,
      // where nr_pcp_alloc raises the high of a CPU that refills its list (one that allocates) and
      // decay_pcp_high lowers it again, a list standing within an eighth of its high is a CPU's
      // that frees (its frees fill the list to high and push its oldest pages out, so it holds
      // its last frees): such a CPU is served before the others (pcpAtHighFirst; this machine's
      // 6.18 captures, docs/fidelity.md: the per-cpu list at its high).
      let ranked = rankByBlockCount(old, pb)
      // pages whose CPU a trace names go to that CPU's list first
      const cpuIndex = new Map(zone.pcpCpus.map((c, i) => [c.cpu, i]))
      const known = this.pcpOwners.size ? ranked.filter((p) => cpuIndex.has(this.pcpOwners.get(p) ?? -1)) : []
      const knownTaken = new Array<number>(zone.pcpCpus.length).fill(0)
      if (known.length) {
        ranked = ranked.filter((p) => !cpuIndex.has(this.pcpOwners.get(p) ?? -1))
        for (const p of known) {
          const ci = cpuIndex.get(this.pcpOwners.get(p)!)!
          knownTaken[ci]!++
          ;(ci === run ? l : other[ci]!).push(p)
        }
      }
      // the counts and highs that order the CPUs (setPcpDealingRead: the first read's, where the layout is a re-read's)
      const dealing = this.pcpDealingRead.get(`${zone.node}:${zone.name}`)
      const dealt = (i: number): { count: number; high: number } => dealing?.find((d) => d.cpu === zone.pcpCpus[i]!.cpu) ?? zone.pcpCpus[i]!
      const atHigh = (i: number): boolean => {
        const c = dealt(i)
        return this.pcpAtHighFirst && this.policy.kernel >= 6007 && c.high > 0 && c.count >= c.high - Math.floor(c.high / 8)
      }
      const first = (i: number): number => (zone.pcpCpus[i]!.cpu === this.sparseCpu ? 0 : atHigh(i) ? 1 : 2)
      const order = zone.pcpCpus.map((c, i) => i).sort((a, b) => first(a) - first(b) || dealt(b).count - dealt(a).count || a - b)
      let k = 0
      const destOf = (ci: number): number[] => (ci === run ? l : other[ci]!)
      const want = (ci: number): number => Math.max(0, zone.pcpCpus[ci]!.count - knownTaken[ci]!)
      // the CPUs whose lists hold sparse frees: the first served, and every other list standing at
      // its high (6.7+, atHigh: a CPU that freed until its list filled, then left it). Their pages
      // are shared out page by page in the ranking's order (each pageblock's sparse pages split
      // between them in proportion to their counts: a workload that moved CPU between phases left
      // its earlier phase's scattered frees on the list it left, in the same pageblocks as its
      // later frees; a trace of every pcp page's CPU, x86-1G-s33-k612-mv3-ptrace, shows the two
      // lists' pages spread over 329 and 336 of the same pageblocks)
      const sparse = this.pcpShareAtHigh ? order.filter((ci, j) => j === 0 || (atHigh(ci) && zone.pcpCpus[ci]!.cpu !== this.compactedCpu)) : []
      if (sparse.length > 1) {
        const rest = order.filter((ci) => !sparse.includes(ci))
        const w = sparse.map(want)
        const total = rest.length === 0 ? ranked.length : Math.min(ranked.length, w.reduce((a, b) => a + b, 0))
        const sum = w.reduce((a, b) => a + b, 0) || 1
        const got = sparse.map(() => 0)
        for (let j = 0; j < total; j++) {
          let best = 0
          let bestDef = -Infinity
          for (let q = 0; q < sparse.length; q++) {
            const def = (w[q]! * (j + 1)) / sum - got[q]!
            if (def > bestDef) { bestDef = def; best = q }
          }
          got[best]!++
          destOf(sparse[best]!).push(ranked[j]!)
        }
        k = total
        for (const ci of rest) {
          const take = ci === rest[rest.length - 1] ? ranked.length - k : Math.min(ranked.length - k, want(ci))
          const dest = destOf(ci)
          for (let j = 0; j < take; j++) dest.push(ranked[k + j]!)
          k += take
        }
      } else for (const ci of order) {
        const take = ci === order[order.length - 1] ? ranked.length - k : Math.min(ranked.length - k, want(ci))
        const dest = destOf(ci)
        for (let j = 0; j < take; j++) dest.push(ranked[k + j]!)
        k += take
      }
      if (l.length > 1) l.sort((a, b) => a - b)
      // The order a list's pages were freed in (its age order, which decay_pcp_high trims from
      // the oldest end) is not captured either. A task's frees are spread over its memory (the
      // x86-2G-s23 runs: the decay gave back about half of every block's pcp pages, whatever
      // their density), so each other CPU's list is aged in an order spread evenly over the PFNs
      // (a fixed multiplicative hash), never block by block.
      for (const o of other) if (o.length > 1) sortBySpreadKey(o)
      // the capture's tools' pages, freed after the capture: the newest on their CPU's list
      if (toolCi >= 0) (toolCi === run ? l : other[toolCi]!).push(...toolList)
      // the refilled blocks: the oldest on their CPU's list
      if (refillCi >= 0) (refillCi === run ? l : other[refillCi]!).unshift(...refillList)
    } else other.push(old)
    const limits = run >= 0 ? zone.pcpCpus[run]! : null
    this.pcpLimits.set(zone, { high: limits && limits.high > 0 ? limits.high : zone.pcpHigh, batch: limits && limits.batch > 0 ? limits.batch : zone.pcpBatch })
    this.pcpOther.set(zone, other)
    this.pcpHighOrder.set(zone, hi)
    this.pcpHighOrderCpu.set(zone, hugePcpOwners(zone, hi.length, pb))
    zone.pcpPages = l.length + other.reduce((n, x) => n + x.length, 0) + hi.length * pb
    // order_to_pindex(): order × MIGRATE_PCPTYPES + migratetype, orders 0 to PAGE_ALLOC_COSTLY_ORDER
    const lists = Array.from({ length: PCP_LOW_LISTS }, () => new PcpList())
    for (const p of l) lists[this.pcpIndex(m.getPageblockMigratetype(p))]!.push(p)
    this.pcpHigherPages.set(zone, { pages: 0 })
    this.pcp.set(zone, lists)
    return lists
  }

  /** The running CPU's order-0 pcp pages of a zone, on all its lists. */
  pcpCount(zone: Zone): number {
    const lists = this.pcpLists(zone)
    return lists[0]!.length + lists[1]!.length + lists[2]!.length + this.pcpHigherPages.get(zone)!.pages
  }

  /**
   * The order-0 pcp list a page freed from a pageblock of type `mt` goes on (free_unref_page:
   * types above the pcp types, HighAtomic and CMA, go on the Movable list).
   */
  private pcpIndex(mt: number): number {
    const mts = this.model.migratetypes
    return mt === mts.unmovable ? 0 : mt === mts.reclaimable ? 2 : 1
  }

  /** What the per-cpu lists hold for the simulation: the running CPU, its captured pages, the other CPUs' pages. */
  pcpState(zone: Zone): { cpu: number | null; own: number; ownMovable: number; others: number; high: number; batch: number } {
    const own = this.pcpCount(zone)
    const ownMovable = this.pcpLists(zone)[1]!.length
    const run = this.runningCpu(zone)
    const lim = this.pcpLimits.get(zone)!
    return { cpu: run >= 0 ? zone.pcpCpus[run]!.cpu : null, own, ownMovable, others: (this.pcpOther.get(zone) ?? []).reduce((n, x) => n + x.length, 0) + (this.pcpHighOrder.get(zone)?.length ?? 0) * this.model.pageblockNrPages, high: lim.high, batch: lim.batch }
  }

  /** the running CPU's consecutive frees per zone: free_factor (6.1) or free_count (6.7+) */
  private readonly pcpFreeRun = new Map<Zone, PcpFreeRun>()
  /** whether the running CPU starts in a long run of frees (its free_factor / free_count at their maximum) */
  private longFreeRun = false

  /**
   * How the running CPU's free_factor (6.1) or free_count (6.7+) stands when the simulated work
   * starts; neither is captured. By default 0: any allocation on the CPU halves it, and a capture
   * allocates. After a long run of frees with no allocation between (a compaction just ran on this
   * CPU) they stand at their maximum, so the first bulk free already returns
   * batch << CONFIG_PCP_BATCH_SCALE_MAX pages (at most high − batch). Call before the work starts.
   */
  assumeLongFreeRun(long: boolean): void {
    this.longFreeRun = long
    this.pcpFreeRun.clear()
  }

  /**
   * free_unref_page() (free_frozen_pages on 6.15+) for a page of `order` 0 to
   * PAGE_ALLOC_COSTLY_ORDER: it goes to the running CPU's pcp list of its order and pageblock's
   * migratetype; once the lists hold `high` pages, free_pcppages_bulk() returns the oldest pages to
   * the buddy allocator, the freed page's list first (orders 1–3: nrPcpFreeHigher). How many is
   * the release's nr_pcp_free():
   *  - 6.1: `batch << free_factor`, the factor growing by one with each bulk free while no page is
   *    allocated, clamped to [batch, high − batch]; the factor stops at CONFIG_PCP_BATCH_SCALE_MAX
   *    (6.7's "restrict the pcp batch scale factor to avoid too long latency", which the 6.1 stable
   *    series carries: the Debian 6.1.192 kernel of the fixtures bulk-frees 63, 126, 252, 504, 1008,
   *    then 2016 = batch << 5 pages at a time through a whole compaction, fixtures/x86-1G-s27-trace),
   *    so a long run of frees keeps the list within batch << 5 pages of `high`;
   *  - 6.7+: `free_count`, the number of consecutive frees, which stops growing at
   *    batch << CONFIG_PCP_BATCH_SCALE_MAX, clamped to [batch, high − batch] (the list stays
   *    within that many pages of `high`).
   * The 6.7+ autotuning of `high` itself: nr_pcp_high raising it to free_count + batch is not
   * modelled (the captured high, or a re-read's: pcpHighRaisedBeforeTrigger, is used);
   * decay_pcp_high lowering it once a second is (decayPcpHigh, pcpDecayDuringWork).
   */
  freeUnrefPage(pfn: number, knownZone?: Zone, order = 0): void {
    const m = this.model
    const zone = knownZone ?? m.zoneOf(pfn)
    if (!zone) throw new Error(`free of pfn ${pfn} outside every zone`)
    const lists = this.pcpLists(zone)
    const lim = this.pcpLimits.get(zone)!
    if (this.pcpDecayPending.get(zone) && this.pcpCount(zone) + (1 << order) >= lim.high) this.decayPendingTick(zone)
    const { high, batch } = lim
    const mt = m.getPageblockMigratetype(pfn)
    if (high <= 0 || mt === m.migratetypes.isolate) {
      this.freePages(pfn, order)
      return
    }
    const pages = 1 << order
    const pindex = order * MIGRATE_PCPTYPES + this.pcpIndex(mt)
    if (order === 0) m.memMap[pfn - m.basePfn] = PageKind.PCP
    else {
      fillPages(m.memMap, PageKind.PCP, pfn - m.basePfn, pfn - m.basePfn + pages)
      this.pcpHigherPages.get(zone)!.pages += pages
    }
    lists[pindex]!.push(pfn)
    zone.pcpPages += pages
    this.events.count('pgfree', pages)
    const run = this.pcpFreeRunOf(zone)
    const count = this.pcpCount(zone)
    const n = order === 0 ? this.nrPcpFree(run, count, high, batch) : this.nrPcpFreeHigher(zone, run, count, lim, order)
    if (order === 0) run.prevHigh = false
    if (n > 0) this.freePcppagesBulk(zone, n, pindex)
  }

  /**
   * free_frozen_page_commit() for a page of order 1 to PAGE_ALLOC_COSTLY_ORDER (on its own
   * per-order list, 5.13+): how many pages free_pcppages_bulk() returns. 6.7+: free_count grows by
   * the page's size; two such frees in a row with free_count at batch + high_min / 2 or more
   * (free_high: a CPU freeing high-order pages without allocating) lower `high` by
   * batch << CONFIG_PCP_BATCH_SCALE_MAX and return up to that many pages (nr_pcp_high returns 0);
   * otherwise as an order-0 free (nr_pcp_free once count reaches high). Where high_min is half of
   * `high` or more (this machine's 6.18: high_min 8941, batch 63) free_count, which stops at
   * batch << 5 = 2016, never gets there. Before 6.7: free_high whenever free_factor is above 0,
   * and the whole list goes back.
   */
  private nrPcpFreeHigher(zone: Zone, run: PcpFreeRun, count: number, lim: { high: number; batch: number }, order: number): number {
    const b = Math.max(1, lim.batch)
    const costly = order <= PAGE_ALLOC_COSTLY_ORDER
    if (this.policy.kernel < 6007) {
      if (costly && run.factor > 0) return count
      return this.nrPcpFree(run, count, lim.high, lim.batch)
    }
    let freeHigh = false
    if (costly) {
      const c = zone.pcpCpus[this.runningCpu(zone)]
      const highMin = pcpHighMin(zone, c, b)
      freeHigh = run.count >= b + Math.floor(highMin / 2) && run.prevHigh && count >= b
      run.prevHigh = true
      if (freeHigh) lim.high = Math.max(lim.high - (b << PCP_BATCH_SCALE_MAX), highMin)
    } else run.prevHigh = false
    const countMax = b << PCP_BATCH_SCALE_MAX
    if (run.count < countMax) run.count += 1 << order
    if (freeHigh) return Math.min(count, countMax)
    return count >= lim.high ? (lim.high < b ? 1 : Math.min(Math.max(run.count, b), Math.max(b, lim.high - b))) : 0
  }

  /** the running CPU's free run on `zone` (free_factor on 6.1, free_count on 6.7+), made on first use */
  private pcpFreeRunOf(zone: Zone): PcpFreeRun {
    let run = this.pcpFreeRun.get(zone)
    if (!run) this.pcpFreeRun.set(zone, (run = this.longFreeRun ? { factor: PCP_BATCH_SCALE_MAX, count: 2 ** 30, prevHigh: false } : { factor: 0, count: 0, prevHigh: false }))
    return run
  }

  /**
   * nr_pcp_free() after one more free onto a list now holding `count` pages: how many pages
   * free_pcppages_bulk() returns (0 while count < high), advancing the run as the release does.
   */
  private nrPcpFree(run: PcpFreeRun, count: number, high: number, batch: number): number {
    const b = Math.max(1, batch)
    if (this.policy.kernel >= 6007) {
      const countMax = b << PCP_BATCH_SCALE_MAX
      if (run.count < countMax) run.count++
      else run.count = countMax
      return count >= high ? (high < b ? 1 : Math.min(Math.max(run.count, b), Math.max(b, high - b))) : 0
    }
    if (count < high) return 0
    const n = b * 2 ** run.factor
    if (n < high - b && run.factor < PCP_BATCH_SCALE_MAX) run.factor++
    return high < b ? 1 : Math.min(Math.max(n, b), Math.max(b, high - b))
  }

  /**
   * free_unref_page() for pfns[0], …, pfns[n − 1] in turn, every one in `zone` (a compaction's
   * migrated-from pages): what calling freeUnrefPage on each gives, with the per-zone lookups made
   * once for the run.
   */
  freeUnrefPages(zone: Zone, pfns: ArrayLike<number>, n: number): void {
    if (n <= 0) return
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const mts = m.migratetypes
    const pbMt = m.pageblockMt
    // pageblock index (pfn − basePfn) >> pageblock_order: basePfn is pageblock-aligned and the model under 2^30 pages
    const pbOrder = m.geometry.pageblockOrder
    const lists = this.pcpLists(zone)
    const lim = this.pcpLimits.get(zone)!
    let high = lim.high
    const b = Math.max(1, lim.batch)
    const l0 = lists[0]!
    const l1 = lists[1]!
    const l2 = lists[2]!
    let run: PcpFreeRun | undefined
    let freed = 0
    // before 6.7 nr_pcp_free() changes nothing and frees nothing while the list is below high
    const countsEveryFree = this.policy.kernel >= 6007
    // pages on the three lists
    const higher = this.pcpHigherPages.get(zone)!
    let count = l0.length + l1.length + l2.length + higher.pages
    const isolate = mts.isolate
    const unmovable = mts.unmovable
    const reclaimable = mts.reclaimable
    const pcpKind: number = PageKind.PCP
    const countMax = b << PCP_BATCH_SCALE_MAX
    for (let i = 0; i < n;) {
      const pfn = pfns[i]!
      const pb = (pfn - base) >> pbOrder
      const mt = pbMt[pb]!
      if (high <= 0 || mt === isolate) {
        this.freePages(pfn, 0)
        i++
        continue
      }
      const pindex = mt === unmovable ? 0 : mt === reclaimable ? 2 : 1
      const list = pindex === 0 ? l0 : pindex === 1 ? l1 : l2
      // the pages from i on in this pageblock (the same list) that leave the count below high:
      // nr_pcp_free() frees nothing for them (from 6.7 it counts each free), so they go on the
      // list at once
      let j = i + 1
      const room = i + (high - 1 - count)
      while (j < n && j < room && ((pfns[j]! - base) >> pbOrder) === pb) j++
      if (j <= room) {
        for (let q = i; q < j; q++) map[pfns[q]! - base] = pcpKind
        list.pushFrom(pfns, i, j)
        freed += j - i
        count += j - i
        if (countsEveryFree) {
          run ??= this.pcpFreeRunOf(zone)
          run.count = run.count < countMax ? Math.min(run.count + (j - i), countMax) : countMax
        }
        i = j
        continue
      }
      // a decay tick that falls while the list is one page short of its high (pcpDecayDuringWork)
      if (this.pcpDecayPending.get(zone)) {
        this.decayPendingTick(zone)
        high = lim.high
        count = l0.length + l1.length + l2.length + higher.pages
        continue
      }
      // one page that brings the count to high
      map[pfn - base] = pcpKind
      list.push(pfn)
      // zone.pcpPages grows by `freed` at the end (free_pcppages_bulk only subtracts)
      freed++
      count++
      i++
      if (count < high && !countsEveryFree) continue
      run ??= this.pcpFreeRunOf(zone)
      const k = this.nrPcpFree(run, count, high, b)
      if (k > 0) {
        this.freePcppagesBulk(zone, k, pindex, true)
        count = l0.length + l1.length + l2.length + higher.pages
      }
    }
    zone.pcpPages += freed
    if (freed) {
      this.events.count('pgfree', freed)
      // an order-0 free clears PCPF_PREV_FREE_HIGH_ORDER
      this.pcpFreeRunOf(zone).prevHigh = false
    }
  }

  /**
   * free_pcppages_bulk(): return `count` pcp pages of a zone to the buddy allocator, the oldest of
   * list `pindex` first (the list of the page whose free triggered it; 0 for a drain or decay),
   * then the next lists round-robin in pindex order (order 0 Unmovable, Movable, Reclaimable, then
   * orders 1, 2 and 3 the same), each emptied before the next is taken. So while the freed pages'
   * list holds enough, the pages on the other lists stay: order-0 frees, whose Movable list holds
   * thousands, leave the order 1–3 lists alone, which only a bulk free that an order 1–3 free
   * triggers (or a drain, or a decay that empties the order-0 lists) reaches. A page of order k
   * counts 2^k pages, and the last one taken may take the count below 0, as in the kernel.
   * Returns the pages freed.
   */
  freePcppagesBulk(zone: Zone, count: number, pindex = 0, batched = false): number {
    const m = this.model
    const lists = this.pcpLists(zone)
    let left = Math.min(count, this.pcpCount(zone))
    let n = left
    const pbMt = m.pageblockMt
    const base = m.basePfn
    const pbOrder = m.geometry.pageblockOrder
    for (let li = pindex; left > 0; li = (li + 1) % lists.length) {
      const l = lists[li]!
      if (li >= MIGRATE_PCPTYPES) {
        // an order 1–3 list: whole pages, oldest first
        const order = Math.floor(li / MIGRATE_PCPTYPES)
        const higher = this.pcpHigherPages.get(zone)!
        let k = 0
        while (left > 0 && k < l.length) {
          const pfn = l.at(k++)
          this.freeOnePage(zone, pfn, order, pbMt[(pfn - base) >> pbOrder]!)
          left -= 1 << order
          higher.pages -= 1 << order
        }
        l.drop(k)
        continue
      }
      const k = Math.min(left, l.length)
      if (batched) {
        if (k) this.freeOrder0Run(zone, l, k)
      } else {
        for (let i = 0; i < k; i++) {
          const pfn = l.at(i)
          this.freeOnePage(zone, pfn, 0, pbMt[(pfn - base) >> pbOrder]!)
        }
      }
      l.drop(k)
      left -= k
    }
    n -= left
    zone.pcpPages -= n
    return n
  }

  /** freeOrder0Run's blocks pushed, in order: head pfn and free-list index (order × nrTypes + mt) */
  private runPfns: Int32Array | Float64Array = new Int32Array(0)
  private runLists: Uint8Array = new Uint8Array(0)

  /**
   * __free_one_page() (freeOnePage) for the order-0 pages pfns[0], …, pfns[n − 1] in turn, each
   * on its pageblock's list, none of them on a free list or isolated: the page map, the counts and
   * the free lists that freeing them one by one gives, in one pass. Freeing one by one pushes
   * every block it ends with and leaves stale the ones a later page of the run merges away (no
   * peek returns a stale entry); here only the blocks still free at the end of the run are pushed,
   * in the order their frees pushed them.
   */
  private freeOrder0Run(zone: Zone, pfns: PcpList, n: number): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const maxOrder = m.maxOrder
    const pbOrder = m.geometry.pageblockOrder
    const pbMt = m.pageblockMt
    const mts = m.migratetypes
    const isolate = mts.isolate
    const cma = mts.cma
    const unmovable = mts.unmovable
    const movable = mts.movable
    const reclaimable = mts.reclaimable
    const zoneStart = zone.startPfn
    const zoneEnd = zone.endPfn
    const free = zone.free
    const nrFreeMt = free.nrFreeMt
    const nt = free.nrTypes
    if (this.runPfns.length < n) {
      const size = Math.max(n, 2 * this.runPfns.length, 64)
      this.runPfns = m.endPfn > 0x7fffffff ? new Float64Array(size) : new Int32Array(size)
      this.runLists = new Uint8Array(size)
    }
    const outPfn = this.runPfns
    const outList = this.runLists
    const maxChunk = Math.min(pbOrder, maxOrder)
    let freeDelta = 0
    let cmaDelta = 0
    let pushed = 0
    let runEnd = 0
    let runEndPfn = 0
    const buddyTail: number = PageKind.BUDDY_TAIL
    for (let i = 0; i < n;) {
      let pfn = pfns.at(i)
      if (i >= runEnd) {
        // the run of consecutive pfns that starts here
        runEnd = i + 1
        while (runEnd < n && pfns.at(runEnd) === pfn + (runEnd - i)) runEnd++
        runEndPfn = pfn + (runEnd - i)
      }
      // The largest aligned block of 2^order pages of the run from here, within one pageblock:
      // none of its pages is free, and freeing them one after the other merges them among
      // themselves into that block (every buddy below its order lies inside it), the last free
      // then merging on as freeing the whole block at once would
      let order = 0
      while (order < maxChunk && (pfn & ((2 << order) - 1)) === 0 && pfn + (2 << order) <= runEndPfn) order++
      const pages = 1 << order
      i += pages
      const mt = pbMt[(pfn - base) >> pbOrder]!
      const mergeable = mt === unmovable || mt === movable || mt === reclaimable
      fillPages(map, buddyTail, pfn - base, pfn - base + pages)
      while (order < maxOrder) {
        const buddy = pfn ^ (1 << order)
        if (buddy < zoneStart || buddy >= zoneEnd) break
        const b = map[buddy - base]!
        if ((b & 0x8f) !== (0x80 | order)) break
        if (order >= pbOrder) {
          const bmt = pbMt[(buddy - base) >> pbOrder]!
          if (mt !== bmt && (!mergeable || !(bmt === unmovable || bmt === movable || bmt === reclaimable))) break
        }
        // del_page_from_free_list of the buddy (its entry is left stale)
        const lmt = (b >> 4) & 7
        nrFreeMt[order * nt + lmt]! -= 1
        if (lmt !== isolate) {
          freeDelta -= 1 << order
          if (lmt === cma) cmaDelta -= 1 << order
        }
        map[buddy - base] = buddyTail
        pfn &= buddy
        order++
      }
      map[pfn - base] = 0x80 | (mt << 4) | order
      nrFreeMt[order * nt + mt]! += 1
      if (mt !== isolate) {
        freeDelta += 1 << order
        if (mt === cma) cmaDelta += 1 << order
      }
      outPfn[pushed] = pfn
      outList[pushed++] = order * nt + mt
    }
    zone.nrFreePages += freeDelta
    zone.nrFreeCmaPages += cmaDelta
    free.pushStillFree(outPfn, outList, pushed, map, base)
  }

  /**
   * decay_pcp_high() (6.7+), which vmstat_update runs on every CPU about once a second: a list
   * whose high is above high_min gets high = max(count − (batch << CONFIG_PCP_BATCH_SCALE_MAX),
   * high − high / 8, high_min) and is trimmed to it, oldest pages first (free_pcppages_bulk).
   * `ticks` rounds on every captured CPU's list. high_min is zoneinfo's when the kernel prints it,
   * else zone_highsize() with no high fraction: the low watermark split over the node's CPUs, at
   * least 4 batches. Returns the pages given back to the buddy allocator. Before 6.7: nothing.
   * `fromTick`: the runs already made (ticks counted from the same start: the runs up to a
   * trigger's end are made before its compaction, the rest after it). `runTicks`: the running
   * CPU's list stops there (the runs after it fall while the work runs: pcpDecayDuringWork); a
   * running CPU's high taken from a re-read (pcpHighRaisedBeforeTrigger) skips the runs it holds.
   */
  decayPcpHigh(zone: Zone, ticks: number, fromTick = 0, runTicks = ticks): number {
    if (this.policy.kernel < 6007 || ticks <= 0 || zone.pcpCpus.length === 0) return 0
    const run = this.runningCpu(zone)
    const other = this.pcpOther.get(zone) ?? []
    const lim = this.pcpLimits.get(zone)!
    let freed = 0
    zone.pcpCpus.forEach((c, i) => {
      const batch = Math.max(1, c.batch)
      const highMin = pcpHighMin(zone, c, batch)
      // a list already trimmed before the trigger (pcpDecayedBeforeTrigger) goes on from the high
      // the re-read showed, the ticks before it spent
      const done = i === run ? undefined : this.pcpDecayed.get(zone)?.get(i)
      let high = i === run ? lim.high : (done?.high ?? c.high)
      const len = (): number => (i === run ? this.pcpCount(zone) : other[i]!.length)
      const start = Math.max(fromTick, i === run ? (this.pcpRunDecayed.get(zone) ?? 0) : (done?.ticks ?? 0))
      for (let t = start; t < (i === run ? Math.min(ticks, runTicks) : ticks); t++) {
        if (high > highMin) high = decayedHigh(len(), high, batch, highMin)
        const toDrain = len() - high
        if (toDrain <= 0) continue
        if (i === run) freed += this.freePcppagesBulk(zone, toDrain)
        else freed += this.giveBackOldest(zone, other[i]!, toDrain)
      }
      if (i === run) lim.high = high
    })
    return freed
  }

  /**
   * decay_pcp_high() (6.7+) on the running CPU while the simulated work frees pages to its list:
   * `ticks` runs of vmstat_update that fall while the compaction runs. The CPU is busy freeing,
   * its list soon fills to its high and stays within a bulk free (free_count, at most
   * batch << CONFIG_PCP_BATCH_SCALE_MAX) of it, and vmstat_update runs between two frees: each
   * tick is taken when a free would bring the list to its high (the list one page short of it),
   * so that decay_pcp_high's bound count − (batch << CONFIG_PCP_BATCH_SCALE_MAX) holds the high
   * where it is above high − high / 8 (a high above 8 × 2016 pages: this machine's 6.18 lists), and
   * the pages above the lowered high go back oldest first, list by list from order-0 Unmovable
   * (free_pcppages_bulk from pindex 0, each list emptied before the next; where decay_pcp_high
   * splits that free into calls of `batch` pages, as the 6.18 series comes to, each starts again
   * from pindex 0 and takes the same pages); the
   * frees after it go on under that high. Ticks left when the work ends: pcpDecayPendingFlush.
   * Before 6.7: nothing.
   */
  pcpDecayDuringWork(zone: Zone, ticks: number): void {
    if (this.policy.kernel < 6007 || ticks <= 0 || zone.pcpCpus.length === 0) return
    this.pcpLists(zone)
    this.pcpDecayPending.set(zone, ticks)
  }

  /** the decay ticks pcpDecayDuringWork left when the work ended, run on the running CPU's list as it stands; returns the pages given back */
  pcpDecayPendingFlush(zone: Zone): number {
    let freed = 0
    while (this.pcpDecayPending.get(zone)) freed += this.decayPendingTick(zone)
    return freed
  }

  /** one pending decay_pcp_high() run on the running CPU's list (pcpDecayDuringWork) */
  private decayPendingTick(zone: Zone): number {
    const left = this.pcpDecayPending.get(zone) ?? 0
    if (left <= 0) return 0
    this.pcpDecayPending.set(zone, left - 1)
    const lim = this.pcpLimits.get(zone)!
    const c = zone.pcpCpus[this.runningCpu(zone)]
    const batch = Math.max(1, lim.batch)
    const highMin = pcpHighMin(zone, c, batch)
    const count = this.pcpCount(zone)
    if (lim.high > highMin) lim.high = decayedHigh(count, lim.high, batch, highMin)
    return count > lim.high ? this.freePcppagesBulk(zone, count - lim.high) : 0
  }

  /**
   * The running CPU's high at the trigger, where a later read of zoneinfo (the harness's
   * after-kpage/zoneinfo, `reread`) finds it risen above the captured one: only nr_pcp_alloc raises
   * pcp->high (by the refill's batch, up to high_max, 6.7+), so the capture's tools' refills on that
   * CPU took it there, and it holds the decay ticks before that read (`ticksSpent`: the
   * whole-second marks from the capture to the re-read), which lowered it on the way; decayPcpHigh
   * goes on from there. Returns the high taken (0: none).
   */
  pcpHighRaisedBeforeTrigger(zone: Zone, reread: ReadonlyArray<{ cpu: number; count: number; high: number }>, ticksSpent: number): number {
    if (this.policy.kernel < 6007 || zone.pcpCpus.length === 0) return 0
    this.pcpLists(zone)
    const run = this.runningCpu(zone)
    const c = zone.pcpCpus[run]
    const r = c && reread.find((x) => x.cpu === c.cpu)
    if (!c || !r || r.high <= c.high) return 0
    this.pcpLimits.get(zone)!.high = r.high
    this.pcpRunDecayed.set(zone, Math.max(0, ticksSpent))
    return r.high
  }

  /**
   * A list whose high the re-read finds fallen (pcpDecayedBeforeTrigger) has had at least one
   * decay_pcp_high run, which the decay counted from the capture on (decayPcpHigh) does not make
   * again. False (tests): only the runs the recurrence from the captured count and high finds.
   */
  decayedAtLeastOnce = true

  /**
   * decay_pcp_high() (6.7+) between the capture and the trigger, as a later read of zoneinfo shows
   * it: `reread` holds the zone's per-cpu counts and highs read again after kpageflags (the
   * harness's after-kpage/zoneinfo). Only decay_pcp_high lowers pcp->high (the free path raises it,
   * nr_pcp_high), so a CPU other than the running one whose high fell had its oldest pages trimmed
   * to the buddy allocator (free_pcppages_bulk) down to that high, each tick: the captured count
   * less the re-read's high (or count, if higher) went back; they are free, and free-scanner
   * targets, when the compaction starts. A count that fell below the re-read's high (or under an
   * unchanged high) went to the CPU's own allocations (rmqueue_pcplist takes the newest pages),
   * which stay used. The running CPU's list is left alone (its frees churn it anyway).
   * Returns the pages given back; before 6.7 nothing.
   */
  pcpDecayedBeforeTrigger(zone: Zone, reread: ReadonlyArray<{ cpu: number; count: number; high: number }>): number {
    if (this.policy.kernel < 6007 || zone.pcpCpus.length === 0) return 0
    this.pcpLists(zone)
    const run = this.runningCpu(zone)
    const other = this.pcpOther.get(zone) ?? []
    let freed = 0
    zone.pcpCpus.forEach((c, i) => {
      if (i === run || !other[i]) return
      const r = reread.find((x) => x.cpu === c.cpu)
      // each tick trims the count to the lowered high; a count below the re-read's high went to
      // the CPU's own allocations (newest pages, still in use)
      if (!r || r.high >= c.high || Math.max(r.count, r.high) >= c.count) return
      freed += this.giveBackOldest(zone, other[i]!, c.count - Math.max(r.count, r.high))
      // the ticks that took high from the captured value down to the re-read's (decayPcpHigh's
      // recurrence), so that the decay after the compaction (settleSeconds, counted from the
      // capture) does not trim this list for them again
      const batch = Math.max(1, c.batch)
      const highMin = pcpHighMin(zone, c, batch)
      let high = c.high
      let count = c.count
      let ticks = 0
      for (;;) {
        const next = decayedHigh(count, high, batch, highMin)
        if (high <= highMin || next < r.high || ticks >= 1000) break
        high = next
        count = Math.min(count, high)
        ticks++
      }
      // only decay_pcp_high lowers pcp->high, so at least one run fell between the two reads even
      // where the recurrence finds none: a CPU that freed pages after the capture (its count above
      // the captured one when vmstat_update ran) meets the bound count − (batch <<
      // CONFIG_PCP_BATCH_SCALE_MAX) above the captured count's, and the run lowers the high less
      // (host-24G-k618-s/02: CPU 1 192209 pages, high 192872 → 191940, one run, from 193956)
      if (this.decayedAtLeastOnce) ticks = Math.max(ticks, 1)
      let done = this.pcpDecayed.get(zone)
      if (!done) this.pcpDecayed.set(zone, (done = new Map()))
      done.set(i, { high: r.high, ticks })
    })
    return freed
  }

  /**
   * The running CPU's own allocations between the capture and the trigger, as a later read of
   * zoneinfo shows them (the harness's after-kpage/zoneinfo, `reread`): its count fell while its
   * high stayed (only decay_pcp_high lowers the high, 6.7+), so rmqueue_pcplist took that many
   * pages off its list into use, from the list's head (its newest pages; the after-captures show
   * such per-cpu pages of the before-capture as anonymous pages). Taken from its Movable list as
   * anonymous LRU pages. Returns the pages taken.
   */
  pcpAllocatedBeforeTrigger(zone: Zone, reread: ReadonlyArray<{ cpu: number; count: number; high: number }>): number {
    if (zone.pcpCpus.length === 0) return 0
    const lists = this.pcpLists(zone)
    const run = this.runningCpu(zone)
    const c = zone.pcpCpus[run]
    const r = c && reread.find((x) => x.cpu === c.cpu)
    if (!c || !r || r.high !== c.high || r.count >= c.count) return 0
    const m = this.model
    const list = lists[this.pcpIndex(m.migratetypes.movable)]!
    let n = 0
    for (; n < c.count - r.count; n++) {
      const pfn = list.popNewest()
      if (pfn < 0) break
      m.memMap[pfn - m.basePfn] = PageKind.ANON
    }
    zone.pcpPages -= n
    return n
  }

  /**
   * Pages the harness wrote between the capture and the trigger (the capture's own output after
   * its page maps were read: kpageflags.gz, kpagecount.gz, the re-read files, the steps' files, all
   * on tmpfs), taken by rmqueue_pcplist off the head of CPU `cpu`'s Movable per-cpu list, its newest
   * pages (-1: the lowest-numbered CPU, as for the capture's tools' pages), and kept as LRU
   * page-cache pages that the compaction isolates and migrates like any other (shmem pages are on
   * the LRU; kpageflags shows them as file LRU pages). The newest pages of the tools' CPU are the
   * capture's tools' pages, freed when the tools exited (captureToolPagesFreed), and the later
   * writers take them again, last in first out; in which order the tools freed them is not
   * captured (taken spread evenly over them, a fixed multiplicative hash of the PFN), then the
   * list's other pages, newest first. After a full compaction those pages lie in the part of the
   * zone the migrate scanner vacated, so each is an isolatable single page there: the kernel's
   * first migrate batches of a second compaction are such single pages (docs/fidelity.md), and its
   * free scanner's first calls take one or two targets each and stop inside the topmost pageblock
   * with free pages, where every later call starts at stride 1. Call after captureToolPagesFreed
   * and pcpRefilledAfterCapture. Returns the pages taken (at most `n`, and what the list holds).
   */
  pcpWrittenBeforeTrigger(zone: Zone, cpu: number, n: number): number {
    if (zone.pcpCpus.length === 0 || n <= 0) return 0
    const lists = this.pcpLists(zone)
    const m = this.model
    const run = this.runningCpu(zone)
    const lowestCi = zone.pcpCpus.reduce((b, c, i) => (c.cpu < zone.pcpCpus[b]!.cpu ? i : b), 0)
    const ci = cpu >= 0 ? zone.pcpCpus.findIndex((c) => c.cpu === cpu) : lowestCi
    if (ci < 0 || (ci !== run && !this.pcpOther.get(zone)?.[ci])) return 0
    const t = this.toolPages
    const tools = t && (t.cpu >= 0 ? zone.pcpCpus[ci]!.cpu === t.cpu : ci === lowestCi) ? t.pfns : null
    const movable = this.pcpIndex(m.migratetypes.movable)
    // the list's Movable pages, oldest first (rmqueue_pcplist of a movable allocation takes that list)
    const list: number[] = ci === run ? [...lists[movable]!] : this.pcpOther.get(zone)![ci]!.filter((p) => this.pcpIndex(m.getPageblockMigratetype(p)) === movable)
    const newest = list.slice().reverse()
    const toolPart = tools ? newest.filter((p) => tools.has(p)) : []
    sortBySpreadKey(toolPart)
    const order = tools ? [...toolPart, ...newest.filter((p) => !tools.has(p))] : newest
    const take = new Set(order.slice(0, n))
    if (take.size === 0) return 0
    if (ci === run) {
      const l = new PcpList()
      for (const p of list) if (!take.has(p)) l.push(p)
      lists[movable] = l
    } else {
      const o = this.pcpOther.get(zone)!
      o[ci] = o[ci]!.filter((p) => !take.has(p))
    }
    for (const p of take) m.memMap[p - m.basePfn] = PageKind.FILE
    zone.pcpPages -= take.size
    return take.size
  }

  /**
   * A CPU's whole per-cpu list went back to the buddy allocator between the capture and the
   * trigger, as a later read of zoneinfo shows it (the harness's after-kpage/zoneinfo, `reread`:
   * each CPU's count and high then). Two kernel paths return a whole list: a drain
   * (drain_local_pages / drain_all_pages → drain_pages_zone, every release), and on 6.1 the
   * free_high path of free_unref_page_commit (an order 1 to PAGE_ALLOC_COSTLY_ORDER page freed
   * while pcp->free_factor is above 0: nr_pcp_high returns 0 and nr_pcp_free the whole count).
   * The other ways a list shrinks leave it full or take pages into use: a bulk free at high
   * returns at most batch << CONFIG_PCP_BATCH_SCALE_MAX pages (nr_pcp_free's cap, 6.1 stable and
   * 6.7+), so a list within that of its high keeps more than high − (batch << 5); decay_pcp_high
   * (6.7+) keeps high_min, at least 4 × batch (zone_highsize); the CPU's own allocations
   * (rmqueue_pcplist) take pages into use, and refill an empty list batch at a time. So a list the
   * capture found within one capped bulk free of its high (and at 4 × batch or more) that the
   * re-read finds below 4 × batch was returned whole: what it holds then are the pages the CPU
   * freed since (not known which: left as they are). Its captured pages go back, merging as
   * __free_one_page merges: the pageblock-order entries first (pcp_allowed_order: THP-order pages,
   * e.g. the huge pages a hugetlb pool shrink frees; which CPU's list held which is not captured:
   * dealt to the CPU holding the most first, as many as its count holds), then, for the rest of its
   * count, its order-0 pages oldest first. Returns the pages given back and the CPUs emptied.
   */
  pcpEmptiedBeforeTrigger(zone: Zone, reread: ReadonlyArray<{ cpu: number; count: number; high: number }>): { pages: number; cpus: number[] } {
    const out = { pages: 0, cpus: [] as number[] }
    if (zone.pcpCpus.length === 0) return out
    this.pcpLists(zone)
    const m = this.model
    const pb = m.pageblockNrPages
    const run = this.runningCpu(zone)
    const other = this.pcpOther.get(zone) ?? []
    const hiCpu = this.pcpHighOrderCpu.get(zone) ?? []
    const hiBack = new Set<number>()
    zone.pcpCpus.forEach((c, ci) => {
      const r = reread.find((x) => x.cpu === c.cpu)
      if (!r) return
      const batch = Math.max(1, c.batch > 0 ? c.batch : zone.pcpBatch)
      const high = c.high > 0 ? c.high : zone.pcpHigh
      const least = Math.max(4 * batch, high - batch * 2 ** PCP_BATCH_SCALE_MAX)
      if (c.count < least || r.count >= 4 * batch || r.count >= c.count) return
      let mine = 0
      hiCpu.forEach((o, j) => {
        if (o === ci) {
          hiBack.add(j)
          mine++
        }
      })
      const order0 = c.count - mine * pb
      let n = 0
      if (order0 > 0) n = ci === run ? this.freePcppagesBulk(zone, order0) : other[ci] ? this.giveBackOldest(zone, other[ci]!, order0) : 0
      out.pages += n + mine * pb
      out.cpus.push(c.cpu)
    })
    this.freeHugePcpEntries(zone, (j) => hiBack.has(j))
    return out
  }

  /** the pageblock-order pcp entries `which` picks (by index) back to the buddy allocator; returns the pages freed */
  private freeHugePcpEntries(zone: Zone, which: (j: number) => boolean): number {
    const m = this.model
    const pb = m.pageblockNrPages
    const hi = this.pcpHighOrder.get(zone) ?? []
    const hiCpu = this.pcpHighOrderCpu.get(zone) ?? []
    const keep: number[] = []
    const keepCpu: number[] = []
    let n = 0
    hi.forEach((p, j) => {
      if (!which(j)) {
        keep.push(p)
        keepCpu.push(hiCpu[j] ?? -1)
        return
      }
      m.memMap.fill(PageKind.BUDDY_TAIL, p - m.basePfn, p - m.basePfn + pb)
      this.freeOnePage(zone, p, m.geometry.pageblockOrder, m.getPageblockMigratetype(p))
      zone.pcpPages -= pb
      n += pb
    })
    if (n === 0) return 0
    hi.length = 0
    hi.push(...keep)
    hiCpu.length = 0
    hiCpu.push(...keepCpu)
    return n
  }

  /**
   * free_pcppages_bulk() on another CPU's list (kept as one list, oldest first): `n` pages back to
   * the buddy allocator. The kernel's round robin starts at the pindex it is given (0 from
   * decay_pcp_high and drain_pages_zone) and empties each list before going to the next, so the
   * oldest of the Unmovable list go first, then the Movable list's, then the Reclaimable list's
   * (a page's list is its pageblock's type, pcpIndex). Where the Unmovable list is short, most
   * of a decay's pages are Movable ones the compaction's free scanner finds; taken oldest first
   * from all lists alike instead, the model gave back Movable pages the kernel kept, and two of
   * the 6.18 host's second compactions migrated too much (host-24G-k618-v/02 pgmigrate_success
   * +49 %, -r/02 compact_isolated +27 %: docs/fidelity.md).
   */
  private giveBackOldest(zone: Zone, list: number[], n: number): number {
    const m = this.model
    const want = Math.min(n, list.length)
    // how many each list gives, in pindex order
    const have = [0, 0, 0]
    const idx = new Uint8Array(list.length)
    for (let j = 0; j < list.length; j++) have[(idx[j] = this.pcpIndex(m.getPageblockMigratetype(list[j]!)))]!++
    const take = [0, 0, 0]
    let left = want
    for (let i = 0; i < 3; i++) {
      take[i] = Math.min(left, have[i]!)
      left -= take[i]!
    }
    // each list's pages in age order, the lists one after another
    const byList: number[][] = [[], [], []]
    let w = 0
    for (let j = 0; j < list.length; j++) {
      const i = idx[j]!
      if (take[i]! > 0) {
        take[i]!--
        byList[i]!.push(list[j]!)
      } else list[w++] = list[j]!
    }
    list.length = w
    const pages = byList[0]!.concat(byList[1]!, byList[2]!)
    for (const p of pages) {
      m.memMap[p - m.basePfn] = PageKind.BUDDY_TAIL
      this.freeOnePage(zone, p, 0, m.getPageblockMigratetype(p))
    }
    zone.pcpPages -= pages.length
    return pages.length
  }

  /**
   * The first free of an order 1–3 page on the running CPU after a run of frees (6.1: the
   * page-global directory of the process that wrote the trigger and exited, order 1 on x86-64 with
   * page-table isolation, freed when that CPU next switches to a user task and drops the exited
   * process's lazily kept mm): free_unref_page_commit sees free_factor > 0 and a high-order page
   * (free_high), so nr_pcp_high is 0 and nr_pcp_free returns the whole count: the running CPU's
   * lists go back to the buddy allocator, oldest first. 6.7+ frees at most
   * batch << CONFIG_PCP_BATCH_SCALE_MAX that way, and only after two such frees in a row
   * (PCPF_PREV_FREE_HIGH_ORDER): not modelled there. The whole count includes the CPU's
   * pageblock-order entries (huge pages a hugetlb pool's shrink freed to its list): pcp->count
   * counts them, and free_pcppages_bulk's round robin reaches their list (NR_LOWORDER_PCP_LISTS,
   * the THP pindex) once the order 0–3 lists are empty, so they go back whole too (fixtures
   * x86-1G-s2-hugetlb-cpu0-r2 and -r3: the pool shrank on the CPU the compaction then ran on, and
   * its 9 and 10 pageblocks of huge pages were free in the after-capture). Returns the pages
   * freed (0 when the CPU's free run was broken by an allocation, or on 6.7+).
   */
  freeHighOrderAfterFreeRun(zone: Zone): number {
    if (this.policy.kernel >= 6007) return 0
    const run = this.pcpFreeRun.get(zone)
    if (!run || run.factor === 0) return 0
    return this.drainLocalPages(zone)
  }

  /** drain_all_pages(zone): every pcp page back to the buddy allocator */
  drainPages(zone: Zone): number {
    const m = this.model
    let n = this.freePcppagesBulk(zone, this.pcpCount(zone))
    for (const other of this.pcpOther.get(zone) ?? []) {
      for (const p of other) {
        m.memMap[p - m.basePfn] = PageKind.BUDDY_TAIL
        this.freeOnePage(zone, p, 0, m.getPageblockMigratetype(p))
        n++
      }
      other.length = 0
    }
    const hi = this.pcpHighOrder.get(zone) ?? []
    for (const p of hi) {
      m.memMap.fill(PageKind.BUDDY_TAIL, p - m.basePfn, p - m.basePfn + m.pageblockNrPages)
      this.freeOnePage(zone, p, m.geometry.pageblockOrder, m.getPageblockMigratetype(p))
      n += m.pageblockNrPages
    }
    hi.length = 0
    const hiCpu = this.pcpHighOrderCpu.get(zone)
    if (hiCpu) hiCpu.length = 0
    zone.pcpPages = 0
    return n
  }

  /**
   * drain_local_pages(zone) (every release): the running CPU's lists only, its order-0 pages and
   * the pageblock-order entries dealt to it; the other CPUs' lists stay as they are. What
   * compact_zone's check_drain runs (lru_add_drain_cpu_zone) when a direct compaction's migrate
   * scanner leaves an order-aligned block it migrated from, and what 6.1's free_high does after a
   * free run (freeHighOrderAfterFreeRun). Returns the pages freed.
   */
  drainLocalPages(zone: Zone): number {
    const n = this.freePcppagesBulk(zone, this.pcpCount(zone))
    const run = this.runningCpu(zone)
    const hiCpu = this.pcpHighOrderCpu.get(zone) ?? []
    return n + this.freeHugePcpEntries(zone, (j) => hiCpu[j] === run)
  }

  // ---------------------------------------------------------------- allocation from lists

  /**
   * expand(): split a block of order `high` at pfn down to `low`, returning each upper half
   * to list (half order, mt). The caller keeps [pfn, pfn + 2^low).
   */
  expand(zone: Zone, pfn: number, low: number, high: number, mt: number): void {
    let size = 2 ** high
    while (high > low) {
      high--
      size >>= 1
      this.addToFreeList(zone, pfn + size, high, mt)
    }
  }

  /** __rmqueue_smallest(): first block of the smallest order ≥ `order` on list mt; -1 if none. */
  rmqueueSmallest(zone: Zone, order: number, mt: number): number {
    const m = this.model
    for (let o = order; o < m.geometry.nrOrders; o++) {
      const pfn = zone.free.peek(o, mt, m.memMap, m.basePfn)
      if (pfn < 0) continue
      this.delFromFreeList(zone, pfn, o, mt)
      this.expand(zone, pfn, order, o, mt)
      return pfn
    }
    return -1
  }

  /** boost_watermark() */
  boostWatermark(zone: Zone): boolean {
    const factor = this.policy.watermarkBoostFactor
    const pbPages = this.model.pageblockNrPages
    if (!factor) return false
    if (pbPages * 4 > zone.managed) return false
    let maxBoost = Math.floor((zone.wmark.high * factor) / 10000)
    if (!maxBoost) return false
    maxBoost = Math.max(pbPages, maxBoost)
    zone.boost = Math.min(zone.boost + pbPages, maxBoost)
    return true
  }

  /**
   * move_freepages_block(): move every free block in the pageblock of pfn to list `toMt`.
   * Returns the free pages moved and the pages that look movable (LRU or movable-ops), as the
   * kernel counts them; null if the pageblock straddles the zone.
   */
  moveFreepagesBlock(zone: Zone, pfn: number, toMt: number): { free: number; movable: number } | null {
    const m = this.model
    const pbPages = m.pageblockNrPages
    const start = pfn - (pfn % pbPages)
    const end = start + pbPages
    if (start < zone.startPfn || end > zone.endPfn) return null
    let free = 0
    let movable = 0
    const map = m.memMap
    const base = m.basePfn
    for (let p = start; p < end;) {
      const b = map[p - base]!
      if (isFreeHead(b)) {
        const o = headOrder(b)
        const fromMt = freeHeadMt(b)
        if (fromMt !== toMt) this.moveToFreeList(zone, p, o, fromMt, toMt)
        free += 2 ** o
        p += 2 ** o
        continue
      }
      const c = pageClass(b)
      if (c === PageClass.MOVABLE || c === PageClass.PINNED) movable++
      p++
    }
    return { free, movable }
  }

  /** change_pageblock_range(): retype every pageblock covered by a block of `order` at pfn. */
  changePageblockRange(pfn: number, order: number, mt: number): void {
    const m = this.model
    const n = Math.max(1, 2 ** (order - m.geometry.pageblockOrder))
    for (let i = 0; i < n; i++) m.setPageblockMigratetype(pfn + i * m.pageblockNrPages, mt)
  }

  /** can_steal_fallback() (6.1) / should_try_claim_block() (6.15): judged on the block's order. */
  canStealFallback(order: number, startMt: number): boolean {
    const m = this.model
    const pbOrder = m.geometry.pageblockOrder
    if (order >= pbOrder) return true
    if (order >= (pbOrder >> 1) || startMt === m.migratetypes.reclaimable || startMt === m.migratetypes.unmovable || this.policy.mobilityDisabled) return true
    return false
  }

  /** find_suitable_fallback() without the claimable abort: first fallback type with a free block of `order`. */
  private findFallbackType(zone: Zone, order: number, startMt: number): number {
    for (const ft of this.model.migratetypes.fallbacks(startMt)) {
      if (ft >= 0 && !zone.free.isEmpty(order, ft)) return ft
    }
    return -1
  }

  /** mm_page_alloc_extfrag accounting: a fallback that the kernel traces as fragmenting */
  private traceExtfrag(foundOrder: number): void {
    this.events.count('extfrag_fallback')
    if (foundOrder < this.model.geometry.pageblockOrder) this.events.count('extfrag_fragmenting')
  }

  /**
   * __rmqueue_fallback() + steal_suitable_fallback() (6.1). Returns true if a block was moved to
   * the request type's list (the caller then retries __rmqueue_smallest).
   */
  rmqueueFallback61(zone: Zone, order: number, startMt: number, allocFlags: number): boolean {
    const m = this.model
    const pbOrder = m.geometry.pageblockOrder
    let minOrder = order
    if (allocFlags & ALLOC_NOFRAGMENT && order < pbOrder) minOrder = pbOrder
    let found = -1
    let fallbackMt = -1
    let canSteal = false
    for (let o = m.maxOrder; o >= minOrder; o--) {
      const ft = this.findFallbackType(zone, o, startMt)
      if (ft < 0) continue
      canSteal = this.canStealFallback(o, startMt)
      if (!canSteal && startMt === m.migratetypes.movable && o > order) {
        // find_smallest: take the smallest suitable block instead of breaking up a large one
        for (let s = order; s < m.geometry.nrOrders; s++) {
          const fs = this.findFallbackType(zone, s, startMt)
          if (fs >= 0) {
            found = s
            fallbackMt = fs
            canSteal = this.canStealFallback(s, startMt)
            break
          }
        }
      } else {
        found = o
        fallbackMt = ft
      }
      break
    }
    if (found < 0) return false
    const pfn = zone.free.peek(found, fallbackMt, m.memMap, m.basePfn)
    this.traceExtfrag(found)
    this.stealSuitableFallback(zone, pfn, found, allocFlags, startMt, canSteal)
    return true
  }

  /** steal_suitable_fallback() (6.1) */
  private stealSuitableFallback(zone: Zone, pfn: number, order: number, allocFlags: number, startMt: number, wholeBlock: boolean): void {
    const m = this.model
    const mts = m.migratetypes
    const pbOrder = m.geometry.pageblockOrder
    const listMt = freeHeadMt(m.page(pfn))
    const oldBlockType = m.getPageblockMigratetype(pfn)
    const singlePage = (): void => this.moveToFreeList(zone, pfn, order, listMt, startMt)
    if (oldBlockType === mts.highatomic) return singlePage()
    if (order >= pbOrder) {
      this.changePageblockRange(pfn, order, startMt)
      return singlePage()
    }
    if (this.boostWatermark(zone) && allocFlags & ALLOC_KSWAPD) this.boosted.add(zone)
    if (!wholeBlock) return singlePage()
    const moved = this.moveFreepagesBlock(zone, pfn, startMt)
    if (!moved) return singlePage()
    const { free, movable } = moved
    let alike = 0
    if (startMt === mts.movable) alike = movable
    else if (oldBlockType === mts.movable) alike = m.pageblockNrPages - (free + movable)
    if (!free) return singlePage()
    if (free + alike >= 2 ** (pbOrder - 1) || this.policy.mobilityDisabled) m.setPageblockMigratetype(pfn, startMt)
  }

  /** __rmqueue_claim() + try_to_claim_block() (≥6.15). Returns the allocated pfn or -1. */
  rmqueueClaim(zone: Zone, order: number, startMt: number, allocFlags: number): number {
    const m = this.model
    const mts = m.migratetypes
    const pbOrder = m.geometry.pageblockOrder
    let minOrder = order
    if (allocFlags & ALLOC_NOFRAGMENT && order < pbOrder) minOrder = pbOrder
    for (let o = m.maxOrder; o >= minOrder; o--) {
      if (!this.canStealFallback(o, startMt)) break
      const ft = this.findFallbackType(zone, o, startMt)
      if (ft < 0) continue
      const pfn = zone.free.peek(o, ft, m.memMap, m.basePfn)
      const blockType = m.getPageblockMigratetype(pfn)
      if (blockType === mts.highatomic) continue
      if (o >= pbOrder) {
        this.traceExtfrag(o)
        this.delFromFreeList(zone, pfn, o, ft)
        this.expand(zone, pfn, order, o, startMt)
        this.changePageblockRange(pfn, o, startMt)
        return pfn
      }
      if (this.boostWatermark(zone) && allocFlags & ALLOC_KSWAPD) this.boosted.add(zone)
      // prep_move_freepages_block: count first, move only if the claim succeeds
      const start = pfn - (pfn % m.pageblockNrPages)
      if (start < zone.startPfn || start + m.pageblockNrPages > zone.endPfn) continue
      let free = 0
      let movable = 0
      for (let p = start; p < start + m.pageblockNrPages;) {
        const b = m.memMap[p - m.basePfn]!
        if (isFreeHead(b)) {
          free += 2 ** headOrder(b)
          p += 2 ** headOrder(b)
          continue
        }
        const c = pageClass(b)
        if (c === PageClass.MOVABLE || c === PageClass.PINNED) movable++
        p++
      }
      let alike = 0
      if (startMt === mts.movable) alike = movable
      else if (blockType === mts.movable) alike = m.pageblockNrPages - (free + movable)
      if (free + alike >= 2 ** (pbOrder - 1) || this.policy.mobilityDisabled) {
        this.traceExtfrag(o)
        this.moveFreepagesBlock(zone, pfn, startMt)
        m.setPageblockMigratetype(pfn, startMt)
        return this.rmqueueSmallest(zone, order, startMt)
      }
    }
    return -1
  }

  /** __rmqueue_steal() (≥6.15): smallest fallback block, remainder stays on the fallback type's lists. */
  rmqueueSteal(zone: Zone, order: number, startMt: number): number {
    const m = this.model
    for (let o = order; o < m.geometry.nrOrders; o++) {
      const ft = this.findFallbackType(zone, o, startMt)
      if (ft < 0) continue
      const pfn = zone.free.peek(o, ft, m.memMap, m.basePfn)
      this.traceExtfrag(o)
      this.delFromFreeList(zone, pfn, o, ft)
      this.expand(zone, pfn, order, o, ft)
      return pfn
    }
    return -1
  }

  /** __rmqueue_cma_fallback() */
  private rmqueueCma(zone: Zone, order: number): number {
    const cma = this.model.migratetypes.cma
    return cma < 0 ? -1 : this.rmqueueSmallest(zone, order, cma)
  }

  /** __rmqueue(): own type, CMA, then fallback per the policy's kernel version. -1 if nothing. */
  rmqueue(zone: Zone, order: number, mt: number, allocFlags: number): number {
    const m = this.model
    if (allocFlags & ALLOC_CMA && m.migratetypes.cma >= 0 && zone.nrFreeCmaPages > zone.nrFreePages / 2) {
      const p = this.rmqueueCma(zone, order)
      if (p >= 0) return p
    }
    if (this.policy.fallback === '6.1') {
      for (;;) {
        let p = this.rmqueueSmallest(zone, order, mt)
        if (p >= 0) return p
        if (allocFlags & ALLOC_CMA) {
          p = this.rmqueueCma(zone, order)
          if (p >= 0) return p
        }
        if (!this.rmqueueFallback61(zone, order, mt, allocFlags)) return -1
      }
    }
    let p = this.rmqueueSmallest(zone, order, mt)
    if (p >= 0) return p
    if (allocFlags & ALLOC_CMA) {
      p = this.rmqueueCma(zone, order)
      if (p >= 0) return p
    }
    p = this.rmqueueClaim(zone, order, mt, allocFlags)
    if (p >= 0) return p
    if (!(allocFlags & ALLOC_NOFRAGMENT)) p = this.rmqueueSteal(zone, order, mt)
    return p
  }

  // ---------------------------------------------------------------- watermarks

  /** __zone_watermark_ok() (6.1) */
  zoneWatermarkOk(zone: Zone, order: number, mark: number, highestZoneIdx: number, allocFlags: number): boolean {
    const m = this.model
    const mts = m.migratetypes
    let min = mark
    let freePages = zone.nrFreePages - (2 ** order - 1)
    if (allocFlags & ALLOC_HIGH) min -= Math.floor(min / 2)
    if (!(allocFlags & (ALLOC_HARDER | ALLOC_HIGHATOMIC))) freePages -= zone.nrReservedHighatomic
    else if (allocFlags & ALLOC_HARDER) min -= Math.floor(min / 4)
    if (!(allocFlags & ALLOC_CMA)) freePages -= zone.nrFreeCmaPages
    const reserve = zone.protection[highestZoneIdx] ?? 0
    if (freePages <= min + reserve) return false
    if (!order) return true
    for (let o = order; o < m.geometry.nrOrders; o++) {
      for (const mt of [mts.unmovable, mts.movable, mts.reclaimable]) if (!zone.free.isEmpty(o, mt)) return true
      if (allocFlags & ALLOC_CMA && mts.cma >= 0 && !zone.free.isEmpty(o, mts.cma)) return true
      if (allocFlags & (ALLOC_HARDER | ALLOC_HIGHATOMIC) && mts.highatomic >= 0 && !zone.free.isEmpty(o, mts.highatomic)) return true
    }
    return false
  }

  /** wmark_pages(): watermark plus boost */
  wmarkPages(zone: Zone, which: number): number {
    const w = which === ALLOC_WMARK_MIN ? zone.wmark.min : which === ALLOC_WMARK_LOW ? zone.wmark.low : zone.wmark.high
    return w + zone.boost
  }

  // ---------------------------------------------------------------- highatomic

  /** reserve_highatomic_pageblock() (6.1) */
  reserveHighatomicPageblock(zone: Zone, pfn: number): void {
    const m = this.model
    const mts = m.migratetypes
    if (mts.highatomic < 0) return
    const maxManaged = Math.floor(zone.managed / 100) + m.pageblockNrPages
    if (zone.nrReservedHighatomic >= maxManaged) return
    const mt = m.getPageblockMigratetype(pfn)
    if (!mts.isMergeable(mt)) return
    zone.nrReservedHighatomic += m.pageblockNrPages
    m.setPageblockMigratetype(pfn, mts.highatomic)
    this.moveFreepagesBlock(zone, pfn, mts.highatomic)
  }

  // ---------------------------------------------------------------- the zonelist walk

  /**
   * get_page_from_freelist(): walk the zonelist from the highest allowed zone of the preferred
   * node down, then other nodes; each zone must pass the watermark check. Returns the pfn of the
   * allocated block (its pages still marked as BUDDY_TAIL) and its zone, or null.
   */
  getPageFromFreelist(req: ResolvedRequest, allocFlags: number): { pfn: number; zone: Zone } | null {
    const m = this.model
    for (const zone of this.zonelist(req)) {
      let flags = allocFlags
      // alloc_flags_nofragment(): only for the Normal zone when a DMA32 zone exists on the node
      if (flags & ALLOC_NOFRAGMENT && !this.nofragmentApplies(zone)) flags &= ~ALLOC_NOFRAGMENT
      const mark = this.wmarkPages(zone, flags & ALLOC_WMARK_MASK)
      if (!(flags & ALLOC_NO_WATERMARKS) && !this.zoneWatermarkOk(zone, req.order, mark, req.highestZoneIdx, flags)) continue
      let pfn = -1
      if (flags & ALLOC_HIGHATOMIC && m.migratetypes.highatomic >= 0) pfn = this.rmqueueSmallest(zone, req.order, m.migratetypes.highatomic)
      if (pfn < 0) pfn = this.rmqueue(zone, req.order, req.mt, flags)
      if (pfn < 0) continue
      if (flags & ALLOC_HIGHATOMIC && req.order > 0) this.reserveHighatomicPageblock(zone, pfn)
      return { pfn, zone }
    }
    return null
  }

  private nofragmentApplies(zone: Zone): boolean {
    if (zone.name !== 'Normal') return false
    return this.model.zones.some((z) => z.node === zone.node && z.name === 'DMA32' && z.managed > 0)
  }

  /** zones a request may use, in zonelist order (preferred node first, highest zone first) */
  zonelist(req: ResolvedRequest): Zone[] {
    const zones = this.model.zones.filter((z) => z.idx <= req.highestZoneIdx && z.managed > 0)
    const pref = req.node ?? zones[0]?.node ?? 0
    return zones.sort((a, b) => (a.node === pref ? 0 : 1) - (b.node === pref ? 0 : 1) || a.node - b.node || b.idx - a.idx)
  }

  /**
   * Allocate with gfp-like intent, as the fast path does: low watermark with NOFRAGMENT first,
   * then without NOFRAGMENT, then the min watermark (the slow path's first retry). No reclaim
   * and no compaction here. Returns null when every zone fails.
   */
  allocPages(request: AllocRequest): AllocResult | null {
    const req = this.resolve(request)
    const base = (req.mt === this.model.migratetypes.movable ? ALLOC_CMA : 0) | (request.atomic ? ALLOC_HARDER | ALLOC_HIGH : 0)
    const tries = [ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT, ALLOC_WMARK_LOW, ALLOC_WMARK_MIN]
    for (const t of tries) {
      let flags = base | t | ALLOC_KSWAPD
      if (request.atomic && req.order > 0) flags |= ALLOC_HIGHATOMIC
      const got = this.getPageFromFreelist(req, flags)
      if (got) {
        this.prepNewPage(got.pfn, req.order, req.kind)
        this.events.count(`pgalloc_${got.zone.name.toLowerCase()}`, 2 ** req.order)
        return { pfn: got.pfn, order: req.order, zone: got.zone }
      }
    }
    return null
  }

  /** post_alloc_hook(): mark the pages with their new kind (compound head/tails for THP etc.) */
  prepNewPage(pfn: number, order: number, kind: number): void {
    const m = this.model
    const i = pfn - m.basePfn
    if (kind >= 0x40) {
      m.memMap.fill(PageKind.COMPOUND_TAIL, i, i + 2 ** order)
      m.memMap[i] = compoundHead(kind, order)
    } else {
      m.memMap.fill(kind, i, i + 2 ** order)
    }
  }

  resolve(r: AllocRequest): ResolvedRequest {
    const m = this.model
    const mts = m.migratetypes
    const mt = r.gfp === 'movable' ? mts.movable : r.gfp === 'reclaimable' ? mts.reclaimable : mts.unmovable
    if (!Number.isInteger(r.order) || r.order < 0 || r.order > m.maxOrder) throw new RangeError(`order ${r.order} outside 0..${m.maxOrder}`)
    // gfp_zone(): GFP_HIGHUSER_MOVABLE may use ZONE_MOVABLE, GFP_KERNEL goes up to Normal
    let highestZoneIdx = r.gfp === 'movable' ? 4 : 2
    if (r.highestZone) {
      highestZoneIdx = (ZONE_NAMES as readonly string[]).indexOf(r.highestZone)
      if (highestZoneIdx < 0) throw new RangeError(`unknown zone ${r.highestZone}`)
    }
    const kind = r.kind ?? (r.gfp === 'movable' ? (r.order >= m.geometry.pageblockOrder && r.order > PAGE_ALLOC_COSTLY_ORDER ? THP_HEAD : PageKind.ANON) : r.gfp === 'reclaimable' ? PageKind.SLAB_RECLAIMABLE : PageKind.KERNEL)
    return { order: r.order, mt, highestZoneIdx, node: r.node ?? null, kind }
  }
}

export interface AllocRequest {
  order: number
  gfp: GfpIntent
  /** highest zone the request may use (gfp_zone), e.g. 'DMA32' for GFP_DMA32 */
  highestZone?: string
  /** preferred node */
  node?: number
  /** page byte written into the allocated pages (PageKind or a compound head class) */
  kind?: number
  /** GFP_ATOMIC: may dip into reserves; order > 0 reserves a highatomic pageblock */
  atomic?: boolean
}

export interface ResolvedRequest {
  order: number
  mt: number
  highestZoneIdx: number
  node: number | null
  kind: number
}

export interface AllocResult {
  pfn: number
  order: number
  zone: Zone
}

// ------------------------------------------------------------------ watermark setup

/** int_sqrt() */
function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x))
  while (r * r > x) r--
  while ((r + 1) * (r + 1) <= x) r++
  return r
}

/**
 * calculate_min_free_kbytes() (6.1): int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144];
 * lowmem = managed pages of the zones below HighMem/Movable.
 */
export function calculateMinFreeKbytes(model: MemoryModel): number {
  const lowmem = model.zones.filter((z) => z.name !== 'HighMem' && z.name !== 'Movable').reduce((s, z) => s + z.managed, 0)
  const kb = (lowmem * model.geometry.pageSize) / 1024
  return Math.min(262144, Math.max(128, intSqrt(Math.floor(kb * 16))))
}

/**
 * __setup_per_zone_wmarks(): min split over lowmem zones in proportion to managed pages;
 * HighMem (and, from 6.12, Movable) get clamp(managed/1024, 32, 128);
 * gap = max(min/4, managed × watermark_scale_factor / 10000).
 */
export function setupPerZoneWmarks(model: MemoryModel, minFreeKbytes: number, watermarkScaleFactor: number, movableIsHighmemLike = false): void {
  const pagesMin = Math.floor(minFreeKbytes / (model.geometry.pageSize / 1024))
  const isLow = (z: Zone): boolean => z.name !== 'HighMem' && !(movableIsHighmemLike && z.name === 'Movable')
  const lowmemPages = model.zones.filter(isLow).reduce((s, z) => s + z.managed, 0)
  for (const z of model.zones) {
    const tmp = lowmemPages > 0 ? Math.floor((pagesMin * z.managed) / lowmemPages) : 0
    let min: number
    if (!isLow(z)) min = Math.min(128, Math.max(32, Math.floor(z.managed / 1024)))
    else min = tmp
    const gap = Math.max(Math.floor(tmp / 4), Math.floor((z.managed * watermarkScaleFactor) / 10000))
    z.wmark = { min, low: min + gap, high: min + 2 * gap, promo: min + 3 * gap }
  }
}
