/**
 * The diff of two states of one machine's memory: two captures (before → after), a capture and
 * a what-if's prediction of it, or a prediction and the real after-capture. It compares, per zone:
 *
 * - free areas: zone->free_area[order].nr_free (as buddyinfo prints it) per order, the free
 *   lists per migratetype (free_area[order].free_list[mt], as pagetypeinfo_showfree_print
 *   counts them) and pageblocks per migratetype (pagetypeinfo_showblockcount_print); the caller
 *   says whose numbers they are (captured files or the model);
 * - pageblocks, from two maps of metrics/pageblock_map.ts: the blocks that changed migratetype
 *   (the pageblock bits, get_pageblock_migratetype), became mixed or unmixed (a page of another
 *   mobility, as pagetypeinfo_showmixedcount_print sees it), became wholly free (no page in use:
 *   a free buddy block of order ≥ pageblock_order covers it) or filled up (no free page left),
 *   or only had some pages freed or allocated, or came into (or left) the buddy allocator;
 * - the pages of one pageblock (two page-level details): which were freed, allocated, or
 *   changed kind.
 *
 * One model for every comparison: `buddyscope diff`, the app's diff view and the what-ifs'
 * changed pageblocks and predicted-vs-real rows. Pure: the inputs are plain numbers and arrays.
 */
import type { PageblockMap, PageblockDetail } from './pageblock_map.ts'

// ------------------------------------------------------------------ machines

/** What must agree for two captures to be of one machine (a MachineInfo plus the zones' spans). */
export interface MachineShape {
  hostname: string | null
  kernelRelease: string | null
  arch: string | null
  pageSize: number
  pageblockOrder: number
  nrOrders: number
  zones: Array<{ node: number; zone: string; startPfn: number; spanned: number; present: number }>
}

/** Why two captures cannot be of one machine: what differs, and the zone it is about, if any. */
export interface MachineMismatch {
  what: 'hostname' | 'arch' | 'page size' | 'pageblock order' | 'orders' | 'zone missing' | 'zone span'
  /** the file that says it (canonical name: zoneinfo, buddyinfo, pagetypeinfo, manifest.json) */
  file: string
  zone: { node: number; zone: string } | null
  before: string
  after: string
}

export interface MachineComparison {
  mismatches: MachineMismatch[]
  /** differences that do not stop a comparison, in words (another kernel, other present pages) */
  notes: string[]
}

const span = (z: { startPfn: number; spanned: number }): string => `PFN ${z.startPfn}..${z.startPfn + z.spanned - 1} (${z.spanned} pages)`

/** Are `a` and `b` captures of one machine? Zones must have the same spans; another kernel is only a note. */
export function compareMachines(a: MachineShape, b: MachineShape): MachineComparison {
  const mismatches: MachineMismatch[] = []
  const notes: string[] = []
  const m = (what: MachineMismatch['what'], file: string, before: string, after: string, zone: MachineMismatch['zone'] = null): void => {
    mismatches.push({ what, file, zone, before, after })
  }
  if (a.hostname && b.hostname && a.hostname !== b.hostname) m('hostname', 'manifest.json', a.hostname, b.hostname)
  if (a.arch && b.arch && a.arch !== b.arch) m('arch', 'manifest.json', a.arch, b.arch)
  if (a.pageSize !== b.pageSize) m('page size', 'meminfo', `${a.pageSize} bytes`, `${b.pageSize} bytes`)
  if (a.pageblockOrder !== b.pageblockOrder) m('pageblock order', 'pagetypeinfo', String(a.pageblockOrder), String(b.pageblockOrder))
  if (a.nrOrders !== b.nrOrders) m('orders', 'buddyinfo', String(a.nrOrders), String(b.nrOrders))
  const key = (z: { node: number; zone: string }): string => `${z.node}:${z.zone}`
  const bz = new Map(b.zones.map((z) => [key(z), z]))
  const az = new Map(a.zones.map((z) => [key(z), z]))
  for (const z of a.zones) {
    const o = bz.get(key(z))
    if (!o) m('zone missing', 'zoneinfo', `node ${z.node} zone ${z.zone} ${span(z)}`, 'no such zone', { node: z.node, zone: z.zone })
    else if (o.startPfn !== z.startPfn || o.spanned !== z.spanned) m('zone span', 'zoneinfo', span(z), span(o), { node: z.node, zone: z.zone })
    else if (o.present !== z.present) notes.push(`Node ${z.node}, zone ${z.zone}: present pages ${z.present} → ${o.present} (memory was onlined or offlined between the captures)`)
  }
  for (const z of b.zones) if (!az.has(key(z))) m('zone missing', 'zoneinfo', 'no such zone', `node ${z.node} zone ${z.zone} ${span(z)}`, { node: z.node, zone: z.zone })
  if (a.kernelRelease !== b.kernelRelease) {
    notes.push(a.kernelRelease && b.kernelRelease
      ? `the kernels differ: ${a.kernelRelease} → ${b.kernelRelease} (a reboot between the captures; the allocator's rules may differ)`
      : `the kernel of ${a.kernelRelease ? 'the second' : 'the first'} capture is unknown, so whether both ran one kernel cannot be told`)
  }
  return { mismatches, notes }
}

