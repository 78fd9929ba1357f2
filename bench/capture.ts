/**
 * Synthetic captures for the benchmark: the summary files (/proc/buddyinfo, /proc/pagetypeinfo,
 * /proc/zoneinfo in the 6.1 format, /proc/meminfo, node0 vmstat) of a seeded, fragmented x86_64
 * machine of a given size, plus the ground truth the files were made from.
 *
 * Geometry: 4 KiB pages, pageblock order 9, 11 orders, one node; zones DMA (PFN 1..4095),
 * DMA32 (up to 4 GiB) and Normal (the rest). About 15 % of managed memory is free.
 *
 * Feasibility (so that synthesizeModel can reproduce every count): the synthesizer places free
 * blocks so that no two free buddies of one order exist, so a pageblock holds at most 2^(8-k)
 * free blocks of order k < 9 and fewer than 512 free pages in such blocks; free blocks of order
 * ≥ 9 take whole (aligned) pageblocks. The generator keeps the small-order totals at ~10 % of the
 * pages of the pageblocks that can host them and checks that bound before returning.
 */
import { formatBuddyinfo, formatPagetypeinfo, parseCapture, Rng, type Buddyinfo, type Capture, type Pagetypeinfo } from '../engine/index.ts'

export const PAGE_SIZE = 4096
export const PB_ORDER = 9
export const PB_PAGES = 2 ** PB_ORDER
export const NR_ORDERS = 11
export const MIGRATETYPES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'] as const
const MT_UNMOVABLE = 0
const MT_MOVABLE = 1
const MT_RECLAIMABLE = 2
/** zones of node 0 as 6.1 x86_64 prints them (populated or not) */
const ALL_ZONES = ['DMA', 'DMA32', 'Normal', 'Movable', 'Device'] as const
/** sysctl_lowmem_reserve_ratio[] defaults per zone index */
const LOWMEM_RESERVE_RATIO = [256, 256, 32, 0, 0]

const GiB = 2 ** 30
const DMA32_END_PFN = (4 * GiB) / PAGE_SIZE

/** share of the free pages in blocks of each order (sums to 1): many small blocks, a few large ones */
const FREE_PAGE_SHARE = [0.10, 0.10, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05, 0.05, 0.10, 0.20]
/** share of the small-order (< pageblock order) free blocks on the Unmovable and Reclaimable lists */
const SMALL_UNMOVABLE = 0.03
const SMALL_RECLAIMABLE = 0.02
/** the Unmovable and Reclaimable lists stay below pagetypeinfo's 100000 cap (see below) */
const MINOR_LIST_MAX = 95000
/** pageblock types */
const PB_UNMOVABLE = 0.05
const PB_RECLAIMABLE = 0.02
/** free share of managed memory */
const FREE_SHARE = 0.15
/** THPs: share of the top zone's pageblocks */
const THP_SHARE = 0.03

export interface ZoneTruth {
  name: string
  startPfn: number
  spanned: number
  present: number
  managed: number
  /** free blocks per [migratetype][order] */
  free: number[][]
  /** pageblocks per migratetype (stepping from zone_start_pfn as pagetypeinfo does) */
  blocks: number[]
  /** per-cpu list page counts */
  pcp: number[]
  freePages: number
  min: number
  low: number
  high: number
  protection: number[]
  /** LRU counters */
  anon: number
  file: number
  unevictable: number
}

export interface SyntheticMachine {
  label: string
  bytes: number
  pages: number
  cpus: number
  zones: ZoneTruth[]
  thps: number
  texts: { buddyinfo: string; pagetypeinfo: string; zoneinfo: string; meminfo: string; node0_vmstat: string }
  buddyinfo: Buddyinfo
  pagetypeinfo: Pagetypeinfo
}

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 * GiB ? `${bytes / (1024 * GiB)} TiB` : `${bytes / GiB} GiB`
}

const pbCount = (start: number, spanned: number): number => Math.floor((start + spanned - 1) / PB_PAGES) - Math.floor(start / PB_PAGES) + 1

