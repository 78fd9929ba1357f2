/**
 * The service behind the contract: one per host (Electron main over IPC, `buddyscope serve`
 * over WebSocket). Opening a snapshot and every what-if run on the engine's worker pool; the
 * models of open snapshots stay here so the renderer's queries (maps, page-level detail) answer
 * at once. Each open snapshot keeps its bundle unpacked (OpenedPath) until it is closed, and
 * the workers read that copy.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { importModel, pageblockDetail, releaseRules, type MemoryModel, type PageAllocator, type ModelTransfer, type PageblockMap } from '../engine/index.ts'
import {
  CONTRACT_VERSION, validateArgs, METHOD_NAMES, type MethodName, type MethodArgs, type MethodResults, type SnapshotView,
  type PageblockMapDto, type PageblockDetailDto, type PageClassesDto, type CaptureDiffDto, type PagesDiffDto, type TimelineDto,
} from '../contract/index.ts'
import { loadTimeline, type MixedCounter } from './timeline.ts'
import type { HostDeps } from './deps.ts'
import { hostError, toHostError } from './errors.ts'
import { contigResultDto, mapDto, whatifCompactView } from './dto.ts'
import { OpenedPath } from './snapshot.ts'
import { kpageRange } from './kpage_range.ts'
import type { LayoutChoice } from './load.ts'
import type { OpenResult, Target } from './workers/jobs.ts'
import { diffCaptures, diffPageblockPages, type DiffSide } from './diff.ts'
import { CAPTURE_SCRIPT_NAME, readCaptureScript } from './capture_script.ts'
import type { InspectJson } from './summary.ts'
import { exportReport, type ExportSource } from './report/export.ts'
import { kernelMixedOfSource, ownersOfRange, pollutersOf } from './polluters.ts'
import type { PollutersDto, PageOwnersDto } from '../contract/index.ts'
import type { FleetDto, TraceStealsDto } from '../contract/index.ts'
import type { OpenSummaryDto } from '../contract/index.ts'
import { loadTrace, traceOnTimeline } from './trace.ts'
import { emptyRow, fleetInputs, FleetInputError, type FleetRow } from './fleet.ts'

interface OpenSnapshot {
  view: SnapshotView
  opened: OpenedPath
  target: Target
  /** the model as transferred; imported (free lists rebuilt) on first use */
  transfer: ModelTransfer
  imported: { model: MemoryModel; allocator: PageAllocator } | null
  map: PageblockMap
  /** the snapshot's inspect --json (what a report is made from) */
  inspect: InspectJson
  extfragThreshold: number
  /** how it was asked to open (a report's regenerate command) */
  request: { layout: LayoutChoice; seed: number; capture: string | null }
}

interface Run {
  id: string
  path: string
  abort: AbortController
}

export interface OpenRequest {
  path: string
  capture?: string
  layout?: LayoutChoice
  seed?: number
}

export class BuddyscopeService {
  private readonly deps: HostDeps
  private readonly snapshots = new Map<string, OpenSnapshot>()
  private readonly runs = new Map<string, Run>()
  private nextId = 1
  private uploadRoot: string | null = null

  constructor(deps: HostDeps) {
    this.deps = deps
  }

  /** Validate and dispatch one call. Rejects with a HostError, never with a stack trace. */
  async handle(method: string, args: unknown): Promise<unknown> {
    if (!Object.prototype.hasOwnProperty.call(HANDLERS, method)) throw hostError('bad-argument', `unknown method "${method}"`)
    const m = method as MethodName
    const v = validateArgs(m, args)
    if (!v.ok) throw v.error
    try {
      return await (HANDLERS[m] as (h: BuddyscopeService, a: unknown) => Promise<unknown>)(this, v.value)
    } catch (e) {
      throw toHostError(e)
    }
  }

