/**
 * The engine worker (worker_threads): opens one snapshot off the main thread, builds its model
 * and everything the renderer will ask about it, then transfers the arrays back. Cancelling a
 * run terminates the worker.
 * workerData: { kind: 'open', path, capture?, layout?, seed? }
 * messages to the parent: { type: 'progress', phase, done, total } | { type: 'done', ... } | { type: 'error', error }
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadSnapshot } from '../../../cli/host/load.ts'
import { exportModel, transferList, computePageblockMap, sysctlInt, runCompactWhatIf, type CompactWhatIfOptions } from '../../../engine/index.ts'
import { inspectJson } from '../../../cli/commands/inspect.ts'
import { toHostError } from './errors.ts'

export interface OpenJob {
  kind: 'open'
  path: string
  capture?: string
  layout?: 'auto' | 'exact' | 'synthesized'
  seed?: number
}

/** One what-if compaction run on a freshly loaded model (one seed of an ensemble). */
export interface CompactJob {
  kind: 'whatif-compact'
  path: string
  capture?: string
  layout?: 'auto' | 'exact' | 'synthesized'
  seed?: number
  options: CompactWhatIfOptions
  /** drop the tracepoint events from the answer (ensembles) */
  noEvents?: boolean
}

/** The app's what-if: the CLI's whatifCompact (ensembles, predicted vs real) with maps. */
export interface WhatifJob {
  kind: 'whatif-app'
  args: import('../../../cli/commands/whatif.ts').WhatifCompactArgs
}

/** The app's contiguous-allocation what-if (the CLI's whatifContig). */
export interface ContigJob {
  kind: 'whatif-contig'
  args: import('../../../cli/commands/whatif_contig.ts').ContigArgs
}

export type EngineJob = OpenJob | CompactJob | WhatifJob | ContigJob

async function runContigApp(job: ContigJob): Promise<void> {
  const { whatifContig, contigJsonOut } = await import('../../../cli/commands/whatif_contig.ts')
  parentPort?.postMessage({ type: 'progress', phase: `whatif ${job.args.kind}`, done: 0, total: 0 })
  const j = await whatifContig(job.args)
  parentPort?.postMessage({ type: 'done', contig: contigJsonOut(j) })
}

async function runWhatifApp(job: WhatifJob): Promise<void> {
  const { whatifCompact } = await import('../../../cli/commands/whatif.ts')
  parentPort?.postMessage({ type: 'progress', phase: 'compacting', done: 0, total: 0 })
  const r = await whatifCompact({ ...job.args, withMaps: true })
  const map = r.afterMap!
  parentPort?.postMessage({ type: 'done', whatif: r }, [map.mt.buffer, map.free.buffer, map.movable.buffer, map.unmovable.buffer, map.reclaimable.buffer, map.pinned.buffer, map.mixed.buffer] as ArrayBuffer[])
}

async function runCompact(job: CompactJob): Promise<void> {
  const s = await loadSnapshot(job.path, { ...(job.capture ? { capture: job.capture } : {}), layout: job.layout ?? 'auto', seed: job.seed ?? 1 })
  const r = runCompactWhatIf(s.model, s.allocator, job.options, s.capture.machine.hpageOrder)
  if (job.noEvents) {
    r.events = []
    r.timeline = []
  }
  parentPort?.postMessage({ type: 'done', result: r, layout: s.model.build.method })
}

async function run(job: OpenJob): Promise<void> {
  const s = await loadSnapshot(job.path, {
    ...(job.capture ? { capture: job.capture } : {}),
    layout: job.layout ?? 'auto',
    seed: job.seed ?? 1,
    onProgress: (phase, done, total) => parentPort?.postMessage({ type: 'progress', phase, done, total }),
  })
  parentPort?.postMessage({ type: 'progress', phase: 'summarizing', done: 0, total: 0 })
  const inspect = inspectJson(s)
  const map = computePageblockMap(s.model)
  const model = exportModel(s.model, s.allocator.policy)
  const transfer = [...transferList(model), map.mt.buffer, map.free.buffer, map.movable.buffer, map.unmovable.buffer, map.reclaimable.buffer, map.pinned.buffer, map.mixed.buffer] as ArrayBuffer[]
  parentPort?.postMessage({
    type: 'done',
    inspect,
    extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500),
    model,
    map,
  }, transfer)
}

function start(job: EngineJob): void {
  ;(job.kind === 'whatif-compact' ? runCompact(job) : job.kind === 'whatif-app' ? runWhatifApp(job) : job.kind === 'whatif-contig' ? runContigApp(job) : run(job)).catch((e: unknown) => {
    parentPort?.postMessage({ type: 'error', error: toHostError(e) })
  })
}

// a job in workerData starts at once; a pre-started ("spare") worker waits for its job message
if (workerData) start(workerData as EngineJob)
else parentPort?.once('message', (m: { job: EngineJob }) => start(m.job))
