/**
 * The diff of two captures of one machine, as every host answers it (`buddyscope diff`, the
 * app's diff view): checks that both are of one machine (zone spans; another kernel is said),
 * then the engine's diff model (engine/metrics/diff.ts) on the captured files' numbers (buddyinfo,
 * pagetypeinfo; the model's beside them where they differ) and, when both layouts are exact
 * (kpageflags on both sides), on the pageblock maps and the pages of one pageblock.
 */
import {
  compareMachines, diffFreeArea, diffPageblocks, changedPageblocks, diffPagesOfBlock, pageblockDetail, computePageblockMap,
  type MachineInfo, type PageblockMap, type PageblockChange, type ChangedPageblock, type FreeAreaCounts, type MachineMismatch, type MemoryModel, type PageChange,
} from '../engine/index.ts'
import { capturedZones, type CapturedZone } from './summary.ts'
import { loadSnapshot, type LoadedSnapshot, type LayoutChoice } from './load.ts'
import { OpenedPath } from './snapshot.ts'
import { kpageRange } from './kpage_range.ts'

/** Two captures that cannot be compared (two machines): the message names the files and lines. */
export class DiffInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DiffInputError'
  }
}

/** One side of a diff: an opened capture with its zones (captured numbers, the model's under `model`) and pageblock map. */
export interface DiffSide {
  path: string
  label: string | null
  machine: MachineInfo
  layout: 'exact' | 'synthesized'
  /** which captured files the zones' numbers come from */
  files: { buddyinfo: boolean; pagetypeinfo: boolean }
  zones: CapturedZone[]
  map: PageblockMap
  migratetypes: string[]
  basePfn: number
  pagesPerBlock: number
  zoneBoundaries: Array<{ node: number; zone: string; startPfn: number; endPfn: number; firstPb: number; lastPb: number }>
  opened: OpenedPath
}

/** The boundaries of a model's zones on its pageblock map. */
export function zoneBoundariesOf(m: MemoryModel): DiffSide['zoneBoundaries'] {
  return m.zones.map((z) => ({ node: z.node, zone: z.name, startPfn: z.startPfn, endPfn: z.endPfn, firstPb: m.pbIndex(z.startPfn), lastPb: m.pbIndex(z.endPfn - 1) }))
}

/** A loaded snapshot as a side of a diff (the CLI). */
export function sideOf(s: LoadedSnapshot, opened: OpenedPath): DiffSide {
  const m = s.model
  return {
    path: s.path, label: s.label, machine: s.capture.machine, layout: m.build.method,
    files: { buddyinfo: !!s.capture.buddyinfo, pagetypeinfo: !!s.capture.pagetypeinfo },
    zones: capturedZones(s.capture, s.zones, m.build.method, s.reread), map: computePageblockMap(m), migratetypes: [...m.migratetypes.names],
    basePfn: m.basePfn, pagesPerBlock: m.pageblockNrPages, zoneBoundaries: zoneBoundariesOf(m), opened,
  }
}

export const sideName = (s: { path: string; label: string | null }): string => (s.label ? `${s.path} [${s.label}]` : s.path)

/** The file a mismatch is about, with the line of the zone in it when the file says. */
async function where(side: DiffSide, mm: MachineMismatch): Promise<string> {
  const src = await side.opened.capture(side.label ?? undefined)
  try {
    const file = src.has(mm.file) ? mm.file : mm.zone && src.has('buddyinfo') ? 'buddyinfo' : mm.file
    const path = src.describe(file)
    if (!mm.zone || !src.has(file)) return path
    const lines = (await src.readText(file)).split('\n')
    const re = new RegExp(`^Node\\s+${mm.zone.node},\\s+zone\\s+${mm.zone.zone}\\b`)
    const i = lines.findIndex((l) => re.test(l))
    return i >= 0 ? `${path}:${i + 1}` : path
  } finally {
    await src.close()
  }
}