/** Build the summary files of a synthetic machine of `bytes` bytes (one node). */
export function syntheticMachine(bytes: number, seed: number): SyntheticMachine {
  const rng = new Rng(seed)
  const pages = bytes / PAGE_SIZE
  const cpus = Math.min(64, Math.max(4, Math.round(Math.sqrt(bytes / GiB) * 2)))
  const endPfn = pages
  // ---- zone spans: DMA [1, 4096), DMA32 [4096, min(end, 4 GiB)), Normal [4 GiB, end)
  const shapes: Array<{ name: string; start: number; spanned: number; present: number; managed: number }> = []
  // DMA as on real x86: PFN 0 and the 640 KiB–1 MiB legacy hole are not RAM; early reservations
  shapes.push({ name: 'DMA', start: 1, spanned: 4095, present: 3998, managed: 3840 })
  const dma32End = Math.min(endPfn, DMA32_END_PFN)
  const hasNormal = endPfn > DMA32_END_PFN
  // memmap (64 bytes of struct page per 4 KiB page) lives in the top zone; kernel image, initrd... in DMA32
  const memmapPages = Math.floor(pages / 64)
  const dma32Spanned = dma32End - 4096
  const dma32Present = dma32Spanned - 2048 // 8 MiB of ACPI/firmware ranges
  const dma32Reserved = 16384 + (hasNormal ? 0 : memmapPages)
  shapes.push({ name: 'DMA32', start: 4096, spanned: dma32Spanned, present: dma32Present, managed: dma32Present - dma32Reserved })
  if (hasNormal) {
    const spanned = endPfn - DMA32_END_PFN
    shapes.push({ name: 'Normal', start: DMA32_END_PFN, spanned, present: spanned, managed: spanned - memmapPages })
  }
  const totalManaged = shapes.reduce((s, z) => s + z.managed, 0)

  // ---- watermarks (__setup_per_zone_wmarks with min_free_kbytes from init_per_zone_wmark_min)
  const minFreeKbytes = Math.min(262144, Math.max(128, Math.floor(Math.sqrt(totalManaged * 4 * 16))))
  const pagesMin = Math.floor(minFreeKbytes / 4)

  const zones: ZoneTruth[] = []
  const top = shapes[shapes.length - 1]!
  const nPbTop = pbCount(top.start, top.spanned)
  const thps = Math.round(nPbTop * THP_SHARE)
  for (const s of shapes) {
    const nPb = pbCount(s.start, s.spanned)
    const tmp = Math.floor((pagesMin * s.managed) / totalManaged)
    const gap = Math.max(Math.floor(tmp / 4), Math.floor((s.managed * 10) / 10000))
    const zi = ALL_ZONES.indexOf(s.name as (typeof ALL_ZONES)[number])
    const protection = ALL_ZONES.map((_, j) => {
      if (j <= zi || !LOWMEM_RESERVE_RATIO[zi]) return 0
      const above = shapes.filter((x) => { const k = ALL_ZONES.indexOf(x.name as (typeof ALL_ZONES)[number]); return k > zi && k <= j }).reduce((a, x) => a + x.managed, 0)
      return Math.floor(above / LOWMEM_RESERVE_RATIO[zi]!)
    })
    const free = MIGRATETYPES.map(() => new Array<number>(NR_ORDERS).fill(0))
    const blocks = new Array<number>(MIGRATETYPES.length).fill(0)
    let pcp: number[]
    if (s.name === 'DMA') {
      // lowmem_reserve keeps DMA almost untouched: a few blocks on Unmovable from early boot, the rest whole
      free[MT_UNMOVABLE]![5] = 1
      free[MT_UNMOVABLE]![6] = 1
      free[MT_UNMOVABLE]![7] = 1
      free[MT_MOVABLE]![9] = 1
      free[MT_MOVABLE]![10] = 3
      blocks[MT_UNMOVABLE] = 1
      blocks[MT_MOVABLE] = nPb - 1
      pcp = new Array<number>(cpus).fill(0)
    } else {
      blocks[MT_UNMOVABLE] = Math.round(nPb * PB_UNMOVABLE)
      blocks[MT_RECLAIMABLE] = Math.round(nPb * PB_RECLAIMABLE)
      blocks[MT_MOVABLE] = nPb - blocks[MT_UNMOVABLE]! - blocks[MT_RECLAIMABLE]!
      const freeTarget = s.managed * FREE_SHARE
      for (let o = 0; o < NR_ORDERS; o++) {
        // ±5 % jitter per order so the three machines do not look scaled copies of each other
        const n = Math.max(1, Math.round(((freeTarget * FREE_PAGE_SHARE[o]!) / 2 ** o) * (0.95 + 0.1 * rng.next())))
        if (o >= PB_ORDER) {
          free[MT_MOVABLE]![o] = n
          continue
        }
        // at most one list per order may reach the 100000 print cap: with two capped lists
        // pagetypeinfo no longer says how buddyinfo's count splits between them
        const u = Math.min(MINOR_LIST_MAX, Math.round(n * SMALL_UNMOVABLE * (0.8 + 0.4 * rng.next())))
        const r = Math.min(MINOR_LIST_MAX, Math.round(n * SMALL_RECLAIMABLE * (0.8 + 0.4 * rng.next())))
        free[MT_UNMOVABLE]![o] = u
        free[MT_RECLAIMABLE]![o] = r
        free[MT_MOVABLE]![o] = n - u - r
      }
      const batch = 63
      const high = Math.max(4 * batch, Math.floor((s.managed * 10) / 10000 / cpus) * 4)
      pcp = Array.from({ length: cpus }, () => rng.int(Math.min(high, 8 * batch)))
    }
    const freePages = free.reduce((a, row) => a + row.reduce((b, n, o) => b + n * 2 ** o, 0), 0)
    const used = s.managed - freePages - pcp.reduce((a, b) => a + b, 0)
    const lru = s.name === 'DMA' ? 0 : Math.floor(used * 0.85)
    const anon = Math.floor(lru * 0.55)
    const unevictable = Math.floor(lru * 0.01)
    zones.push({
      name: s.name, startPfn: s.start, spanned: s.spanned, present: s.present, managed: s.managed, free, blocks, pcp, freePages,
      min: tmp, low: tmp + gap, high: tmp + 2 * gap, protection, anon, file: lru - anon - unevictable, unevictable,
    })
  }
  checkFeasible(zones, thps)

  // ---- the files
  const buddyinfo: Buddyinfo = {
    nrOrders: NR_ORDERS,
    rows: zones.map((z) => ({ node: 0, zone: z.name, nrFree: Array.from({ length: NR_ORDERS }, (_, o) => z.free.reduce((a, row) => a + row[o]!, 0)) })),
  }
  const CAP = 100000 // pagetypeinfo_showfree_print stops counting a list at 100000 and prints ">100000"
  const pagetypeinfo: Pagetypeinfo = {
    pageblockOrder: PB_ORDER, pagesPerBlock: PB_PAGES, nrOrders: NR_ORDERS, migratetypes: [...MIGRATETYPES],
    free: zones.flatMap((z) => MIGRATETYPES.map((mt, i) => ({
      node: 0, zone: z.name, migratetype: mt, counts: z.free[i]!.map((n) => Math.min(n, CAP)), capped: z.free[i]!.map((n) => n >= CAP),
    }))),
    blocks: zones.map((z) => ({ node: 0, zone: z.name, counts: [...z.blocks] })),
    mixed: null,
  }
  const nodeStats = nodeStatsOf(zones, thps)
  const texts = {
    buddyinfo: formatBuddyinfo(buddyinfo),
    pagetypeinfo: formatPagetypeinfo(pagetypeinfo),
    zoneinfo: zoneinfoText(zones, nodeStats, cpus),
    meminfo: meminfoText(zones, thps),
    node0_vmstat: vmstatText(zones, nodeStats),
  }
  return { label: sizeLabel(bytes), bytes, pages, cpus, zones, thps, texts, buddyinfo, pagetypeinfo }
}

