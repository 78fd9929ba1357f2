/**
 * A capture's summaries as read again after its kpageflags and kpagecount (the harness's and
 * capture-host.sh's `after-kpage/buddyinfo` and `after-kpage/zoneinfo`): the state nearest the
 * trigger that follows it, which the synthesized layout is built from when the capture holds it.
 *
 * Linux 6.1–6.18. A capture reads buddyinfo first, then pagetypeinfo and zoneinfo, then
 * kpageflags and kpagecount (seconds on a large machine), then buddyinfo and zoneinfo again. In
 * between, the workload and the capture's own tools allocate and free: a free block taken off a
 * list (rmqueue → __rmqueue_smallest, or a pcp refill through rmqueue_bulk) or put on one
 * (__free_one_page, merging up to a pageblock or beyond) shows in the re-read as a changed
 * count per order, and the per-cpu list counts of zoneinfo move with it. A synthesized layout
 * built from the first read starts from a state the kernel had already left when the trigger
 * ran (docs/fidelity.md, "Synthesized layouts": the second compactions whose ≥ 2 MiB band sat
 * at the first read's value while the re-read already showed a pageblock more or fewer).
 *
 * What is read again and what is not:
 *  - buddyinfo: every order of every zone, taken whole;
 *  - zoneinfo: the per-cpu list counts, nr_free_pages, the LRU and other zone counters, taken
 *    whole when every zone's span, present and managed pages are those of the first read (else
 *    the first read's is kept: the pageblock counts below would not fit a zone that grew);
 *  - pagetypeinfo is not read again: its per-migratetype free counts are moved, order by order,
 *    by the difference between the re-read buddyinfo and their sum. A block that appeared goes
 *    on the Movable list (a freed page goes to its pageblock's list, get_pfnblock_migratetype in
 *    free_one_page, and the pages the workload and the tools free are user pages of Movable
 *    pageblocks); a block that went comes off the Movable list first (what rmqueue takes for a
 *    user allocation, __rmqueue_smallest on MIGRATE_MOVABLE), then off the list holding most of
 *    that order (the first read's Unmovable or Reclaimable order-8 block that a fallback split,
 *    x86-1G-s12-wl0-cpu1/02-before). Counts printed as `>100000` are left to buddyinfo to
 *    resolve (capturedFreeCounts), as for the first read. Its pageblock counts stay as first
 *    read: a pageblock changes type only when a fallback steals it, rarer than a block moving.
 */
import type { Capture } from '../snapshot.ts'
import type { Buddyinfo, Pagetypeinfo, Zoneinfo } from '../procfs/types.ts'

export interface CaptureReread {
  /** after-kpage/buddyinfo, parsed */
  buddyinfo: Buddyinfo
  /** after-kpage/zoneinfo, parsed, when captured */
  zoneinfo: Zoneinfo | null
  /** the re-read files as messages name them */
  buddyinfoFile: string
  zoneinfoFile?: string
}

export interface RereadCapture {
  capture: Capture
  /** what was taken from the re-read, in plain words (the what-if's assumption, the layout's note) */
  note: string
  /** free blocks moved onto (+) and off (−) the per-migratetype lists, summed over zones and orders */
  added: number
  removed: number
  /** free pages in blocks of pageblock order or more, first read and re-read */
  highOrderPages: { first: number; reread: number }
  /**
   * per zone (`node/zone`), the write-pending pages (zoneinfo nr_zone_write_pending) the re-read
   * holds beyond the first read: pages written between the reads, the capture's own kpageflags.gz
   * and kpagecount.gz among them where it wrote them to a disk (engine/reconstruct/synthesize.ts
   * placeWrittenFolios). Empty when zoneinfo was not read again.
   */
  writtenAfterRead: Record<string, number>
  /**
   * per zone, the pages the per-cpu lists whose high fell between the reads gave back to the
   * buddy allocator (count first read − count re-read, for each CPU whose high fell: only
   * decay_pcp_high lowers pcp->high, 6.7+; see pcpDecayedBetweenReads)
   */
  pcpDecayed: Array<{ node: number; zone: string; pages: number }>
}

