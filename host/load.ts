/**
 * Open a snapshot and build its model: the one place where the host reads files and hands
 * text and byte streams to the pure engine. Used by the CLI and by the Electron main process.
 */
import { readFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  parseCapture, captureFindings, modelFindings, synthesizeModel, ExactLayoutBuilder, KpageDecoder, cmaAreasFromBootLog, cmaAreasFromDebugfs,
  setupPerZoneWmarks, calculateMinFreeKbytes, sysctlInt, fallbackRuleFor, kernelVersionCode, summarizeZones, computePageblockMap,
  captureAtReread, parseBuddyinfo, parseZoneinfo, parsePagetypeinfo, parseVmstat, type CaptureReread, type RereadCapture,
  runCompactWhatIf, isFreeHead, PageKind,
  type Capture, type PageblockMap, type Finding, type MemoryModel, type PageAllocator, type ZoneSummary,
} from '../engine/index.ts'
import { BINARY_FILES, type SnapshotSource, type SnapshotSeries } from './sources/snapshot_source.ts'
import { withOpened, type OpenedPath, type SnapshotRef } from './snapshot.ts'
import { seriesContext, withEnclosingSeries, type SeriesContext } from './series.ts'
import { captureBeforeFullCompactions, compactionEndsEarly, directCompactionMigrated, followsFullCompaction, hugePcpBlocksByZone, hugetlbPagesOnPcp, lastFullCompaction, lastFullCompactionCpu } from './whatif/pinned.ts'
import { decodeKpageflagsSplit } from './workers/kpage_split.ts'

export type LayoutChoice = 'auto' | 'exact' | 'synthesized'

export interface LoadOptions {
  /** sub-capture of a series (label, label without number, or number) */
  capture?: string
  layout?: LayoutChoice
  /** seed of a synthesized layout */
  seed?: number
  /** progress of the long phases: phase name, units done, units in total (0 = unknown) */
  onProgress?: (phase: string, done: number, total: number) => void
  /** the capture is parsed; called before the layout is read or synthesized (the open's summary stage) */
  onParsed?: (capture: Capture, label: string | null, series: string[] | null) => void
  /** also compute the pageblock map (LoadedSnapshot.map); the zone summaries then take their mixed pageblocks from it */
  withMap?: boolean
  /**
   * whether the kernel ran deferred struct page init, which types the reserved pageblocks of an
   * exact layout (engine/reconstruct/exact.ts deferredReservedTypes); default: what the boot log
   * beside the capture says (not applied without one)
   */
  deferredStructPages?: boolean
}

export interface LoadedSnapshot {
  path: string
  label: string | null
  /** labels of the series this capture belongs to, or null */
  series: string[] | null
  capture: Capture
  model: MemoryModel
  allocator: PageAllocator
  findings: Finding[]
  /** the model's per-zone summaries at load time */
  zones: ZoneSummary[]
  /** the pageblock map, when asked for (LoadOptions.withMap) */
  map?: PageblockMap
  /**
   * a synthesized layout built from the capture's re-read after kpageflags and kpagecount
   * (after-kpage/, engine/reconstruct/reread.ts): what it took from it, in plain words
   */
  reread?: string
}

/**
 * The CMA areas as [base PFN, pages]: from CMA debugfs files in the capture, else from the boot
 * log's `cma: Reserved N MiB at 0x…` lines in a dmesg beside the capture (or its series).
 */
export async function findCmaAreas(path: string, src: SnapshotSource, series: SnapshotSeries | null, pageSize: number): Promise<Array<[number, number]>> {
  const debugfs: Record<string, string> = {}
  for (const f of src.files) if (f.startsWith('cma/')) debugfs[f] = await src.readText(f)
  const fromDebugfs = cmaAreasFromDebugfs(debugfs)
  if (fromDebugfs.length) return fromDebugfs.map((a) => [a.basePfn, a.count])
  const text = await findDmesg(path, src, series)
  return text ? cmaAreasFromBootLog(text, pageSize).map((a) => [a.basePfn, a.count]) : []
}