/** parseCapture of the machine's files, as a capture directory without kpageflags would give. */
export function captureOf(m: SyntheticMachine, withKpage = false): Capture {
  return parseCapture({
    source: `synthetic-${m.label.replace(' ', '')}`,
    texts: { ...m.texts },
    binaries: withKpage ? ['kpageflags', 'kpagecount'] : [],
  })
}

/**
 * A sufficient bound, per zone and migratetype: small-order free blocks must fit in the
 * pageblocks of their type that stay available after whole free pageblocks, THPs and reserved
 * or hole pages take theirs. Throws when the generator would produce an infeasible capture.
 */
function checkFeasible(zones: ZoneTruth[], thps: number): void {
  zones.forEach((z, zi) => {
    const touched = Math.ceil((z.present - z.managed + z.spanned - z.present + (z.startPfn % PB_PAGES)) / PB_PAGES) + 1
    for (let mt = 0; mt < MIGRATETYPES.length; mt++) {
      let whole = 0
      for (let o = PB_ORDER; o < NR_ORDERS; o++) whole += z.free[mt]![o]! * 2 ** (o - PB_ORDER)
      let avail = z.blocks[mt]! - whole - (mt === MT_MOVABLE && zi === zones.length - 1 ? thps : 0) - (mt === MT_UNMOVABLE ? touched : 0)
      if (z.name === 'DMA' && mt === MT_UNMOVABLE) avail = 1 // the partly reserved block 0 hosts the three small blocks
      let smallPages = 0
      for (let o = 0; o < PB_ORDER; o++) {
        const n = z.free[mt]![o]!
        smallPages += n * 2 ** o
        if (n > 0 && n > avail * 2 ** (PB_ORDER - 1 - o)) throw new Error(`infeasible synthetic capture: zone ${z.name} ${MIGRATETYPES[mt]} order ${o}: ${n} blocks in ${avail} pageblocks`)
      }
      if (whole < 0 || avail < 0 || (smallPages > 0 && smallPages > avail * (PB_PAGES - 1) * 0.5)) {
        throw new Error(`infeasible synthetic capture: zone ${z.name} ${MIGRATETYPES[mt]}: ${smallPages} small free pages in ${avail} pageblocks`)
      }
    }
  })
}