// ------------------------------------------------------------------ free areas

/** One zone's free areas as one side has them. */
export interface FreeAreaCounts {
  node: number
  zone: string
  /** free blocks per order, all migratetypes */
  freeBlocks: number[]
  /** free blocks per order per migratetype list */
  freeBlocksByMigratetype: Record<string, number[]>
  /** pageblocks per migratetype */
  pageblocks: Record<string, number>
}

export interface FreeAreaDelta {
  node: number
  zone: string
  before: number[]
  after: number[]
  /** after − before, free blocks per order */
  freeBlocksDelta: number[]
  /** after − before, pages in free blocks */
  freePagesDelta: number
  /** pages in free blocks of order ≥ pageblock order (whole free pageblocks), before and after */
  highOrderPagesBefore: number
  highOrderPagesAfter: number
  /** (after − before) / before, or null when before is 0 */
  highOrderChange: number | null
  /** after − before per migratetype list and order (every list either side has) */
  freeBlocksByMigratetypeDelta: Record<string, number[]>
  /** after − before, pageblocks per migratetype */
  pageblocksDelta: Record<string, number>
}

/** Pages in free blocks of order ≥ `fromOrder`. */
export function pagesAtOrAbove(freeBlocks: readonly number[], fromOrder: number): number {
  let s = 0
  for (let o = fromOrder; o < freeBlocks.length; o++) s += (freeBlocks[o] ?? 0) * 2 ** o
  return s
}

const minus = (a: readonly number[], b: readonly number[]): number[] => {
  const n = Math.max(a.length, b.length)
  return Array.from({ length: n }, (_, o) => (a[o] ?? 0) - (b[o] ?? 0))
}

/** The free areas of one zone, after − before. */
export function diffFreeArea(before: FreeAreaCounts, after: FreeAreaCounts, pageblockOrder: number): FreeAreaDelta {
  const freeBlocksDelta = minus(after.freeBlocks, before.freeBlocks)
  const freePagesDelta = freeBlocksDelta.reduce((s, d, o) => s + d * 2 ** o, 0)
  const hb = pagesAtOrAbove(before.freeBlocks, pageblockOrder)
  const ha = pagesAtOrAbove(after.freeBlocks, pageblockOrder)
  const byMt: Record<string, number[]> = {}
  for (const mt of new Set([...Object.keys(before.freeBlocksByMigratetype), ...Object.keys(after.freeBlocksByMigratetype)])) {
    byMt[mt] = minus(after.freeBlocksByMigratetype[mt] ?? [], before.freeBlocksByMigratetype[mt] ?? [])
  }
  const pbs: Record<string, number> = {}
  for (const mt of new Set([...Object.keys(before.pageblocks), ...Object.keys(after.pageblocks)])) pbs[mt] = (after.pageblocks[mt] ?? 0) - (before.pageblocks[mt] ?? 0)
  return {
    node: after.node, zone: after.zone, before: [...before.freeBlocks], after: [...after.freeBlocks], freeBlocksDelta, freePagesDelta,
    highOrderPagesBefore: hb, highOrderPagesAfter: ha, highOrderChange: hb > 0 ? (ha - hb) / hb : null,
    freeBlocksByMigratetypeDelta: byMt, pageblocksDelta: pbs,
  }
}