/** The boot log: the series' dmesg.txt, or (a capture directory) a dmesg beside or inside it. */
export async function findDmesg(path: string, src: SnapshotSource, series: SnapshotSeries | null): Promise<string | null> {
  const inSeries = series ? (await series.readFile('dmesg.txt')) ?? (await series.readFile('dmesg')) : null
  if (inSeries !== null) return inSeries
  // the boot log's CMA lines, as capture/buddyscope-capture keeps them
  if (src.has('dmesg_cma')) return src.readText('dmesg_cma')
  const candidates: string[] = []
  try {
    if (statSync(path).isDirectory()) {
      candidates.push(join(path, 'dmesg'), join(path, 'dmesg.txt'))
      if (src.label) candidates.push(join(path, src.label, 'dmesg.txt'))
      candidates.push(join(dirname(path), 'dmesg.txt'))
    }
  } catch {
    return null
  }
  for (const f of candidates) if (existsSync(f)) return readFile(f, 'utf8')
  return null
}

/**
 * Stream a kpage file into the builder. Reading stops once the entries reach `endPfn` (the last
 * zone's end): nothing past it is used, so a file padded with junk, or a kpageflags.gz that
 * inflates to terabytes of zeros, costs no more than the machine's own PFNs.
 */
async function feed(src: SnapshotSource, name: string, sink: (first: number, words: Uint32Array) => void, onProgress: LoadOptions['onProgress'], endPfn: number): Promise<number> {
  const dec = new KpageDecoder(sink, src.describe(name))
  const total = src.size(name) ?? 0
  let done = 0
  let last = 0
  for await (const chunk of src.openStream(name)) {
    dec.push(chunk)
    done += chunk.length
    if (dec.entries >= endPfn) {
      onProgress?.(name, done, done)
      return dec.entries
    }
    if (onProgress && done - last >= 8 << 20) {
      last = done
      onProgress(name, done, total)
    }
  }
  onProgress?.(name, done, done)
  return dec.end()
}

/** What the capture tool's manifest says it could not capture, and why (files it was not asked for are left out). */
function skippedFindings(src: SnapshotSource): Finding[] {
  const missed = (src.manifest?.skipped ?? []).filter((s) => !s.reason.startsWith('not asked'))
  if (missed.length === 0) return []
  const list = missed.map((s) => `${s.path} (${s.reason})`).join(', ')
  return [{ severity: 'info', code: 'not-captured', zone: null, message: `the capture tool did not capture: ${list}` }]
}

/** A capture's text files read and parsed, the names of its binary files, and its CMA areas. */
async function parseFiles(path: string, series: SnapshotSeries | null, src: SnapshotSource): Promise<{ capture: Capture; binaries: string[]; cmaAreas: Array<[number, number]>; deferredStructPages?: boolean }> {
  const texts: Record<string, string> = {}
  const binaries: string[] = []
  for (const name of src.files) {
    if (BINARY_FILES.has(name)) binaries.push(name)
    else texts[name] = await src.readText(name)
  }
  const capture = parseCapture({
    source: path, label: src.label, texts, binaries, describe: (n) => src.describe(n),
    manifest: src.manifest ? { hostname: src.manifest.hostname, kernelRelease: src.manifest.kernelRelease, arch: src.manifest.arch, pageSize: src.manifest.pageSize, captureTime: src.manifest.captureTime } : null,
  })
  const hasCma = capture.machine.migratetypes.includes('CMA')
  const cmaAreas = hasCma ? await findCmaAreas(path, src, series, capture.machine.pageSize) : []
  // deferred struct page init ran (deferred_init_memmap's `node N deferred pages initialised`):
  // it types the reserved pageblocks (engine/reconstruct/exact.ts deferredReservedTypes)
  const bootLog = binaries.includes('kpageflags') ? await findDmesg(path, src, series) : null
  return { capture, binaries, cmaAreas, ...(bootLog !== null ? { deferredStructPages: /deferred pages initiali[sz]ed/.test(bootLog) } : {}) }
}