  /** Open a snapshot on the host's own initiative (menu, drag-and-drop, second instance, argv). */
  openPath(path: string, req: Partial<OpenRequest> = {}): string {
    const runId = this.startOpen({ ...req, path })
    this.deps.emit('snapshot:opening', { runId, path })
    return runId
  }

  async dispose(): Promise<void> {
    for (const r of this.runs.values()) r.abort.abort()
    this.runs.clear()
    for (const s of this.snapshots.values()) await s.opened.close().catch(() => undefined)
    this.snapshots.clear()
    await this.deps.pool.destroy()
  }

  // ---------------------------------------------------------------- runs

  /** Start a run: `work` gets the run's abort signal; its answer or failure becomes the run's events. */
  private startRun(path: string, work: (signal: AbortSignal, runId: string) => Promise<(runId: string) => void>): string {
    const id = `r${this.nextId++}`
    const run: Run = { id, path, abort: new AbortController() }
    this.runs.set(id, run)
    work(run.abort.signal, id).then((finish) => {
      if (!this.runs.delete(id)) return
      try {
        finish(id)
      } catch (e) {
        this.deps.emit('run:failed', { runId: id, error: toHostError(e) })
      }
    }, (e: unknown) => {
      if (!this.runs.delete(id)) return
      this.deps.emit('run:failed', { runId: id, error: run.abort.signal.aborted ? hostError('cancelled', `${path}: cancelled`) : toHostError(e) })
    })
    return id
  }

  private progress(runId: string): (phase: string, done: number, total: number) => void {
    return (phase, done, total) => this.deps.emit('run:progress', { runId, phase, done, total })
  }

  startOpen(req: OpenRequest): string {
    return this.startRun(req.path, async (signal, runId) => {
      const opened = new OpenedPath(req.path, [], signal)
      try {
        const target: Target = { path: req.path, layout: req.layout ?? 'auto', seed: req.seed ?? 1, ...(req.capture ? { capture: req.capture } : {}) }
        // unpack a bundle once, here: the open and every later what-if read this copy (a cancel stops the unpacking)
        await opened.prepare(signal)
        // the capture's free areas (run:summary) come before the model: the app draws them while the model is built
        const onSummary = (summary: OpenSummaryDto): void => {
          if (!signal.aborted && this.runs.has(runId)) this.deps.emit('run:summary', { runId, summary })
        }
        const result = await this.deps.pool.run({ kind: 'open', target: { ...target, shared: opened.shared() } }, { signal, onProgress: this.progress(runId), onSummary })
        if (signal.aborted) throw hostError('cancelled', `opening ${req.path} was cancelled`)
        return (id) => {
          const view = this.register(result, target, opened)
          this.deps.recent.add({ path: req.path, label: view.label, openedAt: new Date().toISOString() })
          this.deps.emit('run:done', { runId: id, snapshot: view })
        }
      } catch (e) {
        await opened.close()
        throw e
      }
    })
  }

  async cancelRun(runId: string): Promise<boolean> {
    const run = this.runs.get(runId)
    if (!run) return false
    this.runs.delete(runId)
    run.abort.abort()
    this.deps.emit('run:failed', { runId, error: hostError('cancelled', `${run.path}: cancelled`) })
    return true
  }

  private targetOf(s: OpenSnapshot): Target {
    return { ...s.target, ...(s.view.label ? { capture: s.view.label } : {}), layout: s.view.layout.method, seed: s.view.layout.seed ?? 1, shared: s.opened.shared() }
  }

  /** Start a what-if compaction on an open snapshot; its seeds run on the pool side by side. */
  startWhatifCompact(a: MethodArgs<'startWhatifCompact'>): string {
    const s = this.snapshot(a.id)
    const { id, ...request } = a
    return this.startRun(s.view.path, async (signal, runId) => {
      const r = await this.deps.pool.run({ kind: 'whatif-compact', target: this.targetOf(s), request, withMaps: true }, { signal, onProgress: this.progress(runId) })
      return (rid) => this.deps.emit('whatif:done', { runId: rid, whatif: whatifCompactView(rid, id, r) })
    })
  }

