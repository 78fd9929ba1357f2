/**
 * The handlers behind the contract, shared by Electron main (over IPC) and `buddyscope serve`
 * (over WebSocket). Opening a snapshot runs in a worker thread; the models of open snapshots
 * stay here so the renderer's queries (maps, page-level detail) answer at once.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import {
  importModel, pageblockDetail, type MemoryModel, type PageAllocator, type ModelTransfer, type PageblockMap,
} from '../../../engine/index.ts'
import {
  CONTRACT_VERSION, validateArgs, type HostError, type MethodName, type MethodArgs, type MethodResults, type SnapshotView,
  type PageblockMapDto, type PageblockDetailDto,
} from '../../common/contract.ts'
import type { InspectJson } from '../../../cli/commands/inspect.ts'
import type { HostDeps } from './types.ts'
import { hostError, toHostError } from './errors.ts'
import type { OpenJob, EngineJob } from './engine_worker.ts'
import type { WhatifCompactJson } from '../../../cli/commands/whatif.ts'
import type { WhatifCompactView, ContigWhatifResult } from '../../common/contract.ts'

interface OpenSnapshot {
  view: SnapshotView
  /** the model as transferred; imported (free lists rebuilt) on first use */
  transfer: ModelTransfer
  imported: { model: MemoryModel; allocator: PageAllocator } | null
  map: PageblockMap
}

interface Run {
  id: string
  worker: Worker
  path: string
  settled: boolean
}

type WorkerMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'done'; inspect: InspectJson; extfragThreshold: number; model: ModelTransfer; map: PageblockMap; whatif?: undefined; contig?: undefined }
  | { type: 'done'; whatif: WhatifCompactJson; contig?: undefined }
  | { type: 'done'; contig: ContigWhatifResult; whatif?: undefined; inspect?: undefined }
  | { type: 'error'; error: HostError }

export class BuddyscopeHost {
  private readonly deps: HostDeps
  private readonly snapshots = new Map<string, OpenSnapshot>()
  private readonly runs = new Map<string, Run>()
  private nextId = 1
  private uploadRoot: string | null = null
  /** a worker started ahead of time, waiting for its job (saves its start-up on the next run) */
  private spare: Worker | null = null

  constructor(deps: HostDeps) {
    this.deps = deps
    this.spare = this.startSpare()
  }

  private startSpare(): Worker | null {
    try {
      const w = this.deps.createWorker(null)
      w.unref()
      w.on('error', () => {
        if (this.spare === w) this.spare = null
      })
      return w
    } catch {
      return null
    }
  }

  private takeWorker(job: EngineJob): Worker {
    const w = this.spare
    this.spare = this.startSpare()
    if (w) {
      w.ref()
      w.postMessage({ job })
      return w
    }
    return this.deps.createWorker(job)
  }

  /** Validate and dispatch one call. Rejects with a HostError, never with a stack trace. */
  async handle(method: string, args: unknown): Promise<unknown> {
    if (!Object.prototype.hasOwnProperty.call(HANDLERS, method)) throw hostError('bad-argument', `unknown method "${method}"`)
    const m = method as MethodName
    const v = validateArgs(m, args)
    if (!v.ok) throw v.error
    try {
      return await (HANDLERS[m] as (h: BuddyscopeHost, a: unknown) => Promise<unknown>)(this, v.value)
    } catch (e) {
      throw toHostError(e)
    }
  }

  /** Open a snapshot on the host's own initiative (menu, drag-and-drop, second instance, argv). */
  openPath(path: string, job: Partial<OpenJob> = {}): string {
    const runId = this.startRun({ kind: 'open', path, ...job })
    this.deps.emit('snapshot:opening', { runId, path })
    return runId
  }

  async dispose(): Promise<void> {
    const spare = this.spare
    this.spare = null
    if (spare) await spare.terminate()
    for (const r of this.runs.values()) await r.worker.terminate()
    this.runs.clear()
    this.snapshots.clear()
  }

  // ---------------------------------------------------------------- runs