/** Every zone of `after` against the same zone of `before` (a zone missing before counts as empty). */
export function diffFreeAreas(before: readonly FreeAreaCounts[], after: readonly FreeAreaCounts[], pageblockOrder: number): FreeAreaDelta[] {
  return after.map((z) => {
    const b = before.find((x) => x.node === z.node && x.zone === z.zone) ?? { node: z.node, zone: z.zone, freeBlocks: [], freeBlocksByMigratetype: {}, pageblocks: {} }
    return diffFreeArea(b, z, pageblockOrder)
  })
}

// ------------------------------------------------------------------ pageblocks

/**
 * How a pageblock changed, in order of weight (the first one set is the block's main change):
 * came into / left the buddy allocator (initialised, onlined, offlined), became wholly free,
 * filled up, changed migratetype, became mixed, became unmixed, had some pages freed or
 * allocated (still partly free), or kept its free count while its pages changed kind.
 */
export const PAGEBLOCK_CHANGES = [
  'entered', 'left', 'became-free', 'filled', 'retyped', 'became-mixed', 'became-unmixed', 'freed-pages', 'allocated-pages', 'pages-changed',
] as const
export type PageblockChange = (typeof PAGEBLOCK_CHANGES)[number]

/** Bit of a change in PageblockDiff.kinds. */
export const changeBit = (c: PageblockChange): number => 1 << PAGEBLOCK_CHANGES.indexOf(c)

/** What changed, in words (the legend and the text report). */
export const PAGEBLOCK_CHANGE_TEXT: Record<PageblockChange, string> = {
  'entered': 'came into the buddy allocator (initialised or onlined)',
  'left': 'left the buddy allocator (offlined)',
  'became-free': 'became wholly free',
  'filled': 'filled up (no free page left)',
  'retyped': 'changed migratetype',
  'became-mixed': 'became mixed (holds a page of another mobility)',
  'became-unmixed': 'no longer mixed',
  'freed-pages': 'some pages freed (still partly used)',
  'allocated-pages': 'some pages allocated (still partly free)',
  'pages-changed': 'same free pages, pages of other kinds',
}

/** A pageblock's state on one side: outside the buddy allocator, wholly free, partly free, or full. */
export type PageblockKind = 'outside' | 'free' | 'partly-free' | 'full'

/** mt value of a pageblock in no zone or outside the buddy allocator (as PageblockMap.mt) */
const NONE = 255

export function pageblockKind(m: PageblockMap, i: number): PageblockKind {
  if (m.mt[i] === NONE) return 'outside'
  const free = m.free[i]!
  if (free === 0) return 'full'
  return m.movable[i]! + m.unmovable[i]! + m.reclaimable[i]! === 0 ? 'free' : 'partly-free'
}

