/**
 * The engine worker: the task function piscina runs on a worker thread (host/workers/pool.ts).
 * It opens snapshots (building the model and everything the app asks about it, then
 * transferring the arrays back) and runs what-ifs; an ensemble's seeds go back to the pool
 * through the job's port. Errors come back as HostErrors in plain words.
 */
import type { MessagePort } from 'node:worker_threads'
import { move, transferableSymbol, valueSymbol } from 'piscina'
import { exportModel, transferList, computePageblockMap, sysctlInt, type Capture } from '../../engine/index.ts'
import { loadSnapshot } from '../load.ts'
import { OpenedPath } from '../snapshot.ts'
import { inspectJson, openSummary } from '../summary.ts'
import { runSeedJob, whatifCompact } from '../whatif/compact.ts'
import { whatifContig } from '../whatif/contig.ts'
import { countMixedHere } from '../timeline.ts'
import { fleetRow } from '../fleet.ts'
import { toHostError } from '../errors.ts'
import type { EngineJob, OpenResult, SeedDone, SeedJob } from './jobs.ts'
import type { PortMessage, PortReply } from './pool.ts'

/** A result whose typed arrays move to the caller instead of being copied. */
function moving<T extends object>(value: T, buffers: ArrayBuffer[]): object {
  return move({ [transferableSymbol]: [...new Set(buffers)], [valueSymbol]: value })
}

function mapBuffers(m: { mt: Uint8Array; free: Uint16Array; movable: Uint16Array; unmovable: Uint16Array; reclaimable: Uint16Array; pinned: Uint16Array; mixed: Uint8Array }): ArrayBuffer[] {
  return [m.mt, m.free, m.movable, m.unmovable, m.reclaimable, m.pinned, m.mixed].map((a) => a.buffer as ArrayBuffer)
}

/** Asks the pool, through the job's port, to run an ensemble's seeds. */
function seedRunner(port: MessagePort): (jobs: SeedJob[]) => Promise<SeedDone[]> {
  let next = 0
  return (jobs) => new Promise((ok, fail) => {
    const id = next++
    const onReply = (m: PortReply): void => {
      if (m.type !== 'seeds' || m.id !== id) return
      port.off('message', onReply)
      if ('error' in m) fail(new Error(m.error))
      else ok(m.results)
    }
    port.on('message', onReply)
    port.postMessage({ type: 'seeds', id, jobs } satisfies PortMessage)
  })
}

async function runJob(job: EngineJob, port: MessagePort): Promise<object> {
  const opened = new OpenedPath(job.target.path, job.target.shared ?? [])
  const progress = (phase: string, done: number, total: number): void => port.postMessage({ type: 'progress', phase, done, total } satisfies PortMessage)
  try {
    switch (job.kind) {
      case 'open': {
        const t = job.target
        // the map first: the zone summaries take their mixed pageblocks from it (one pass over the pages less)
        // the summary stage first: the capture's free areas go to the app before the model is built
        const onParsed = (c: Capture, label: string | null): void => {
          const summary = openSummary(t.path, c, label)
          if (summary) port.postMessage({ type: 'summary', summary } satisfies PortMessage)
        }
        const s = await loadSnapshot(opened, { ...(t.capture ? { capture: t.capture } : {}), layout: t.layout, seed: t.seed, onProgress: progress, onParsed, withMap: true })
        progress('summarizing', 0, 0)
        const map = s.map ?? computePageblockMap(s.model)
        const model = exportModel(s.model, s.allocator.policy)
        const out: OpenResult = { inspect: inspectJson(s), extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500), model, map }
        return moving(out, [...(transferList(model) as ArrayBuffer[]), ...mapBuffers(map)])
      }
      case 'whatif-compact': {
        progress('compacting', 0, 0)
        const r = await whatifCompact(job.target, job.request, { opened, withMaps: job.withMaps, runSeeds: seedRunner(port) })
        return r.afterMap ? moving(r, mapBuffers(r.afterMap)) : r
      }
      case 'whatif-contig': {
        progress(`whatif ${job.request.kind}`, 0, 0)
        return await whatifContig(job.target, job.request, opened)
      }
      case 'compact-seeds':
        return await runSeedJob(job, opened)
      case 'mixed-pageblocks': {
        const t = job.target
        progress('counting mixed pageblocks', 0, 0)
        return await countMixedHere({ path: t.path, capture: t.capture ?? null }, [], opened)
      }
      case 'fleet-rows': {
        const rows = []
        for (const p of job.paths) rows.push(await fleetRow(p))
        return rows
      }
    }
  } finally {
    await opened.close()
  }
}

/** piscina's task function. A failure rejects with a plain { code, message } HostError. */
export default async function engineTask(task: { job: EngineJob; port: MessagePort }): Promise<object> {
  try {
    return await runJob(task.job, task.port)
  } catch (e) {
    throw toHostError(e)
  } finally {
    task.port.close()
  }
}