  /** Start a contiguous-allocation what-if (cma, hugetlb, contig, thp) on an open snapshot. */
  startWhatifContig(a: MethodArgs<'startWhatifContig'>): string {
    const s = this.snapshot(a.id)
    const { id, ...request } = a
    return this.startRun(s.view.path, async (signal, runId) => {
      const r = await this.deps.pool.run({ kind: 'whatif-contig', target: this.targetOf(s), request }, { signal, onProgress: this.progress(runId) })
      return (rid) => this.deps.emit('whatif:contig-done', { runId: rid, whatif: { runId: rid, snapshotId: id, kind: r.kind, result: contigResultDto(r), pageSize: s.view.pageSize } })
    })
  }

  private register(msg: OpenResult, target: Target, opened: OpenedPath): SnapshotView {
    const model = { ...msg.model, nrPageblocks: msg.model.pageblockMt.length }
    const id = `s${this.nextId++}`
    const i = msg.inspect
    const pbPages = 2 ** model.geometry.pageblockOrder
    const basePfn = Math.floor(Math.min(...model.zones.map((z) => z.startPfn)) / pbPages) * pbPages
    const pbIndex = (pfn: number): number => Math.floor(pfn / pbPages) - basePfn / pbPages
    const zoneBoundaries = model.zones.map((z) => ({
      node: z.node, zone: z.name, startPfn: z.startPfn, endPfn: z.startPfn + z.spanned,
      firstPb: pbIndex(z.startPfn), lastPb: pbIndex(z.startPfn + z.spanned - 1),
    }))
    const m = i.machine
    const machine: SnapshotView['machine'] = {
      hostname: m.hostname, kernelRelease: m.kernelRelease, arch: m.arch, pageSize: m.pageSize, pageSizeSource: m.pageSizeSource,
      pageblockOrder: m.pageblockOrder, pageblockOrderSource: m.pageblockOrderSource, nrOrders: m.nrOrders, migratetypes: m.migratetypes,
      nodes: m.nodes, hpageOrder: m.hpageOrder, captureTime: m.captureTime,
    }
    const view: SnapshotView = {
      id, path: target.path, label: i.snapshot.label, series: i.snapshot.series, machine, layout: i.layout, zones: i.zones, nodes: i.nodes,
      findings: i.findings.map((f) => ({ severity: f.severity as 'info' | 'warning' | 'error', code: f.code, zone: f.zone, message: f.message })),
      extfragThreshold: msg.extfragThreshold, migratetypes: [...model.migratetypes], pageblockCount: model.nrPageblocks,
      pagesPerBlock: pbPages, basePfn, pageSize: model.geometry.pageSize, zoneBoundaries,
      pageOwner: i.snapshot.files.includes('page_owner'),
      kernelRules: releaseRules(m.kernelRelease),
    }
    this.snapshots.set(id, {
      view, opened, target, transfer: msg.model, imported: null, map: msg.map, inspect: i, extfragThreshold: msg.extfragThreshold,
      request: { layout: target.layout, seed: target.seed, capture: target.capture ?? null },
    })
    return view
  }

  // ---------------------------------------------------------------- handlers

  snapshot(id: string): OpenSnapshot {
    const s = this.snapshots.get(id)
    if (!s) throw hostError('not-found', `no open snapshot "${id}"`)
    return s
  }

  appInfo(): MethodResults['appInfo'] {
    return { version: this.deps.version, transport: this.deps.transport, contractVersion: CONTRACT_VERSION, bundledSnapshot: this.deps.bundledSnapshot }
  }

  listSnapshots(): MethodResults['listSnapshots'] {
    return [...this.snapshots.values()].map((s) => ({ id: s.view.id, path: s.view.path, label: s.view.label }))
  }