/** A model's allocator rules and watermarks from its capture: the release's rules, the sysctls, watermarks when zoneinfo is missing. */
function withCaptureRules(capture: Capture, built: { model: MemoryModel; allocator: PageAllocator }): { model: MemoryModel; allocator: PageAllocator } {
  const { model, allocator } = built
  allocator.policy.fallback = fallbackRuleFor(capture.machine.kernelRelease)
  allocator.policy.kernel = kernelVersionCode(capture.machine.kernelRelease)
  allocator.policy.watermarkBoostFactor = sysctlInt(capture, 'watermark_boost_factor', 15000)
  if (!capture.zoneinfo) {
    // no captured watermarks: compute them as the kernel would from min_free_kbytes
    setupPerZoneWmarks(model, sysctlInt(capture, 'min_free_kbytes', 0) || calculateMinFreeKbytes(model), sysctlInt(capture, 'watermark_scale_factor', 10))
  }
  return built
}

/**
 * What the capture's series says of the compactions before it: after a full compaction it is
 * synthesized packed, as compaction leaves a zone; otherwise the pages an allocation's direct
 * compaction migrated before it (directCompactionMigrated) pack the top of the zone by that much.
 */
/** a traced full compaction that ended before its scanners met leaves the zone unpacked (compactionsBefore); off: packed all the same (for the test that holds it) */
let unpackAfterEarlyEnd = true
export function setUnpackAfterEarlyEnd(on: boolean): void { unpackAfterEarlyEnd = on }

type LeftBehind = NonNullable<import('../engine/index.ts').SynthesizeOptions['leftBehindTop']>
type CompactionsBefore = { afterCompaction: boolean; directCompactionMigrated: number; hugetlbOnPcp: number; untouchedBeforeCompaction?: Array<{ node: number; zone: string; pageblocks: number }>; vmstatBeforeCompaction?: Record<string, number>; leftBehind?: (seed: number) => LeftBehind; note?: string }

/**
 * After a full compaction: per zone, the wholly free pageblocks (free blocks of pageblock order
 * and above, not CMA: pagetypeinfo) of the capture before the first of the full compactions
 * before it (captureBeforeFullCompactions), the memory no allocation had touched since boot
 * (engine/reconstruct/synthesize.ts untouchedRunFirst). Absent where the series has no
 * such capture or it holds no pagetypeinfo.
 */
async function untouchedBeforeCompaction(series: SnapshotSeries | null, ctx: Awaited<ReturnType<typeof seriesContext>> | null): Promise<{ zones: NonNullable<CompactionsBefore['untouchedBeforeCompaction']>; vmstat?: Record<string, number> } | undefined> {
  const label = series ? captureBeforeFullCompactions(ctx) : null
  if (!label || !untouchedRunRule) return undefined
  const text = await series!.readFile(`${label}/pagetypeinfo`).catch(() => null)
  if (text === null) return undefined
  // its vmstat: whether compactions earlier in the boot had emptied the zone's bottom (synthesize.ts emptiedBottomDraw)
  const vtext = await series!.readFile(`${label}/vmstat`).catch(() => null)
  const vmstat = vtext !== null ? parseVmstat(vtext, `${label}/vmstat`) : undefined
  const pti = parsePagetypeinfo(text, `${label}/pagetypeinfo`)
  const out = new Map<string, { node: number; zone: string; pageblocks: number }>()
  for (const r of pti.free) {
    if (r.migratetype === 'CMA' || r.migratetype === 'Isolate') continue
    const k = `${r.node}/${r.zone}`
    const e = out.get(k) ?? { node: r.node, zone: r.zone, pageblocks: 0 }
    r.counts.forEach((n, o) => { if (o >= pti.pageblockOrder) e.pageblocks += n * 2 ** (o - pti.pageblockOrder) })
    out.set(k, e)
  }
  return { zones: [...out.values()], ...(vmstat ? { vmstat } : {}) }
}