/**
 * The pages decay_pcp_high (6.7+, vmstat_update once a second: the high lowered by an eighth and
 * the list's oldest pages freed down to it, free_pcppages_bulk) gave back between a capture's
 * first zoneinfo and its re-read: for each CPU whose high fell (nothing else lowers it; the free
 * path raises it, nr_pcp_high), the pages above the re-read's high, count − max(high', count')
 * (decayedDownToHigh). Those pages lie where that list's pages lay, not where the re-read's other
 * free pages do.
 */
export function pcpDecayedBetweenReads(first: Zoneinfo, reread: Zoneinfo): Array<{ node: number; zone: string; pages: number }> {
  const out: Array<{ node: number; zone: string; pages: number }> = []
  for (const z of first.zones) {
    const r = reread.zones.find((x) => x.node === z.node && x.zone === z.zone)
    if (!r) continue
    let pages = 0
    for (const p of z.pagesets) {
      const q = r.pagesets.find((x) => x.cpu === p.cpu)
      if (q && q.high < p.high && q.count < p.count) pages += decayedDownToHigh ? Math.max(0, p.count - Math.max(q.count, q.high)) : p.count - q.count
    }
    if (pages > 0) out.push({ node: z.node, zone: z.zone, pages })
  }
  return out
}

/**
 * What a list whose high fell gave back to the buddy allocator between the reads: decay_pcp_high
 * frees count − high (to_drain) and no more, so the pages it gave back are those above the new
 * high; what the list lost below that high was allocated from it (rmqueue_pcplist: the capture's
 * own tools), pages in use at the re-read, not free ones. host-24G-k618-u/02 (this machine, 6.18):
 * CPU 1's list 15791 pages under a high of 16035 at the first read, 4842 under 14231 at the
 * re-read, so 1560 pages given back and 9389 taken, and kpageflags hold 1045 flagless pages in the
 * whole used top (its 4284 Movable pageblocks of 400 LRU pages or more), where the 10949 of
 * count − count' spread there kept the second free scanner at stride 1 (compact_free_scanned
 * 2118029–2184687 against the kernel's 115981). Off: count − count' (for the test that holds it).
 */
let decayedDownToHigh = true
export function setDecayedDownToHigh(on: boolean): void { decayedDownToHigh = on }

const zoneKey = (node: number, zone: string): string => `${node}/${zone}`

/** Does the re-read zoneinfo describe the same zones, of the same size, as the first read? */
function sameZones(a: Zoneinfo, b: Zoneinfo): boolean {
  const shape = (z: Zoneinfo): string => z.zones.map((x) => `${zoneKey(x.node, x.zone)}:${x.startPfn}:${x.spanned}:${x.present}:${x.managed}`).join(' ')
  return shape(a) === shape(b)
}

/**
 * The capture as of its re-read (see the header), or null when the re-read cannot stand in for
 * the first read: no buddyinfo first read, another number of orders, or other zones.
 */