  async closeSnapshot(id: string): Promise<boolean> {
    const s = this.snapshots.get(id)
    if (!s) return false
    this.snapshots.delete(id)
    for (const k of [...this.polluters.keys()]) if (k.startsWith(`${id}\u0000`)) this.polluters.delete(k)
    await s.opened.close()
    return true
  }

  pageblockMapDto(id: string): PageblockMapDto {
    return mapDto(id, this.snapshot(id).map)
  }

  /** the snapshot's model (imported from the transfer on first use) */
  model(id: string): { model: MemoryModel; allocator: PageAllocator } {
    const s = this.snapshot(id)
    s.imported ??= importModel(s.transfer)
    return s.imported
  }

  async pageblockDetailDto(id: string, pb: number): Promise<PageblockDetailDto> {
    const { model } = this.model(id)
    if (pb >= model.nrPageblocks) throw hostError('bad-argument', `pageblock ${pb} is outside 0..${model.nrPageblocks - 1}`)
    const d = pageblockDetail(model, pb)
    // each page's captured kpageflags and kpagecount, read from the snapshot's own files
    const s = this.snapshot(id)
    let captured: PageblockDetailDto['captured'] = null
    if (s.view.layout.method === 'exact') {
      const src = await s.opened.capture(s.view.label ?? undefined)
      try {
        const r = await kpageRange(src, d.startPfn, d.pages.length)
        if (r.flags) captured = { flags: r.flags, counts: r.counts, source: src.describe('kpageflags') }
      } finally {
        await src.close()
      }
    }
    return { id, pageblock: pb, ...d, captured }
  }

  /** The page classes of several pageblocks (the map's semantic zoom): from the model, no file read. */
  pageClassesDto(id: string, pageblocks: number[]): PageClassesDto {
    const { model } = this.model(id)
    const n = model.pageblockNrPages
    const classes = new Uint8Array(pageblocks.length * n)
    pageblocks.forEach((pb, k) => {
      if (pb >= model.nrPageblocks) throw hostError('bad-argument', `pageblock ${pb} is outside 0..${model.nrPageblocks - 1}`)
      classes.set(pageblockDetail(model, pb).classes, k * n)
    })
    return { id, pageblocks: [...pageblocks], pagesPerBlock: n, classes }
  }

  /** An open snapshot as one side of a diff (which captured files its figures come from, read from its source). */
  private async diffSide(id: string): Promise<DiffSide> {
    const s = this.snapshot(id)
    const v = s.view
    const src = await s.opened.capture(v.label ?? undefined)
    const files = { buddyinfo: src.has('buddyinfo'), pagetypeinfo: src.has('pagetypeinfo') }
    await src.close()
    return {
      path: v.path, label: v.label, machine: v.machine, layout: v.layout.method, files, zones: v.zones, map: s.map, migratetypes: v.migratetypes,
      basePfn: v.basePfn, pagesPerBlock: v.pagesPerBlock, zoneBoundaries: v.zoneBoundaries, opened: s.opened,
    }
  }

  /** The diff of two open snapshots of one machine (a before, b after). */
  async diffDto(a: string, b: string): Promise<CaptureDiffDto> {
    if (a === b) throw hostError('bad-argument', 'a diff compares two different snapshots; both sides name the same one')
    const d = await diffCaptures(await this.diffSide(a), await this.diffSide(b))
    return { a, b, ...d }
  }

  /** One pageblock of two open exact snapshots, page by page. */
  async diffPagesDto(a: string, b: string, pb: number): Promise<PagesDiffDto> {
    const [sa, sb] = [await this.diffSide(a), await this.diffSide(b)]
    if (sa.map.mt.length !== sb.map.mt.length) throw hostError('bad-input', `${a} and ${b} are not captures of one machine (their maps differ in length)`)
    return diffPageblockPages({ model: this.model(a).model, side: sa }, { model: this.model(b).model, side: sb }, pb)
  }