/** Throw a DiffInputError naming both files when the two captures are not of one machine; else the notes. */
export async function checkOneMachine(a: DiffSide, b: DiffSide): Promise<string[]> {
  const shape = (s: DiffSide) => ({ ...s.machine, zones: s.zones.map((z) => ({ node: z.node, zone: z.zone, startPfn: z.startPfn, spanned: z.spanned, present: z.present })) })
  const r = compareMachines(shape(a), shape(b))
  const mm = r.mismatches[0]
  if (mm) {
    const [wa, wb] = [await where(a, mm), await where(b, mm)]
    const what = mm.what === 'zone span' ? `zone ${mm.zone!.zone} of node ${mm.zone!.node} spans ${mm.before} in ${wa} but ${mm.after} in ${wb}`
      : mm.what === 'zone missing' ? `node ${mm.zone!.node} zone ${mm.zone!.zone}: ${mm.before} in ${wa}, ${mm.after} in ${wb}`
        : `${mm.what} ${mm.before} in ${wa}, ${mm.after} in ${wb}`
    const more = r.mismatches.length > 1 ? ` (and ${r.mismatches.length - 1} more difference${r.mismatches.length > 2 ? 's' : ''})` : ''
    throw new DiffInputError(`${what}${more}: these are captures of two machines, and a diff compares two captures of one`)
  }
  return r.notes
}

export interface ZoneDiff {
  node: number
  zone: string
  startPfn: number
  endPfn: number
  firstPb: number
  lastPb: number
  /** free blocks per order before and after, and after − before (buddyinfo's when both captures have it) */
  freeBlocksBefore: number[]
  freeBlocksAfter: number[]
  freeBlocksDelta: number[]
  freePagesDelta: number
  /** pages in free blocks of order ≥ pageblock order (whole free pageblocks), before and after */
  highOrderPagesBefore: number
  highOrderPagesAfter: number
  /** after − before per migratetype free list and order (pagetypeinfo's when both have it) */
  freeBlocksByMigratetypeDelta: Record<string, number[]>
  pageblocksBefore: Record<string, number>
  pageblocksAfter: Record<string, number>
  pageblocksDelta: Record<string, number>
  /** which files the figures above come from: the captured ones when both sides have them, else the model's */
  sources: { freeBlocks: 'buddyinfo' | 'model'; freeBlocksByMigratetype: 'pagetypeinfo' | 'model'; pageblocks: 'pagetypeinfo' | 'model' }
  /** the model's deltas, where they differ from the captured ones, with the reason */
  model: {
    freeBlocksDelta: number[]
    freeBlocksByMigratetypeDelta: Record<string, number[]>
    pageblocksDelta: Record<string, number>
    reason: string
  } | null
  /** mixed pageblocks per migratetype (from page kinds: the model's), after − before */
  mixedPageblocksDelta: Record<string, number>
  /** pageblocks of the zone per change (null when the pageblocks are not compared) */
  changeCounts: Record<PageblockChange, number> | null
  /** pageblocks of the zone that changed at all */
  changedPageblocks: number
}

export interface SideInfo {
  path: string
  label: string | null
  hostname: string | null
  kernelRelease: string | null
  captureTime: string | null
  layout: 'exact' | 'synthesized'
}

export interface CaptureDiff {
  before: SideInfo
  after: SideInfo
  pageSize: number
  pageblockOrder: number
  nrOrders: number
  /** differences that do not stop the comparison (another kernel, present pages, order of capture) */
  notes: string[]
  zones: ZoneDiff[]
  /** whether the pageblocks (and pages) were compared: both layouts exact (kpageflags on both sides) */
  pageblocksCompared: boolean
  /** why not, when not */
  pageblocksNote: string | null
  /** per pageblock (the map's indexing): change bits of engine/metrics/diff.ts, 0 = unchanged (empty when not compared) */
  kinds: Uint16Array
  /** pageblocks that changed, over the whole map */
  changedCount: number
  basePfn: number
  pagesPerBlock: number
  /** migratetype names of the maps' indices (the before side's) */
  migratetypes: string[]
}