/** The change bits of pageblock i, from map `a` to map `b` (0 = unchanged). */
export function pageblockChangeBits(a: PageblockMap, b: PageblockMap, i: number): number {
  const ina = a.mt[i] !== NONE
  const inb = b.mt[i] !== NONE
  if (!ina && !inb) return 0
  if (!ina) return changeBit('entered')
  if (!inb) return changeBit('left')
  let bits = 0
  const ka = pageblockKind(a, i)
  const kb = pageblockKind(b, i)
  const fa = a.free[i]!
  const fb = b.free[i]!
  if (kb === 'free' && ka !== 'free') bits |= changeBit('became-free')
  else if (kb === 'full' && ka !== 'full') bits |= changeBit('filled')
  else if (fb > fa) bits |= changeBit('freed-pages')
  else if (fb < fa) bits |= changeBit('allocated-pages')
  if (a.mt[i] !== b.mt[i]) bits |= changeBit('retyped')
  if (!a.mixed[i] && b.mixed[i]) bits |= changeBit('became-mixed')
  else if (a.mixed[i] && !b.mixed[i]) bits |= changeBit('became-unmixed')
  if (bits === 0 && (a.movable[i] !== b.movable[i] || a.unmovable[i] !== b.unmovable[i] || a.reclaimable[i] !== b.reclaimable[i] || a.pinned[i] !== b.pinned[i])) {
    bits |= changeBit('pages-changed')
  }
  return bits
}

/** The main change of a set of bits (the first of PAGEBLOCK_CHANGES set), or null. */
export function mainChange(bits: number): PageblockChange | null {
  for (let k = 0; k < PAGEBLOCK_CHANGES.length; k++) if (bits & (1 << k)) return PAGEBLOCK_CHANGES[k]!
  return null
}

export function changeNames(bits: number): PageblockChange[] {
  return PAGEBLOCK_CHANGES.filter((_, k) => bits & (1 << k))
}

/** A zone's pageblock range on the map (first and last pageblock index). */
export interface ZoneBlocks {
  node: number
  zone: string
  firstPb: number
  lastPb: number
}

export interface PageblockDiff {
  /** per pageblock: the change bits (see changeBit), 0 = unchanged */
  kinds: Uint16Array
  /** pageblocks that changed, in PFN order */
  changed: number[]
  /** per change: how many pageblocks have it (a block may count under several) */
  counts: Record<PageblockChange, number>
  /** per zone (first zone holding the block), the same counts */
  zones: Array<ZoneBlocks & { changed: number; counts: Record<PageblockChange, number> }>
}

const zeroCounts = (): Record<PageblockChange, number> => Object.fromEntries(PAGEBLOCK_CHANGES.map((c) => [c, 0])) as Record<PageblockChange, number>

/** Every pageblock of map `a` against map `b` (two states of one machine: the maps have one length). */
export function diffPageblocks(a: PageblockMap, b: PageblockMap, zones: readonly ZoneBlocks[] = []): PageblockDiff {
  const n = a.mt.length
  if (b.mt.length !== n) throw new RangeError(`the two pageblock maps differ in length (${n} and ${b.mt.length} pageblocks): not one machine`)
  const kinds = new Uint16Array(n)
  const changed: number[] = []
  const counts = zeroCounts()
  const zoneOf = new Int32Array(n).fill(-1)
  zones.forEach((z, zi) => {
    for (let i = Math.max(0, z.firstPb); i <= Math.min(n - 1, z.lastPb); i++) if (zoneOf[i] === -1) zoneOf[i] = zi
  })
  const perZone = zones.map((z) => ({ ...z, changed: 0, counts: zeroCounts() }))
  for (let i = 0; i < n; i++) {
    const bits = pageblockChangeBits(a, b, i)
    if (!bits) continue
    kinds[i] = bits
    changed.push(i)
    const z = zoneOf[i]! >= 0 ? perZone[zoneOf[i]!]! : null
    if (z) z.changed++
    for (let k = 0; k < PAGEBLOCK_CHANGES.length; k++) {
      if (!(bits & (1 << k))) continue
      const c = PAGEBLOCK_CHANGES[k]!
      counts[c]++
      if (z) z.counts[c]++
    }
  }
  return { kinds, changed, counts, zones: perZone }
}

/** One side of a changed pageblock. */
export interface PageblockSide {
  /** migratetype name, or null outside the buddy allocator */
  migratetype: string | null
  kind: PageblockKind
  mixed: boolean
  freePages: number
}