  async upload(files: Array<{ name: string; data: Uint8Array }>, layout: LayoutChoice | undefined): Promise<string> {
    if (!this.uploadRoot) this.uploadRoot = this.deps.uploadDir ?? (await mkdtemp(join(tmpdir(), 'buddyscope-upload-')))
    const dir = join(this.uploadRoot, `u${this.nextId++}`)
    await mkdir(dir, { recursive: true })
    const seen = new Set<string>()
    for (const f of files) {
      const name = basename(f.name)
      if (name !== f.name || name === '.' || name === '..' || name.startsWith('.') || /[\\/\0]/.test(name)) {
        throw hostError('bad-argument', `upload: "${f.name}" is not a plain file name`)
      }
      if (seen.has(name)) throw hostError('bad-argument', `upload: "${name}" appears twice`)
      seen.add(name)
      await writeFile(join(dir, name), f.data)
    }
    // one bundle or one single file: open it directly; several files: the directory
    const only = files.length === 1 ? join(dir, basename(files[0]!.name)) : dir
    return this.startOpen({ path: only, ...(layout ? { layout } : {}) })
  }

  /** A series as a timeline; the mixed pageblocks of each capture with kpageflags are counted on the pool, side by side. */
  timeline(a: MethodArgs<'getTimeline'>): Promise<TimelineDto> {
    const countMixed: MixedCounter = (ref, shared) => this.deps.pool.run({
      kind: 'mixed-pageblocks', target: { path: ref.path, shared, layout: 'exact', seed: 1, ...(ref.capture !== null ? { capture: ref.capture } : {}) },
    })
    const t = loadTimeline(a.paths, { summaryOnly: a.summaryOnly ?? false, countMixed })
    const tracePath = a.trace
    if (tracePath === undefined) return t
    // with a trace: its fallbacks placed between the captures by /proc/uptime (as `buddyscope timeline --trace`)
    return Promise.all([t, loadTrace(tracePath)]).then(([tl, tr]) => ({ ...tl, trace: traceOnTimeline(tl.points, tr) }))
  }

  /** A report of an open snapshot with the session's what-ifs (run again on the pool), in one format. */
  async exportReport(a: MethodArgs<'exportReport'>): Promise<MethodResults['exportReport']> {
    const source = (s: OpenSnapshot): ExportSource => ({ inspect: s.inspect, map: s.map, extfragThreshold: s.extfragThreshold, opened: s.opened, target: this.targetOf(s), open: s.request })
    const s = this.snapshot(a.id)
    if (a.diffWith !== undefined) this.snapshot(a.diffWith)
    if (a.diffWith === a.id) throw hostError('bad-argument', 'a diff compares two different snapshots; diffWith names the report\'s own')
    if (a.timeline && (s.view.series?.length ?? 0) < 2) throw hostError('bad-argument', `${s.view.path} is not a series: a timeline needs several captures of one machine`)
    const d = this.deps
    return exportReport(a, source(s), {
      diff: a.diffWith !== undefined ? { before: await this.diffSide(a.id), after: await this.diffSide(a.diffWith) } : null,
      timeline: a.timeline ? () => this.timeline({ paths: [s.view.path] }) : null,
    }, {
      pool: d.pool, version: d.version, ...(d.printPdf ? { printPdf: d.printPdf } : {}), ...(d.saveReportPath ? { saveReportPath: d.saveReportPath } : {}),
    })
  }

  private readonly polluters = new Map<string, Promise<PollutersDto>>()