const info = (s: DiffSide): SideInfo => ({
  path: s.path, label: s.label, hostname: s.machine.hostname, kernelRelease: s.machine.kernelRelease, captureTime: s.machine.captureTime, layout: s.layout,
})

const modelCounts = (z: CapturedZone): FreeAreaCounts => ({
  node: z.node, zone: z.zone, freeBlocks: z.model?.freeBlocks ?? z.freeBlocks,
  freeBlocksByMigratetype: z.model?.freeBlocksByMigratetype ?? z.freeBlocksByMigratetype, pageblocks: z.model?.pageblocks ?? z.pageblocks,
})

const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y)

/** b's map with its migratetype indices renamed to a's (two kernels may number them differently). */
export function remapped(b: DiffSide, names: readonly string[]): PageblockMap {
  if (same(b.migratetypes, names)) return b.map
  const to = b.migratetypes.map((n) => {
    const i = names.indexOf(n)
    return i < 0 ? 254 : i
  })
  return { ...b.map, mt: b.map.mt.map((v) => (v === 255 ? 255 : to[v] ?? 254)) }
}

/** The diff of two captures of one machine (checked first: a DiffInputError when they are not). */
export async function diffCaptures(a: DiffSide, b: DiffSide): Promise<CaptureDiff> {
  const notes = await checkOneMachine(a, b)
  if (a.machine.captureTime && b.machine.captureTime && Date.parse(b.machine.captureTime) < Date.parse(a.machine.captureTime)) {
    notes.push(`the second capture (${b.machine.captureTime}) was taken before the first (${a.machine.captureTime}): the deltas run backwards in time`)
  }
  const pbo = a.machine.pageblockOrder
  const compared = a.layout === 'exact' && b.layout === 'exact'
  const synth = [a, b].filter((s) => s.layout !== 'exact').map(sideName)
  const pageblocksNote = compared ? null
    : `the layout of ${synth.join(' and of ')} is synthesized (no kpageflags): which pageblocks and pages changed cannot be told; the free areas compare the captured files`
  const mapB = remapped(b, a.migratetypes)
  const pd = compared ? diffPageblocks(a.map, mapB, a.zoneBoundaries) : null
  const reasons = [...new Set([a, b].flatMap((s) => s.zones.map((z) => z.model?.reason).filter((r): r is string => !!r)))]
  const zones: ZoneDiff[] = b.zones.map((zb) => {
    const za = a.zones.find((z) => z.node === zb.node && z.zone === zb.zone)!
    const src = {
      freeBlocks: a.files.buddyinfo && b.files.buddyinfo ? 'buddyinfo' as const : 'model' as const,
      freeBlocksByMigratetype: a.files.pagetypeinfo && b.files.pagetypeinfo ? 'pagetypeinfo' as const : 'model' as const,
    }
    const pick = (z: CapturedZone): FreeAreaCounts => {
      const m = modelCounts(z)
      return {
        node: z.node, zone: z.zone,
        freeBlocks: src.freeBlocks === 'buddyinfo' ? z.freeBlocks : m.freeBlocks,
        freeBlocksByMigratetype: src.freeBlocksByMigratetype === 'pagetypeinfo' ? z.freeBlocksByMigratetype : m.freeBlocksByMigratetype,
        pageblocks: src.freeBlocksByMigratetype === 'pagetypeinfo' ? z.pageblocks : m.pageblocks,
      }
    }
    const ca = pick(za)
    const cb = pick(zb)
    const d = diffFreeArea(ca, cb, pbo)
    const md = diffFreeArea(modelCounts(za), modelCounts(zb), pbo)
    const differs = !same(md.freeBlocksDelta, d.freeBlocksDelta) || !same(md.freeBlocksByMigratetypeDelta, d.freeBlocksByMigratetypeDelta) || !same(md.pageblocksDelta, d.pageblocksDelta)
    const bound = a.zoneBoundaries.find((x) => x.node === zb.node && x.zone === zb.zone)!
    const zc = pd?.zones.find((x) => x.node === zb.node && x.zone === zb.zone) ?? null
    const mixed: Record<string, number> = {}
    for (const mt of new Set([...Object.keys(za.mixedPageblocks), ...Object.keys(zb.mixedPageblocks)])) mixed[mt] = (zb.mixedPageblocks[mt] ?? 0) - (za.mixedPageblocks[mt] ?? 0)
    return {
      node: zb.node, zone: zb.zone, startPfn: bound.startPfn, endPfn: bound.endPfn, firstPb: bound.firstPb, lastPb: bound.lastPb,
      freeBlocksBefore: d.before, freeBlocksAfter: d.after, freeBlocksDelta: d.freeBlocksDelta, freePagesDelta: d.freePagesDelta,
      highOrderPagesBefore: d.highOrderPagesBefore, highOrderPagesAfter: d.highOrderPagesAfter,
      freeBlocksByMigratetypeDelta: d.freeBlocksByMigratetypeDelta,
      pageblocksBefore: ca.pageblocks, pageblocksAfter: cb.pageblocks, pageblocksDelta: d.pageblocksDelta,
      sources: { ...src, pageblocks: src.freeBlocksByMigratetype },
      model: differs ? {
        freeBlocksDelta: md.freeBlocksDelta, freeBlocksByMigratetypeDelta: md.freeBlocksByMigratetypeDelta, pageblocksDelta: md.pageblocksDelta,
        reason: reasons[0] ?? 'the model is the layout of each capture as reconstructed',
      } : null,
      mixedPageblocksDelta: mixed,
      changeCounts: zc ? zc.counts : null,
      changedPageblocks: zc ? zc.changed : 0,
    }
  })
  return {
    before: info(a), after: info(b), pageSize: a.machine.pageSize, pageblockOrder: pbo, nrOrders: a.machine.nrOrders, notes, zones,
    pageblocksCompared: compared, pageblocksNote, kinds: pd?.kinds ?? new Uint16Array(0), changedCount: pd?.changed.length ?? 0,
    basePfn: a.basePfn, pagesPerBlock: a.pagesPerBlock, migratetypes: [...a.migratetypes],
  }
}