/** after a full compaction, the wholly free pageblocks of the capture before it stay as its untouched run (untouchedBeforeCompaction); off: none read (for the test that holds it) */
let untouchedRunRule = true
export function setUntouchedRunRule(on: boolean): void { untouchedRunRule = on }

/** after a full compaction, the exact layout's pageblocks above the meeting point with free pages and no movable page are not Movable (engine/reconstruct/exact.ts packedAboveMeet); tests turn it off to show what it does */
let packedAboveMeetRule = true
export function setPackedAboveMeetRule(on: boolean): void { packedAboveMeetRule = on }
/** after a full compaction, the free pages it left in the used top are found by running it on a synthesized layout of the capture before it (leftBehindByCompaction); off: drawn (for the test that holds it) */
let leftBehindRule = true
export function setLeftBehindRule(on: boolean): void { leftBehindRule = on }

/**
 * After a full compaction: the free blocks below pageblock order that compaction left in the used
 * Movable pageblocks its free scanner walked, for a seed (engine/reconstruct/synthesize.ts
 * placeLeftBehind). The capture the last full compaction before this one followed is synthesized
 * with the same seed, as loadSnapshot synthesizes it, and that compaction (its node, and its CPU
 * where steps.log says) is run on it: per zone, the Movable pageblocks from the zone's top down
 * to where its free scanner ended (mm_compaction_end free_pfn) that hold LRU or free pages and are
 * not wholly or nearly (32 pages) free, each with the orders of its free blocks. Undefined where
 * the series lacks that capture.
 */
async function leftBehindByCompaction(o: OpenedPath, series: SnapshotSeries, ctx: NonNullable<Awaited<ReturnType<typeof seriesContext>>>): Promise<((seed: number) => LeftBehind) | undefined> {
  const last = lastFullCompaction(ctx)
  const label = last ? ctx.labels.find((l) => Number(/^(\d+)/.exec(l)?.[1] ?? NaN) === last.afterIndex) : undefined
  if (!label) return undefined
  const src = await o.capture(label).catch(() => null)
  if (!src) return undefined
  try {
    const { capture, cmaAreas, deferredStructPages } = await parseFiles(o.path, series, src)
    const before = await compactionsBefore(o, series, label, capture, false)
    const at = await captureForSynthesis(o.path, series, label, capture)
    const pctx = await seriesContext(o, label).catch(() => null)
    const node = pctx?.trigger?.node ?? null
    const cpu = lastFullCompactionCpu(ctx)
    return (seed: number): LeftBehind => {
      const { model: m, allocator } = synthesizedLayout(at.capture, seed, cmaAreas[0]?.[0] ?? null, before, at.reread, at, capture, deferredStructPages)
      // the pages free before it: a block left free after it that holds only such pages is one its
      // free scanner left (not a page freed since: a per-cpu list's, drawn apart as sparseFreeShape)
      const wasFree = new Uint8Array(m.memMap.length)
      for (let a = 0; a < m.memMap.length; a++) {
        const v = m.memMap[a]!
        if (isFreeHead(v)) { const n = 2 ** (v & 0xf); wasFree.fill(1, a, a + n); a += n - 1 }
      }
      const cpus = new Set(m.zones.flatMap((z) => z.pcpCpus.map((c) => c.cpu)))
      const r = runCompactWhatIf(m, allocator, { ...(node !== null ? { node } : {}), ...(cpu !== null && cpus.has(cpu) ? { pcpCpu: cpu } : {}), eventLimit: 1e7 }, capture.machine.hpageOrder)
      const pb = m.pageblockNrPages
      const pbo = Math.log2(pb)
      const out: LeftBehind = []
      for (const z of m.zones) {
        let end: number | null = null
        for (const e of r.events) if (e.name === 'mm_compaction_end' && e.zone === z.label) end = e.freePfn
        if (end === null) continue
        const blocks: number[][] = []
        for (let st = Math.floor((z.endPfn - 1) / pb) * pb; st >= Math.max(z.startPfn, end - (end % pb)); st -= pb) {
          if (m.getPageblockMigratetype(st) !== m.migratetypes.movable) continue
          const orders: number[] = []
          let free = 0, lru = 0, whole = false
          for (let p = st; p < st + pb && p < z.endPfn; p++) {
            const v = m.memMap[p - m.basePfn]!
            if (isFreeHead(v)) {
              const ord = v & 0xf
              if (ord >= pbo) { whole = true; break }
              const a = p - m.basePfn
              if (wasFree.subarray(a, a + 2 ** ord).every((x) => x === 1)) orders.push(ord)
              free += 2 ** ord
              p += 2 ** ord - 1
              continue
            }
            if (v === PageKind.ANON || v === PageKind.FILE || (v & 0xc0) === 0x40) lru++
          }
          if (whole || (lru === 0 && free === 0)) continue
          // a pageblock half free or more: one its free scanner took from last or its migrate
          // scanner emptied, where the scanners met, which the packed fill places (pcpInVacatedBlocks)
          if (free >= pb / 2) continue
          blocks.push(orders)
        }
        out.push({ node: z.node, zone: z.name, blocks })
      }
      return out
    }
  } finally {
    await src.close()
  }
}