  startRun(job: EngineJob, snapshotId: string | null = null): string {
    const id = `r${this.nextId++}`
    const worker = this.takeWorker(job)
    const run: Run = { id, worker, path: job.kind === 'whatif-app' || job.kind === 'whatif-contig' ? job.args.path : job.path, settled: false }
    this.runs.set(id, run)
    const fail = (error: HostError): void => {
      if (run.settled) return
      run.settled = true
      this.runs.delete(id)
      this.deps.emit('run:failed', { runId: id, error })
    }
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'progress') this.deps.emit('run:progress', { runId: id, phase: msg.phase, done: msg.done, total: msg.total })
      else if (msg.type === 'error') fail(msg.error)
      else if (msg.type === 'done') {
        if (run.settled) return
        try {
          if (msg.contig) {
            run.settled = true
            this.runs.delete(id)
            const v = this.snapshot(snapshotId ?? '').view
            this.deps.emit('whatif:contig-done', { runId: id, whatif: { runId: id, snapshotId: snapshotId ?? '', kind: msg.contig.kind, result: msg.contig, pageSize: v.pageSize } })
          } else if (msg.whatif) {
            const view = this.whatifView(id, snapshotId ?? '', msg.whatif)
            run.settled = true
            this.runs.delete(id)
            this.deps.emit('whatif:done', { runId: id, whatif: view })
          } else if (job.kind === 'open' && msg.inspect) {
            const view = this.register(msg, job)
            run.settled = true
            this.runs.delete(id)
            this.deps.recent.add({ path: job.path, label: view.label, openedAt: new Date().toISOString() })
            this.deps.emit('run:done', { runId: id, snapshot: view })
          }
        } catch (e) {
          fail(toHostError(e))
        }
        void worker.terminate()
      }
    })
    worker.on('error', (e) => fail(toHostError(e)))
    worker.on('exit', (code) => {
      if (!run.settled) fail(code === 1 && !this.runs.has(id) ? hostError('cancelled', 'cancelled') : hostError('internal', `the engine worker stopped (exit code ${code}) before finishing`))
    })
    return id
  }

  async cancelRun(runId: string): Promise<boolean> {
    const run = this.runs.get(runId)
    if (!run || run.settled) return false
    run.settled = true
    this.runs.delete(runId)
    await run.worker.terminate()
    this.deps.emit('run:failed', { runId, error: hostError('cancelled', `opening ${run.path} was cancelled`) })
    return true
  }

  private whatifView(runId: string, snapshotId: string, w: WhatifCompactJson): WhatifCompactView {
    const m = w.afterMap!
    return {
      runId, snapshotId, kind: w.kind, order: w.order, mode: w.mode, result: w.result, layout: w.layout, seed: w.seed, counters: w.counters,
      before: w.before, after: w.after, zonesCompacted: w.zonesCompacted, pagesMigrated: w.pagesMigrated, bytesCopied: w.bytesCopied,
      allocationWouldSucceed: w.allocationWouldSucceed, assumptions: w.assumptions, band: w.band, real: w.real, timeline: w.timeline,
      events: w.events, eventsDropped: w.eventsDropped, changedPageblocks: w.changedPageblocks ?? [],
      afterMap: { id: snapshotId, mt: m.mt, free: m.free, movable: m.movable, unmovable: m.unmovable, reclaimable: m.reclaimable, pinned: m.pinned, mixed: m.mixed },
    }
  }

  /** Start a what-if compaction on an open snapshot (reloaded in the worker from its path). */
  startWhatifCompact(a: MethodArgs<'startWhatifCompact'>): string {
    const s = this.snapshot(a.id)
    const v = s.view
    const pinned = a.pinned === undefined || a.pinned === 'auto' ? { kind: 'auto' as const } : a.pinned === 'none' ? { kind: 'none' as const }
      : 'pages' in a.pinned ? { kind: 'pages' as const, count: a.pinned.pages } : { kind: 'fraction' as const, fraction: a.pinned.fraction }
    return this.startRun({
      kind: 'whatif-app',
      args: {
        path: v.path, ...(v.label ? { capture: v.label } : {}), layout: v.layout.method, seed: v.layout.seed ?? 1, seeds: a.seeds ?? 1,
        ...(a.node !== undefined ? { node: a.node } : {}), ...(a.zone !== undefined ? { zone: a.zone } : {}),
        ...(a.order !== undefined ? { order: a.order } : {}), ...(a.mode !== undefined ? { mode: a.mode } : {}),
        strategy: a.strategy ?? {}, pinned,
      },
    }, a.id)
  }

  /** Start a contiguous-allocation what-if (cma, hugetlb, contig, thp) on an open snapshot. */
  startWhatifContig(a: MethodArgs<'startWhatifContig'>): string {
    const v = this.snapshot(a.id).view
    const pinned = a.pinned === undefined || a.pinned === 'auto' ? { kind: 'auto' as const } : a.pinned === 'none' ? { kind: 'none' as const }
      : 'pages' in a.pinned ? { kind: 'pages' as const, count: a.pinned.pages } : { kind: 'fraction' as const, fraction: a.pinned.fraction }
    const { id: _id, seeds, pinned: _p, ...rest } = a
    void _id
    void _p
    return this.startRun({
      kind: 'whatif-contig',
      args: {
        ...rest, path: v.path, ...(v.label ? { capture: v.label } : {}), layout: v.layout.method, seed: v.layout.seed ?? 1,
        seeds: seeds ?? 1, pinned,
      },
    }, a.id)
  }

  private register(msg: Extract<WorkerMessage, { type: 'done'; whatif?: undefined; contig?: undefined }>, job: OpenJob): SnapshotView {
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
    const machine = {
      hostname: i.machine.hostname, kernelRelease: i.machine.kernelRelease, arch: i.machine.arch, pageSize: i.machine.pageSize,
      pageSizeSource: i.machine.pageSizeSource as SnapshotView['machine']['pageSizeSource'], pageblockOrder: i.machine.pageblockOrder,
      pageblockOrderSource: 'pagetypeinfo' as const, nrOrders: i.machine.nrOrders, migratetypes: i.machine.migratetypes, nodes: i.machine.nodes,
      hpageOrder: model.geometry.pageblockOrder, captureTime: i.machine.captureTime,
    }
    const view: SnapshotView = {
      id, path: job.path, label: i.snapshot.label, series: i.snapshot.series, machine, layout: i.layout, zones: i.zones, nodes: i.nodes,
      findings: i.findings.map((f) => ({ severity: f.severity as 'info' | 'warning' | 'error', code: f.code, zone: f.zone, message: f.message })),
      extfragThreshold: msg.extfragThreshold, migratetypes: [...model.migratetypes], pageblockCount: model.nrPageblocks,
      pagesPerBlock: pbPages, basePfn, pageSize: model.geometry.pageSize, zoneBoundaries,
    }
    this.snapshots.set(id, { view, transfer: msg.model, imported: null, map: msg.map })
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

  closeSnapshot(id: string): boolean {
    return this.snapshots.delete(id)
  }

  pageblockMapDto(id: string): PageblockMapDto {
    const { map } = this.snapshot(id)
    return { id, mt: map.mt, free: map.free, movable: map.movable, unmovable: map.unmovable, reclaimable: map.reclaimable, pinned: map.pinned, mixed: map.mixed }
  }

  /** the snapshot's model (imported from the transfer on first use) */
  model(id: string): { model: MemoryModel; allocator: PageAllocator } {
    const s = this.snapshot(id)
    s.imported ??= importModel(s.transfer)
    return s.imported
  }

  pageblockDetailDto(id: string, pb: number): PageblockDetailDto {
    const { model } = this.model(id)
    if (pb >= model.nrPageblocks) throw hostError('bad-argument', `pageblock ${pb} is outside 0..${model.nrPageblocks - 1}`)
    const d = pageblockDetail(model, pb)
    return { id, pageblock: pb, ...d }
  }

  async upload(files: Array<{ name: string; data: Uint8Array }>, layout: OpenJob['layout']): Promise<string> {
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
    return this.startRun({ kind: 'open', path: only, ...(layout ? { layout } : {}) })
  }

  get deps_(): HostDeps {
    return this.deps
  }
}

