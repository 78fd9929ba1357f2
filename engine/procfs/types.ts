/**
 * Typed results of the /proc, sysfs and debugfs importers (engine/procfs/).
 * Every parser is pure: text (or bytes) in, one of these out, or a ParseError.
 * Formats: as mm/vmstat.c, mm/page_alloc.c and fs/proc/page.c print them (kernel 6.1, 6.12 and 7.2 read).
 */

/** A malformed input: names the file, the 1-based line and what was expected. */
export class ParseError extends Error {
  readonly file: string
  readonly line: number | null
  readonly expected: string
  readonly found: string | null

  constructor(file: string, line: number | null, expected: string, found: string | null = null) {
    const where = line === null ? file : `${file}:${line}`
    const got = found === null ? '' : `, found ${JSON.stringify(found.length > 80 ? found.slice(0, 77) + '...' : found)}`
    super(`${where}: expected ${expected}${got}`)
    this.name = 'ParseError'
    this.file = file
    this.line = line
    this.expected = expected
    this.found = found
  }
}

/** /proc/buddyinfo: one row per populated zone. */
export interface BuddyinfoRow {
  node: number
  zone: string
  /** free_area[order].nr_free, free blocks per order, all migratetypes. */
  nrFree: number[]
}
export interface Buddyinfo {
  rows: BuddyinfoRow[]
  /** NR_PAGE_ORDERS, from the column count. */
  nrOrders: number
}

/** A count from /proc/pagetypeinfo; `capped` when printed as `>100000`. */
export interface PagetypeFreeRow {
  node: number
  zone: string
  migratetype: string
  counts: number[]
  /** true at orders printed as `>N` (the value in counts is then N, a lower bound). */
  capped: boolean[]
}
export interface PagetypeBlockRow {
  node: number
  zone: string
  /** pageblocks per migratetype, in the order of Pagetypeinfo.migratetypes. */
  counts: number[]
}
export interface Pagetypeinfo {
  pageblockOrder: number
  pagesPerBlock: number
  nrOrders: number
  /** migratetype names in the kernel's column order (from the block-count header). */
  migratetypes: string[]
  free: PagetypeFreeRow[]
  blocks: PagetypeBlockRow[]
  /** "Number of mixed blocks" table (page_owner kernels), or null when absent. */
  mixed: PagetypeBlockRow[] | null
}

export interface ZoneinfoPageset {
  cpu: number
  count: number
  high: number
  batch: number
  highMin?: number
  highMax?: number
  /** "vm stats threshold" printed after this cpu's pageset. */
  statThreshold?: number
}
export interface ZoneinfoZone {
  node: number
  zone: string
  /** false when the zone has no present pages (the kernel stops after `protection:`). */
  populated: boolean
  /** per-node stats block, only on the node's first populated zone. */
  nodeStats: Record<string, number> | null
  pagesFree: number
  boost: number
  /** watermarks as printed: they include the current boost. */
  min: number
  low: number
  high: number
  promo: number | null
  spanned: number
  present: number
  managed: number
  cma: number | null
  /** lowmem_reserve[], one entry per zone index of the node. */
  protection: number[]
  /** zone stat items (nr_free_pages, nr_free_cma, numa_*...). */
  stats: Record<string, number>
  pagesets: ZoneinfoPageset[]
  nodeUnreclaimable: boolean | null
  startPfn: number | null
  reservedHighatomic: number | null
  freeHighatomic: number | null
}
export interface Zoneinfo {
  zones: ZoneinfoZone[]
}

/** /proc/vmstat (or a node's vmstat): counter name to value. */
export type Vmstat = Record<string, number>

/** /proc/meminfo: key to value; values with a ` kB` unit are in kB, the others plain counts. */
export interface Meminfo {
  values: Record<string, number>
  /** keys whose value had the kB unit */
  kb: Set<string>
}

/** debugfs extfrag/extfrag_index or unusable_index: per zone, index ×1000 per order. */
export interface FragIndexRow {
  node: number
  zone: string
  values: number[]
}
export interface FragIndexFile {
  rows: FragIndexRow[]
}

/** A `size[@base[-limit]]` value from the command line, in bytes. */
export interface CmdlineSize {
  bytes: number
  base: number | null
  limit: number | null
}
export interface Cmdline {
  raw: string
  /** every parameter in order; flags without `=` get the value `true`. */
  params: Array<[string, string | true]>
  cma: CmdlineSize | null
  hugetlbCma: CmdlineSize | null
  kernelcore: string | null
  movablecore: string | null
  transparentHugepage: string | null
  hugepagesz: string[]
}

/** vm sysctls: either the fixtures' `name: value` file or a /proc/sys/vm directory. */
export type SysctlVm = Record<string, string>

/** /sys/kernel/mm/transparent_hugepage/*: selected values (the bracketed word) and plain numbers. */
export type TransparentHugepage = Record<string, string>

export interface HugepagePool {
  sizeKb: number
  nr: number
  free: number
  surplus: number
}