/** `buddyscope diff --json`: the diff with, per zone, the list of its changed pageblocks (both sides). */
export type CaptureDiffJson = Omit<CaptureDiff, 'kinds' | 'zones'> & { zones: Array<ZoneDiff & { pageblocks: ChangedPageblock[] }> }

export function diffJson(d: CaptureDiff, a: DiffSide, b: DiffSide): CaptureDiffJson {
  const { kinds, ...rest } = d
  const mapB = remapped(b, a.migratetypes)
  const pd = d.pageblocksCompared ? { kinds, changed: Array.from(kinds.keys()).filter((i) => kinds[i]! !== 0) } : null
  return {
    ...rest,
    zones: d.zones.map((z, zi) => ({
      ...z,
      // a pageblock straddling two zones is listed under the first (as the map counts it)
      pageblocks: pd ? changedPageblocks(pd, a.map, mapB, { basePfn: d.basePfn, pagesPerBlock: d.pagesPerBlock, migratetypes: d.migratetypes }, {
        firstPb: zi > 0 && d.zones[zi - 1]!.lastPb === z.firstPb ? z.firstPb + 1 : z.firstPb, lastPb: z.lastPb,
      }) : [],
    })),
  }
}

/** One pageblock's pages compared: which were freed, allocated, or changed kind, with the captured flags of both sides. */
export interface PagesDiffJson {
  pageblock: number
  startPfn: number
  counts: Record<PageChange, number>
  /** per page of the block: 0 unchanged, 1 freed, 2 allocated, 3 changed kind */
  change: Uint8Array
  /** per page: class index (contract PAGE_CLASSES) before and after */
  classesBefore: Uint8Array
  classesAfter: Uint8Array
  migratetypeBefore: string
  migratetypeAfter: string
  /** the changed pages, with each side's kpageflags names and kpagecount when captured */
  pages: Array<{ pfn: number; change: PageChange; before: number; after: number; flagsBefore: string | null; flagsAfter: string | null; countBefore: number | null; countAfter: number | null }>
}