type Handler<M extends MethodName> = (h: BuddyscopeHost, a: MethodArgs<M>) => Promise<MethodResults[M]>

const HANDLERS: { [M in MethodName]: Handler<M> } = {
  appInfo: async (h) => h.appInfo(),
  startOpenPath: async (h, a) => ({ runId: h.startRun({ kind: 'open', path: a.path, ...(a.capture ? { capture: a.capture } : {}), ...(a.layout ? { layout: a.layout } : {}), ...(a.seed !== undefined ? { seed: a.seed } : {}) }) }),
  startOpenBundled: async (h) => {
    const p = h.deps_.bundledSnapshot
    if (!p) throw hostError('not-found', 'no bundled snapshot in this build')
    return { runId: h.startRun({ kind: 'open', path: p }) }
  },
  startOpenUpload: async (h, a) => ({ runId: await h.upload(a.files, a.layout) }),
  cancelRun: async (h, a) => ({ cancelled: await h.cancelRun(a.runId) }),
  closeSnapshot: async (h, a) => ({ closed: h.closeSnapshot(a.id) }),
  listSnapshots: async (h) => h.listSnapshots(),
  getSnapshot: async (h, a) => h.snapshot(a.id).view,
  getPageblockMap: async (h, a) => h.pageblockMapDto(a.id),
  getPageblockDetail: async (h, a) => h.pageblockDetailDto(a.id, a.pageblock),
  listRecent: async (h) => h.deps_.recent.list(),
  startWhatifCompact: async (h, a) => ({ runId: h.startWhatifCompact(a) }),
  startWhatifContig: async (h, a) => ({ runId: h.startWhatifContig(a) }),
  pickSnapshotPath: async (h, a) => {
    const pick = h.deps_.pickPath
    if (!pick) return { path: null, supported: false }
    return { path: await pick(a.kind), supported: true }
  },
}

/** Method names the host registers (for contract tests). */
export const HOST_METHODS = Object.keys(HANDLERS) as MethodName[]