export function captureAtReread(c: Capture, r: CaptureReread): RereadCapture | null {
  const first = c.buddyinfo
  if (!first || r.buddyinfo.nrOrders !== first.nrOrders) return null
  const keys = (b: Buddyinfo): string => b.rows.map((x) => zoneKey(x.node, x.zone)).sort().join(' ')
  if (keys(first) !== keys(r.buddyinfo)) return null
  const pbo = c.machine.pageblockOrder
  const hi = (b: Buddyinfo): number => b.rows.reduce((s, x) => s + x.nrFree.reduce((t, n, o) => t + (o >= pbo ? n * 2 ** o : 0), 0), 0)

  let added = 0
  let removed = 0
  let pagetypeinfo: Pagetypeinfo | null = c.pagetypeinfo
  if (c.pagetypeinfo) {
    const free = c.pagetypeinfo.free.map((x) => ({ ...x, counts: [...x.counts], capped: [...x.capped] }))
    for (const row of r.buddyinfo.rows) {
      const rows = free.filter((x) => x.node === row.node && x.zone === row.zone)
      if (rows.length === 0) continue
      const movable = rows.find((x) => x.migratetype === 'Movable') ?? rows[0]!
      row.nrFree.forEach((want, o) => {
        if (rows.some((x) => x.capped[o])) return
        let delta = want - rows.reduce((s, x) => s + (x.counts[o] ?? 0), 0)
        if (delta > 0) {
          movable.counts[o] = (movable.counts[o] ?? 0) + delta
          added += delta
          return
        }
        // off the Movable list first, then off the lists holding most of this order
        const order = [movable, ...rows.filter((x) => x !== movable).sort((a, b) => (b.counts[o] ?? 0) - (a.counts[o] ?? 0))]
        for (const x of order) {
          if (delta === 0) break
          const take = Math.min(x.counts[o] ?? 0, -delta)
          x.counts[o] = (x.counts[o] ?? 0) - take
          delta += take
          removed += take
        }
      })
    }
    pagetypeinfo = { ...c.pagetypeinfo, free }
  }
  const zoneinfo = r.zoneinfo && c.zoneinfo && sameZones(c.zoneinfo, r.zoneinfo) ? r.zoneinfo : c.zoneinfo
  const describe = (name: string): string => (name === 'buddyinfo' ? r.buddyinfoFile : name === 'zoneinfo' && zoneinfo !== c.zoneinfo && r.zoneinfoFile ? r.zoneinfoFile : c.describe(name))
  const highOrderPages = { first: hi(first), reread: hi(r.buddyinfo) }
  const blocks = (n: number): string => `${n} free block${n === 1 ? '' : 's'}`
  const pcp = (z: Zoneinfo | null): number => z?.zones.reduce((s, x) => s + x.pagesets.reduce((t, p) => t + p.count, 0), 0) ?? 0
  const parts = [
    `free blocks per order from buddyinfo read again after kpageflags and kpagecount (after-kpage/), the state nearest the trigger, not from its first read: free pages in blocks of order ≥ ${pbo} ${highOrderPages.first} → ${highOrderPages.reread}`,
  ]
  if (c.pagetypeinfo) parts.push(`pagetypeinfo (not read again) moved to match it: ${blocks(added)} added to the Movable lists, ${blocks(removed)} taken off (Movable first); its pageblock counts as first read`)
  if (zoneinfo !== c.zoneinfo) parts.push(`zoneinfo read again too: per-cpu list pages ${pcp(c.zoneinfo)} → ${pcp(zoneinfo)}, and its free and LRU counters`)
  else if (r.zoneinfo) parts.push('zoneinfo as first read (the re-read lists other zones or zone sizes)')
  const writtenAfterRead: Record<string, number> = {}
  if (zoneinfo !== c.zoneinfo && zoneinfo && c.zoneinfo) {
    for (const z of zoneinfo.zones) {
      const was = c.zoneinfo.zones.find((x) => x.node === z.node && x.zone === z.zone)?.stats['nr_zone_write_pending']
      const now = z.stats['nr_zone_write_pending']
      if (was !== undefined && now !== undefined && now > was) writtenAfterRead[zoneKey(z.node, z.zone)] = now - was
    }
  }
  return {
    capture: { ...c, buddyinfo: r.buddyinfo, pagetypeinfo, zoneinfo, describe },
    note: `synthesized layout: ${parts.join('; ')}`,
    added, removed, highOrderPages, writtenAfterRead,
    pcpDecayed: zoneinfo !== c.zoneinfo && c.zoneinfo ? pcpDecayedBetweenReads(c.zoneinfo, zoneinfo!) : [],
  }
}
