/**
 * The engine's worker threads: a piscina pool running host/workers/engine_worker.ts jobs.
 * One pool serves a whole host (CLI, `serve`, Electron main), so opening snapshots and the
 * seeds of what-if ensembles share the machine's cores.
 *
 * Each job gets a MessagePort: the worker reports progress on it, and a what-if ensemble running
 * in a worker asks on it for its seeds to be run on the pool (`seeds` requests), so seeds run in
 * parallel wherever the ensemble was started. Cancelling (an AbortSignal) terminates the job's
 * worker.
 *
 * Crash isolation: each worker has a heap limit (resourceLimits), so a job that runs out of
 * memory ends its own thread, not the process; a job whose worker throws, runs out of memory or
 * exits fails with a HostError in plain words, and the pool starts a fresh thread for the next job.
 */
import { availableParallelism, totalmem } from 'node:os'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { Piscina } from 'piscina'
import type { EngineJob, EngineResult, SeedDone, SeedJob } from './jobs.ts'
import { isHostError, type HostError, type OpenSummaryDto } from '../../contract/dto.ts'

/** Messages a job's worker posts on its port. */
export type PortMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'seeds'; id: number; jobs: SeedJob[] }
  /** an open's capture-derived summary, before its model is built */
  | { type: 'summary'; summary: OpenSummaryDto }

/** Answers to a `seeds` request. */
export type PortReply = { type: 'seeds'; id: number; results: SeedDone[] } | { type: 'seeds'; id: number; error: string }

export interface RunOptions {
  signal?: AbortSignal
  onProgress?: (phase: string, done: number, total: number) => void
  /** an open job's summary stage (see PortMessage 'summary') */
  onSummary?: (summary: OpenSummaryDto) => void
}

/** What a host needs of the pool (tests pass their own). */
export interface EngineRunner {
  run<J extends EngineJob>(job: J, opts?: RunOptions): Promise<EngineResult<J>>
  destroy(): Promise<void>
}

export interface PoolOptions {
  /** threads kept ready (default 2: an open or a what-if and its ensemble's seeds never wait for a thread to start) */
  minThreads?: number
  /** default: the CPUs + 1 (an ensemble's own thread waits on its seeds) */
  maxThreads?: number
  /** each worker's heap limit (default: half the machine's memory, at least 2 GiB) */
  maxOldGenerationSizeMb?: number
}

/** Half the machine's memory, at least 2 GiB: one open of a big capture fits, a runaway job stops. */
export function defaultHeapLimitMb(): number {
  return Math.max(2048, Math.floor(totalmem() / 1024 / 1024 / 2))
}

/** What a worker's failure says to the user: its own HostError, or a plain sentence for a thread that died. */
export function workerFailure(e: unknown, heapLimitMb: number): HostError | unknown {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : ''
  const msg = e instanceof Error ? e.message : String(e)
  // (Node's worker errors carry a string code, so they look like HostErrors: check them first)
  if (isHostError(e) && !code.startsWith('ERR_')) return e
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|memory limit/i.test(msg)) {
    return { code: 'internal', message: `the engine ran out of memory (its limit is ${heapLimitMb} MiB) and stopped this job; the app and its open snapshots are unaffected` } satisfies HostError
  }
  if (/worker exited|terminated|exit code/i.test(msg) && !(e instanceof Error && e.name === 'AbortError')) {
    return { code: 'internal', message: `the engine's worker thread stopped unexpectedly (${msg}); the app and its open snapshots are unaffected` } satisfies HostError
  }
  return e
}

/** The tsx bootstrap of the TypeScript worker (CLI, `serve`, tests); the Electron build bundles its own. */
export const TSX_WORKER = fileURLToPath(new URL('./engine_worker.mjs', import.meta.url))

/** Defined (true) only in the CLI's precompiled bundle (scripts/build-cli.mjs). */
declare const __BUDDYSCOPE_BUNDLE__: boolean | undefined

/**
 * The worker the pool starts by default: in the precompiled CLI (dist-cli/, built by npm's
 * prepare step) its precompiled engine_worker.mjs, built from the same sources at the same time;
 * from the TypeScript sources (tsx, tests) the tsx bootstrap.
 */
export const DEFAULT_WORKER = typeof __BUDDYSCOPE_BUNDLE__ !== 'undefined' && __BUDDYSCOPE_BUNDLE__
  ? join(import.meta.dirname, 'engine_worker.mjs') // the bundle's own folder (its import.meta.url names this source file)
  : TSX_WORKER

export class EnginePool implements EngineRunner {
  private readonly pool: Piscina
  readonly heapLimitMb: number

  constructor(filename: string = DEFAULT_WORKER, opts: PoolOptions = {}) {
    const cpus = availableParallelism()
    this.heapLimitMb = opts.maxOldGenerationSizeMb ?? defaultHeapLimitMb()
    this.pool = new Piscina({
      resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb },
      filename,
      minThreads: opts.minThreads ?? Math.min(2, cpus + 1),
      maxThreads: Math.max(opts.minThreads ?? 2, opts.maxThreads ?? cpus + 1),
      idleTimeout: 30_000,
      // the engine's results are large: no shared-memory wait loop, plain messages
      atomics: 'disabled',
    })
  }

  async run<J extends EngineJob>(job: J, opts: RunOptions = {}): Promise<EngineResult<J>> {
    const { port1, port2 } = new MessageChannel()
    port1.on('message', (m: PortMessage) => {
      if (m.type === 'progress') opts.onProgress?.(m.phase, m.done, m.total)
      else if (m.type === 'seeds') void this.answerSeeds(port1, m, opts.signal)
      else if (m.type === 'summary') opts.onSummary?.(m.summary)
    })
    try {
      return (await this.pool.run({ job, port: port2 }, { transferList: [port2], ...(opts.signal ? { signal: opts.signal } : {}) })) as EngineResult<J>
    } catch (e) {
      throw workerFailure(e, this.heapLimitMb)
    } finally {
      port1.close()
    }
  }

  private async answerSeeds(port: MessagePort, m: Extract<PortMessage, { type: 'seeds' }>, signal?: AbortSignal): Promise<void> {
    let reply: PortReply
    try {
      const results = await Promise.all(m.jobs.map((j) => this.run(j, signal ? { signal } : {})))
      reply = { type: 'seeds', id: m.id, results }
    } catch (e) {
      reply = { type: 'seeds', id: m.id, error: e instanceof Error ? e.message : String(e) }
    }
    try {
      port.postMessage(reply)
    } catch {
      // the job ended (cancelled) before its seeds came back
    }
  }

  /** Seeds of an ensemble, run on the pool from this thread. */
  runSeeds(jobs: SeedJob[]): Promise<SeedDone[]> {
    return Promise.all(jobs.map((j) => this.run(j)))
  }

  destroy(): Promise<void> {
    return this.pool.destroy()
  }
}