function zoneStats(z: ZoneTruth): Record<string, number> {
  return {
    nr_free_pages: z.freePages,
    nr_zone_inactive_anon: Math.floor(z.anon * 0.7),
    nr_zone_active_anon: z.anon - Math.floor(z.anon * 0.7),
    nr_zone_inactive_file: Math.floor(z.file * 0.5),
    nr_zone_active_file: z.file - Math.floor(z.file * 0.5),
    nr_zone_unevictable: z.unevictable,
    nr_zone_write_pending: Math.floor(z.file * 0.001),
    nr_mlock: z.unevictable,
    nr_bounce: 0,
    nr_zspages: 0,
    nr_free_cma: 0,
    numa_hit: z.managed * 37,
    numa_miss: 0,
    numa_foreign: 0,
    numa_interleave: 1024,
    numa_local: z.managed * 37,
    numa_other: 0,
  }
}

function nodeStatsOf(zones: ZoneTruth[], thps: number): Record<string, number> {
  const sum = (f: (z: ZoneTruth) => number): number => zones.reduce((a, z) => a + f(z), 0)
  const anon = sum((z) => z.anon)
  const file = sum((z) => z.file)
  const used = sum((z) => z.managed - z.freePages)
  return {
    nr_inactive_anon: Math.floor(anon * 0.7), nr_active_anon: anon - Math.floor(anon * 0.7),
    nr_inactive_file: Math.floor(file * 0.5), nr_active_file: file - Math.floor(file * 0.5),
    nr_unevictable: sum((z) => z.unevictable), nr_slab_reclaimable: Math.floor(used * 0.03), nr_slab_unreclaimable: Math.floor(used * 0.02),
    nr_isolated_anon: 0, nr_isolated_file: 0, workingset_nodes: 0, workingset_refault_anon: 0, workingset_refault_file: 0,
    workingset_activate_anon: 0, workingset_activate_file: 0, workingset_restore_anon: 0, workingset_restore_file: 0, workingset_nodereclaim: 0,
    nr_anon_pages: anon, nr_mapped: Math.floor(file * 0.2), nr_file_pages: file, nr_dirty: Math.floor(file * 0.001), nr_writeback: 0,
    nr_writeback_temp: 0, nr_shmem: Math.floor(file * 0.05), nr_shmem_hugepages: 0, nr_shmem_pmdmapped: 0, nr_file_hugepages: 0,
    nr_file_pmdmapped: 0, nr_anon_transparent_hugepages: thps, nr_vmscan_write: 0, nr_vmscan_immediate_reclaim: 0, nr_dirtied: 0,
    nr_written: 0, nr_throttled_written: 0, nr_kernel_misc_reclaimable: 0, nr_foll_pin_acquired: 0, nr_foll_pin_released: 0,
    nr_kernel_stack: Math.floor(used * 0.002), nr_page_table_pages: Math.floor(used * 0.005), nr_sec_page_table_pages: 0, nr_swapcached: 0,
    pgpromote_success: 0, pgpromote_candidate: 0,
  }
}