  /** page_owner of an open snapshot joined to its model (streamed once per grouping, then kept). */
  pollutersDto(id: string, by: 'stack' | 'comm'): Promise<PollutersDto> {
    const key = `${id}\u0000${by}`
    let p = this.polluters.get(key)
    if (!p) {
      p = (async () => {
        const s = this.snapshot(id)
        const { model } = this.model(id)
        const src = await s.opened.capture(s.view.label ?? undefined)
        try {
          const { report: r, file } = await pollutersOf(src, model, by)
          return {
            id, by, file, records: r.records, unplaced: r.unplaced, totalPages: r.totalPages, totalPageblocks: r.totalPageblocks,
            unmovablePages: r.unmovablePages, reclaimablePages: r.reclaimablePages, unmovablePageblocks: r.unmovablePageblocks,
            unmovablePercent: r.unmovablePercent, unmovablePageblockPercent: r.unmovablePageblockPercent,
            mixedPageblocks: r.mixedPageblocks, mixedByBlockType: r.mixedByBlockType, kernelMixedPageblocks: await kernelMixedOfSource(src),
            blockTypeDisagreements: r.blockTypeDisagreements, fallbacks: r.fallbacks,
            polluters: r.polluters.map((g) => ({
              stack: g.stack, site: g.site, comm: g.comm, pageblocks: g.pageblocks, pages: g.pages, allocations: g.allocations,
              orders: g.orders, gfp: g.gfp, migratetypes: g.migratetypes, blockTypes: g.blockTypes, blocks: g.blocks,
            })),
          }
        } finally {
          await src.close()
        }
      })()
      this.polluters.set(key, p)
      p.catch(() => this.polluters.delete(key))
    }
    return p
  }

  /** Who allocated each page of one pageblock (page_owner, streamed). */
  async pageOwnersDto(id: string, pb: number): Promise<PageOwnersDto> {
    const s = this.snapshot(id)
    const { model } = this.model(id)
    if (pb >= model.nrPageblocks) throw hostError('bad-argument', `pageblock ${pb} is outside 0..${model.nrPageblocks - 1}`)
    const startPfn = model.basePfn + pb * model.pageblockNrPages
    const src = await s.opened.capture(s.view.label ?? undefined)
    try {
      const owners = await ownersOfRange(src, startPfn, startPfn + model.pageblockNrPages)
      return { id, pageblock: pb, startPfn, file: src.describe('page_owner'), owners }
    } finally {
      await src.close()
    }
  }

  /**
   * A fleet (docs/fleet.md): the captures a folder, glob or list file names, one row each, computed
   * on the service's worker pool in batches (as `buddyscope fleet` does on its own pool).
   */
  async fleetDto(a: MethodArgs<'getFleet'>): Promise<FleetDto> {
    if (a.path === '-') throw hostError('bad-argument', 'getFleet: "-" (paths on standard input) is for the CLI; name a folder, a glob or a list file')
    let paths: string[]
    try {
      paths = await fleetInputs(a.path, () => Promise.resolve(''))
    } catch (e) {
      if (e instanceof FleetInputError) throw hostError('not-found', e.message)
      throw e
    }
    if (paths.length > MAX_FLEET_ROWS) throw hostError('bad-argument', `${a.path}: ${paths.length} captures; the app shows at most ${MAX_FLEET_ROWS} (use \`buddyscope fleet\` for more)`)
    const batch = 4
    const jobs: Array<Promise<FleetRow[]>> = []
    for (let i = 0; i < paths.length; i += batch) {
      const b = paths.slice(i, i + batch)
      jobs.push(this.deps.pool.run({ kind: 'fleet-rows', target: { path: b[0] as string, layout: 'auto', seed: 1 }, paths: b }).catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String((e as { message?: string })?.message ?? e)
        return b.map((p) => ({ ...emptyRow(p), error: `the worker failed on this batch: ${msg}` }))
      }))
    }
    const rows = (await Promise.all(jobs)).flat()
    return { input: a.path, rows, errors: rows.filter((r) => r.error !== null).length }
  }

  /** A trace's fallbacks on an open snapshot's map: each stolen pageblock (the events' PFNs) as a map index. */
  async traceStealsDto(a: MethodArgs<'getTraceSteals'>): Promise<TraceStealsDto> {
    const s = this.snapshot(a.id)
    const t = await loadTrace(a.path, { maxBlocks: Number.MAX_SAFE_INTEGER })
    const v = s.view
    const blocks: TraceStealsDto['blocks'] = []
    let outside = 0
    for (const b of t.blocks) {
      const pb = Math.floor((b.pfn - v.basePfn) / v.pagesPerBlock)
      if (b.pfn < v.basePfn || pb >= v.pageblockCount) outside++
      else blocks.push({ pageblock: pb, pfn: b.pfn, events: b.events.map((e) => ({ ...e })) })
    }
    blocks.sort((x, y) => x.pageblock - y.pageblock)
    return { id: a.id, path: a.path, format: t.format, fallbacks: t.fallbacks.total, blocks, outside, unplaced: t.fallbackEvents.filter((f) => f.pfn === null).length }
  }

  get deps_(): HostDeps {
    return this.deps
  }
}