/** The pages of pageblock `pb` in two exact layouts, compared page by page. */
export async function diffPageblockPages(a: { model: MemoryModel; side: DiffSide }, b: { model: MemoryModel; side: DiffSide }, pb: number): Promise<PagesDiffJson> {
  const not = [a, b].filter((s) => s.side.layout !== 'exact').map((s) => sideName(s.side))
  if (not.length) throw new DiffInputError(`page-level changes need kpageflags on both sides; the layout of ${not.join(' and of ')} is synthesized`)
  if (pb < 0 || pb >= a.model.nrPageblocks) throw new RangeError(`pageblock ${pb} is outside 0..${a.model.nrPageblocks - 1}`)
  const da = pageblockDetail(a.model, pb)
  const db = pageblockDetail(b.model, pb)
  const p = diffPagesOfBlock(da, db)
  const read = async (s: DiffSide) => {
    const src = await s.opened.capture(s.label ?? undefined)
    try {
      return await kpageRange(src, da.startPfn, da.pages.length)
    } finally {
      await src.close()
    }
  }
  const [ka, kb] = [await read(a.side), await read(b.side)]
  return {
    pageblock: pb, startPfn: da.startPfn, counts: p.counts, change: p.change, classesBefore: da.classes, classesAfter: db.classes,
    migratetypeBefore: da.migratetype, migratetypeAfter: db.migratetype,
    pages: p.pages.map((x) => {
      const i = x.pfn - da.startPfn
      return { ...x, flagsBefore: ka.flags?.[i] ?? null, flagsAfter: kb.flags?.[i] ?? null, countBefore: ka.counts?.[i] ?? null, countAfter: kb.counts?.[i] ?? null }
    }),
  }
}

/** A diff the arguments cannot name (one path that is no series, no capture after the one asked): a usage error in the CLI. */
export class DiffRequestError extends Error {}

export interface DiffPathsOptions {
  /** A's capture of a series */
  capture?: string
  /** B's capture of a series (with one series path: default the capture after A's) */
  to?: string
  layout: LayoutChoice
  seed: number
}

/**
 * `buddyscope diff A B` / `diff SERIES`: open both captures (one path: two captures of its
 * series), check they are of one machine, and diff them.
 */
export async function diffPaths(paths: readonly string[], opts: DiffPathsOptions): Promise<CaptureDiffJson> {
  const [pa, pb] = paths as [string, string | undefined]
  const oa = new OpenedPath(pa)
  const ob = pb !== undefined && pb !== pa ? new OpenedPath(pb) : oa
  try {
    let capA = opts.capture
    let capB = opts.to
    if (pb === undefined) {
      const series = await oa.series()
      if (!series) throw new DiffRequestError(`${pa} is one capture, not a series: name a second snapshot to compare it with`)
      const labels = series.captures.map((c) => c.label)
      await series.close()
      const src = await oa.capture(capA)
      const la = src.label!
      await src.close()
      capA = la
      if (capB === undefined) {
        const next = labels[labels.indexOf(la) + 1]
        if (!next) throw new DiffRequestError(`${pa}: ${la} is the last capture of the series (${labels.join(', ')}); say which to compare it with: --to LABEL`)
        capB = next
      }
    }
    const load = (o: OpenedPath, capture: string | undefined) => loadSnapshot(o, { layout: opts.layout, seed: opts.seed, ...(capture !== undefined ? { capture } : {}) })
    const a = await load(oa, capA)
    const b = await load(ob, capB)
    const sa = sideOf(a, oa)
    const sb = sideOf(b, ob)
    return diffJson(await diffCaptures(sa, sb), sa, sb)
  } finally {
    await oa.close()
    if (ob !== oa) await ob.close()
  }
}