/** /proc/zoneinfo, 6.1 layout (zoneinfo_show_print), every zone of node 0. */
function zoneinfoText(zones: ZoneTruth[], nodeStats: Record<string, number>, cpus: number): string {
  const L: string[] = []
  let first = true
  for (const name of ALL_ZONES) {
    const z = zones.find((x) => x.name === name)
    L.push(`Node 0, zone ${name.padStart(8)}`)
    if (!z) {
      L.push('  pages free     0', '        boost    0', '        min      0', '        low      0', '        high     0',
        '        spanned  0', '        present  0', '        managed  0', '        cma      0', `        protection: (${ALL_ZONES.map(() => 0).join(', ')})`)
      continue
    }
    if (first) {
      L.push('  per-node stats')
      for (const [k, v] of Object.entries(nodeStats)) L.push(`      ${k.padEnd(12)} ${v}`)
      first = false
    }
    L.push(`  pages free     ${z.freePages}`, '        boost    0', `        min      ${z.min}`, `        low      ${z.low}`, `        high     ${z.high}`,
      `        spanned  ${z.spanned}`, `        present  ${z.present}`, `        managed  ${z.managed}`, '        cma      0',
      `        protection: (${z.protection.join(', ')})`)
    for (const [k, v] of Object.entries(zoneStats(z))) L.push(`      ${k.padEnd(12)} ${v}`)
    L.push('  pagesets')
    const batch = z.name === 'DMA' ? 1 : 63
    const high = z.name === 'DMA' ? 118 : Math.max(4 * batch, Math.floor(z.low / cpus))
    for (let cpu = 0; cpu < cpus; cpu++) {
      L.push(`    cpu: ${cpu}`, `              count: ${z.pcp[cpu]}`, `              high:  ${high}`, `              batch: ${batch}`,
        `  vm stats threshold: ${z.name === 'DMA' ? 4 : 125}`)
    }
    L.push('  node_unreclaimable:  0', `  start_pfn:           ${z.startPfn}`)
  }
  return L.join('\n') + '\n'
}

/** node0 vmstat: the zone counters summed over the node's zones, then the node counters */
function vmstatText(zones: ZoneTruth[], nodeStats: Record<string, number>): string {
  const sum = new Map<string, number>()
  for (const z of zones) for (const [k, v] of Object.entries(zoneStats(z))) sum.set(k, (sum.get(k) ?? 0) + v)
  for (const [k, v] of Object.entries(nodeStats)) sum.set(k, v)
  return [...sum].map(([k, v]) => `${k} ${v}`).join('\n') + '\n'
}

function meminfoText(zones: ZoneTruth[], thps: number): string {
  const kb = (pages: number): string => `${String(pages * 4).padStart(8)} kB`
  const managed = zones.reduce((a, z) => a + z.managed, 0)
  const free = zones.reduce((a, z) => a + z.freePages + z.pcp.reduce((x, y) => x + y, 0), 0)
  const file = zones.reduce((a, z) => a + z.file, 0)
  const anon = zones.reduce((a, z) => a + z.anon, 0)
  return [
    `MemTotal:       ${kb(managed)}`, `MemFree:        ${kb(free)}`, `MemAvailable:   ${kb(free + Math.floor(file * 0.8))}`,
    `Buffers:        ${kb(Math.floor(file * 0.02))}`, `Cached:         ${kb(file)}`, `AnonPages:      ${kb(anon)}`,
    `AnonHugePages:  ${kb(thps * PB_PAGES)}`, 'HugePages_Total:       0', 'HugePages_Free:        0', `Hugepagesize:       2048 kB`,
  ].join('\n') + '\n'
}