type Handler<M extends MethodName> = (h: BuddyscopeService, a: MethodArgs<M>) => Promise<MethodResults[M]>

const HANDLERS: { [M in MethodName]: Handler<M> } = {
  appInfo: async (h) => h.appInfo(),
  startOpenPath: async (h, a) => ({ runId: h.startOpen(a) }),
  startOpenBundled: async (h) => {
    const p = h.deps_.bundledSnapshot
    if (!p) throw hostError('not-found', 'no bundled snapshot in this build')
    return { runId: h.startOpen({ path: p }) }
  },
  startOpenUpload: async (h, a) => ({ runId: await h.upload(a.files, a.layout) }),
  cancelRun: async (h, a) => ({ cancelled: await h.cancelRun(a.runId) }),
  closeSnapshot: async (h, a) => ({ closed: await h.closeSnapshot(a.id) }),
  listSnapshots: async (h) => h.listSnapshots(),
  getSnapshot: async (h, a) => h.snapshot(a.id).view,
  getPageblockMap: async (h, a) => h.pageblockMapDto(a.id),
  getPageblockDetail: (h, a) => h.pageblockDetailDto(a.id, a.pageblock),
  listRecent: async (h) => h.deps_.recent.list(),
  startWhatifCompact: async (h, a) => ({ runId: h.startWhatifCompact(a) }),
  startWhatifContig: async (h, a) => ({ runId: h.startWhatifContig(a) }),
  getPageClasses: async (h, a) => h.pageClassesDto(a.id, a.pageblocks),
  getDiff: (h, a) => h.diffDto(a.a, a.b),
  getPolluters: (h, a) => h.pollutersDto(a.id, a.by ?? 'stack'),
  getPageOwners: (h, a) => h.pageOwnersDto(a.id, a.pageblock),
  getDiffPageblock: (h, a) => h.diffPagesDto(a.a, a.b, a.pageblock),
  getCaptureScript: async (h) => ({ name: CAPTURE_SCRIPT_NAME, text: await readCaptureScript(h.deps_.captureScript) }),
  saveCaptureScript: async (h) => {
    const save = h.deps_.saveFile
    if (!save) return { path: null, supported: false }
    return { path: await save(CAPTURE_SCRIPT_NAME, await readCaptureScript(h.deps_.captureScript), 0o755), supported: true }
  },
  exportReport: (h, a) => h.exportReport(a),
  pickSnapshotPath: async (h, a) => {
    const pick = h.deps_.pickPath
    if (!pick) return { path: null, supported: false }
    return { path: await pick(a.kind), supported: true }
  },
  getTimeline: (h, a) => h.timeline(a),
  getFleet: (h, a) => h.fleetDto(a),
  getTraceSteals: (h, a) => h.traceStealsDto(a),
}

/** captures one getFleet answers at most (the CLI streams any number) */
const MAX_FLEET_ROWS = 5000

/** Method names the service answers: exactly the contract's (checked at start-up, and by type above). */
export const SERVICE_METHODS: readonly MethodName[] = METHOD_NAMES.filter((m) => Object.prototype.hasOwnProperty.call(HANDLERS, m))