/**
 * Did a full compaction before this capture pack its zones (run until its scanners met)? False
 * without one in the series (steps.log), or where the series holds that compaction's trace and a
 * zone's mm_compaction_end says it ended before its scanners met (`early`, with the note saying so).
 */
async function packingCompactionBefore(o: OpenedPath, series: SnapshotSeries | null, label: string | null): Promise<{ ctx: SeriesContext | null; packed: boolean; early?: string }> {
  const ctx = series ? await seriesContext(o, label).catch(() => null) : null
  const afterCompaction = followsFullCompaction(ctx)
  // A full compaction packs a zone only when it runs until its scanners meet. Where the series
  // holds that compaction's trace (test/harness/capture-host.sh TRACE=1: trace/NN-STEP.txt.gz, NN
  // the capture it followed) and a zone's mm_compaction_end says it ended before (6.18 on a dirty
  // large folio: fixtures/host-24G-k618-d), the zone was not packed.
  const last = afterCompaction && series && unpackAfterEarlyEnd ? lastFullCompaction(ctx) : null
  if (last) {
    const name = `trace/${String(last.afterIndex).padStart(2, '0')}-${last.name}.txt`
    const trace = (await series!.readFile(`${name}.gz`).catch(() => null)) ?? (await series!.readFile(name).catch(() => null))
    const early = trace ? compactionEndsEarly(trace) : []
    if (early.length) {
      const where = early.map((e) => `${e.status} at PFN 0x${e.migratePfn.toString(16)} in the zone from 0x${e.zoneStart.toString(16)}`).join(', ')
      return { ctx, packed: false, early: `the full compaction before this capture (${last.name}) ended before its scanners met (${name}.gz: mm_compaction_end ${where}): the zone was not packed` }
    }
  }
  return { ctx, packed: afterCompaction }
}

/**
 * packingCompactionBefore for a capture opened by its own folder inside a series (the run folder
 * holds steps.log): the layout must not depend on how the capture was opened.
 */
async function packedInEnclosingSeries(path: string): Promise<boolean> {
  return (await withEnclosingSeries(path, async (o, series, label) => (await packingCompactionBefore(o, series, label)).packed)) ?? false
}