/** A changed pageblock, as `buddyscope diff --json` lists it. */
export interface ChangedPageblock {
  pageblock: number
  pfn: number
  before: PageblockSide
  after: PageblockSide
  /** what changed, the main change first */
  changes: PageblockChange[]
}

function side(m: PageblockMap, i: number, migratetypes: readonly string[]): PageblockSide {
  const mt = m.mt[i]!
  return { migratetype: mt === NONE ? null : migratetypes[mt] ?? `#${mt}`, kind: pageblockKind(m, i), mixed: m.mixed[i] === 1, freePages: m.free[i]! }
}

/** The changed pageblocks of a diff (optionally those of one zone's range), with both sides. */
export function changedPageblocks(
  d: Pick<PageblockDiff, 'kinds' | 'changed'>, a: PageblockMap, b: PageblockMap,
  geo: { basePfn: number; pagesPerBlock: number; migratetypes: readonly string[]; migratetypesAfter?: readonly string[] },
  range?: { firstPb: number; lastPb: number },
): ChangedPageblock[] {
  const out: ChangedPageblock[] = []
  for (const i of d.changed) {
    if (range && (i < range.firstPb || i > range.lastPb)) continue
    out.push({
      pageblock: i, pfn: geo.basePfn + i * geo.pagesPerBlock,
      before: side(a, i, geo.migratetypes), after: side(b, i, geo.migratetypesAfter ?? geo.migratetypes),
      changes: changeNames(d.kinds[i]!),
    })
  }
  return out
}

// ------------------------------------------------------------------ pages of one pageblock

/** A page's change: freed (in use → free), allocated (free → in use), or another kind of use. */
export type PageChange = 'freed' | 'allocated' | 'changed-kind'
export const PAGE_CHANGES: readonly PageChange[] = ['freed', 'allocated', 'changed-kind']

/** Page classes (metrics/pageblock_map.ts PAGE_CLASS_NAMES) that are free: buddy and per-cpu. */
const FREE_CLASSES = new Set([1, 2])
const HOLE_CLASS = 0

export interface PagesDiff {
  startPfn: number
  /** per page: 0 unchanged, 1 freed, 2 allocated, 3 changed kind (index + 1 into PAGE_CHANGES) */
  change: Uint8Array
  counts: Record<PageChange, number>
  /** the changed pages in PFN order (page class indices before and after) */
  pages: Array<{ pfn: number; change: PageChange; before: number; after: number }>
}

/** Page by page, the pageblock as detail `a` has it against detail `b` (both of the same pageblock). */
export function diffPagesOfBlock(a: PageblockDetail, b: PageblockDetail): PagesDiff {
  if (a.startPfn !== b.startPfn || a.classes.length !== b.classes.length) {
    throw new RangeError(`page-level diff of two different pageblocks (PFN ${a.startPfn} and ${b.startPfn})`)
  }
  const n = a.classes.length
  const change = new Uint8Array(n)
  const counts: Record<PageChange, number> = { 'freed': 0, 'allocated': 0, 'changed-kind': 0 }
  const pages: PagesDiff['pages'] = []
  for (let i = 0; i < n; i++) {
    const ca = a.classes[i]!
    const cb = b.classes[i]!
    const fa = FREE_CLASSES.has(ca)
    const fb = FREE_CLASSES.has(cb)
    let c: PageChange | null = null
    if (fa && fb) c = null
    else if (!fa && fb) c = ca === HOLE_CLASS ? 'changed-kind' : 'freed'
    else if (fa && !fb) c = cb === HOLE_CLASS ? 'changed-kind' : 'allocated'
    else if (ca !== cb) c = 'changed-kind'
    if (!c) continue
    change[i] = PAGE_CHANGES.indexOf(c) + 1
    counts[c]++
    pages.push({ pfn: a.startPfn + i, change: c, before: ca, after: cb })
  }
  return { startPfn: a.startPfn, change, counts, pages }
}