/**
 * compactionsBefore for a capture as it was opened: a capture folder opened on its own inside a
 * series (the run folder holds steps.log) reads the series around it, so its synthesized layout
 * is the one the series gives it (after a full compaction: packed, with the pages it left behind).
 */
async function compactionsBeforeOpened(o: OpenedPath, series: SnapshotSeries | null, label: string | null, capture: Capture): Promise<CompactionsBefore> {
  if (series) return compactionsBefore(o, series, label, capture)
  return (await withEnclosingSeries(o.path, (eo, es, el) => compactionsBefore(eo, es, el, capture))) ?? compactionsBefore(o, null, label, capture)
}

async function compactionsBefore(o: OpenedPath, series: SnapshotSeries | null, label: string | null, capture: Capture, withLeftBehind = true): Promise<CompactionsBefore> {
  const { ctx, packed: afterCompaction, early } = await packingCompactionBefore(o, series, label)
  // the huge pages a hugetlb pool's shrink since the capture before left whole on a per-cpu list
  const hugetlbOnPcp = hugetlbPagesOnPcp(ctx, capture.machine.pageSize, capture.machine.pageblockOrder)
  // after a compaction that ended early the layout is synthesized as before a compaction
  if (early) return { afterCompaction: false, directCompactionMigrated: 0, hugetlbOnPcp, note: `${early}, and the layout is synthesized as before a compaction` }
  const untouched = afterCompaction ? await untouchedBeforeCompaction(series, ctx) : undefined
  const leftBehind = afterCompaction && withLeftBehind && leftBehindRule && series && ctx ? await leftBehindByCompaction(o, series, ctx) : undefined
  return { afterCompaction, directCompactionMigrated: directCompactionMigrated(ctx), hugetlbOnPcp, ...(untouched ? { untouchedBeforeCompaction: untouched.zones } : {}), ...(untouched?.vmstat ? { vmstatBeforeCompaction: untouched.vmstat } : {}), ...(leftBehind ? { leftBehind } : {}) }
}

/**
 * The capture's buddyinfo and zoneinfo read again after its kpageflags and kpagecount (the
 * harness's and capture-host.sh's `after-kpage/`), when captured: in a series by its label, or
 * inside a capture folder opened on its own. Null when there is none.
 */
async function rereadOf(path: string, series: SnapshotSeries | null, label: string | null): Promise<CaptureReread | null> {
  const read = async (name: string): Promise<{ text: string; file: string } | null> => {
    if (series) {
      if (label === null) return null
      const text = await series.readFile(`${label}/after-kpage/${name}`)
      return text === null ? null : { text, file: `${path} (${label}/after-kpage/${name})` }
    }
    const file = join(path, 'after-kpage', name)
    try {
      if (!statSync(path).isDirectory() || !statSync(file).isFile()) return null
    } catch {
      return null
    }
    return { text: await readFile(file, 'utf8'), file }
  }
  const b = await read('buddyinfo')
  if (!b) return null
  const z = await read('zoneinfo')
  return {
    buddyinfo: parseBuddyinfo(b.text, b.file), buddyinfoFile: b.file,
    zoneinfo: z ? parseZoneinfo(z.text, z.file) : null, ...(z ? { zoneinfoFile: z.file } : {}),
  }
}

/** The capture a synthesized layout is built from: as of its re-read after kpageflags (after-kpage/) when it holds one, else as first read. */
/** what the re-read after kpageflags says beyond its counts (engine/reconstruct/reread.ts captureAtReread) */
type RereadExtras = { writtenAfterRead?: Record<string, number>; pcpDecayed: RereadCapture['pcpDecayed'] }

async function captureForSynthesis(path: string, series: SnapshotSeries | null, label: string | null, capture: Capture): Promise<{ capture: Capture; reread: string | null } & RereadExtras> {
  const r = await rereadOf(path, series, label)
  const at = r ? captureAtReread(capture, r) : null
  return at ? { capture: at.capture, reread: at.note, writtenAfterRead: at.writtenAfterRead, pcpDecayed: at.pcpDecayed } : { capture, reread: null, pcpDecayed: [] }
}

/** whether a layout made from the re-read deals its per-cpu lists in the first read's order (experiments switch it off) */
let pcpDealingFirstRead = true
export function setPcpDealingFirstReadRule(on: boolean): void { pcpDealingFirstRead = on }

/** The synthesized layout of a parsed capture for one seed, as loadSnapshot builds it. */
function synthesizedLayout(capture: Capture, seed: number, cmaBasePfn: number | null, before: CompactionsBefore, reread: string | null, extras: RereadExtras = { pcpDecayed: [] }, firstRead: Capture = capture, deferredStructPages?: boolean): { model: MemoryModel; allocator: PageAllocator } {
  const { writtenAfterRead, pcpDecayed } = extras
  const pcpHugePages = hugePcpBlocksByZone(firstRead.zoneinfo, capture.zoneinfo, before.hugetlbOnPcp, 2 ** capture.machine.pageblockOrder)
  const built = withCaptureRules(capture, synthesizeModel(capture, { seed, cmaBasePfn, afterCompaction: before.afterCompaction, directCompactionMigrated: before.directCompactionMigrated, ...(before.untouchedBeforeCompaction ? { untouchedBeforeCompaction: before.untouchedBeforeCompaction } : {}), ...(before.vmstatBeforeCompaction ? { vmstatBeforeCompaction: before.vmstatBeforeCompaction } : {}), ...(writtenAfterRead ? { writtenAfterRead } : {}), ...(pcpDecayed.length ? { pcpDecayedBeforeCapture: pcpDecayed } : {}), ...(pcpHugePages.length ? { pcpHugePages } : {}), ...(deferredStructPages !== undefined ? { deferredStructPages } : {}), ...(before.leftBehind ? { leftBehindTop: before.leftBehind(seed) } : {}) }))
  if (before.note) built.model.build.notes.push(before.note)
  if (reread) built.model.build.notes.push(reread)
  // a layout made from the re-read: its lists are dealt in the order the first read's counts give (PageAllocator.setPcpDealingRead)
  if (reread && firstRead !== capture && pcpDealingFirstRead) built.allocator.setPcpDealingRead((firstRead.zoneinfo?.zones ?? []).map((z) => ({ node: z.node, zone: z.zone, pagesets: z.pagesets })))
  return built
}

/**
 * A capture read and parsed once, to synthesize its layout for many seeds (an ensemble's seeds):
 * `layout(seed)` is the model loadSnapshot(…, { layout: 'synthesized', seed }) gives, without
 * reading and parsing the files again, nor the summaries and findings a seed does not need.
 */
export interface SynthesisSource {
  capture: Capture
  layout(seed: number): { model: MemoryModel; allocator: PageAllocator }
}

export function openForSynthesis(ref: SnapshotRef, opts: { capture?: string } = {}): Promise<SynthesisSource> {
  return withOpened(ref, async (o) => {
    const series = await o.series().catch(() => null)
    try {
      const src = await o.capture(opts.capture)
      try {
        const { capture, cmaAreas, deferredStructPages } = await parseFiles(o.path, series, src)
        const cmaBasePfn = cmaAreas[0]?.[0] ?? null
        const before = await compactionsBeforeOpened(o, series, src.label, capture)
        const at = await captureForSynthesis(o.path, series, src.label, capture)
        return { capture, layout: (seed: number) => synthesizedLayout(at.capture, seed, cmaBasePfn, before, at.reread, at, capture, deferredStructPages) }
      } finally {
        await src.close()
      }
    } finally {
      await series?.close()
    }
  })
}

/**
 * Open, parse and model one capture. Errors are SnapshotError or ParseError (both say where).
 * `ref` is a path, or an opened snapshot whose unpacked bundle is reused.
 */
export function loadSnapshot(ref: SnapshotRef, opts: LoadOptions = {}): Promise<LoadedSnapshot> {
  return withOpened(ref, async (o) => {
    const series = await o.series().catch(() => null)
    try {
      return await loadFrom(o.path, series, await o.capture(opts.capture), opts, o)
    } finally {
      await series?.close()
    }
  })
}

async function loadFrom(path: string, series: SnapshotSeries | null, src: SnapshotSource, opts: LoadOptions, opened: OpenedPath): Promise<LoadedSnapshot> {
  const labels = series ? series.captures.map((c) => c.label) : null
  try {
    opts.onProgress?.('reading files', 0, src.files.length)
    const parsed = await parseFiles(path, series, src)
    const { capture, binaries, cmaAreas } = parsed
    const deferredStructPages = opts.deferredStructPages ?? parsed.deferredStructPages
    opts.onParsed?.(capture, src.label, labels)
    const cmaBasePfn = cmaAreas[0]?.[0] ?? null
    const layout = opts.layout ?? 'auto'
    const haveFlags = binaries.includes('kpageflags')
    if (layout === 'exact' && !haveFlags) throw new Error(`${path}: --layout exact needs kpageflags, and this capture has none`)
    let built: { model: MemoryModel; allocator: PageAllocator }
    // the capture the model holds: a synthesized layout's is the newest read of it (after-kpage/)
    let modelled = capture
    let reread: string | null = null
    if (haveFlags && layout !== 'synthesized') {
      // after a full compaction that packed the zones, the pageblock types above the meeting point
      // (engine/reconstruct/exact.ts packedAboveMeet)
      const afterFullCompaction = !packedAboveMeetRule ? false : series ? (await packingCompactionBefore(opened, series, src.label)).packed : await packedInEnclosingSeries(path)
      const b = new ExactLayoutBuilder(capture, { cmaBasePfn, cmaAreas, ...(deferredStructPages !== undefined ? { deferredStructPages } : {}), ...(afterFullCompaction ? { afterFullCompaction } : {}), source: src.describe('kpageflags') })
      // a plain file is decoded over ranges on several threads (workers/kpage_split.ts), else streamed
      const plain = src.plainFile?.('kpageflags') ?? null
      const size = src.size('kpageflags')
      const split = plain !== null && size !== null
        ? await decodeKpageflagsSplit(plain, src.describe('kpageflags'), size, b.model, { onProgress: (d, t) => opts.onProgress?.('kpageflags', d, t) })
        : null
      if (split) b.flagsDecoded(split.entries, split.unsplittable)
      else await feed(src, 'kpageflags', b.flagsSink, opts.onProgress, b.model.endPfn)
      if (binaries.includes('kpagecount')) await feed(src, 'kpagecount', b.countSink, opts.onProgress, b.model.endPfn)
      opts.onProgress?.('building layout', 0, 0)
      built = withCaptureRules(capture, b.finish())
    } else {
      opts.onProgress?.('synthesizing layout', 0, 0)
      const at = await captureForSynthesis(path, series, src.label, capture)
      ;({ capture: modelled, reread } = at)
      built = synthesizedLayout(modelled, opts.seed ?? 1, cmaBasePfn, await compactionsBeforeOpened(opened, series, src.label, capture), reread, at, capture, deferredStructPages)
    }
    const { model, allocator } = built
    const map = opts.withMap ? computePageblockMap(model) : undefined
    const zones = summarizeZones(model, capture.machine.hpageOrder, map)
    const findings = [...captureFindings(capture), ...modelFindings(modelled, model, zones), ...skippedFindings(src)]
    return { path, label: src.label, series: labels, capture, model, allocator, findings, zones, ...(map ? { map } : {}), ...(reread ? { reread } : {}) }
  } finally {
    await src.close()
  }
}
