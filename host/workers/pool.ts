/**
 * The engine's worker threads: a piscina pool running host/workers/engine_worker.ts jobs.
 * One pool serves a whole host (CLI, `serve`, Electron main), so opening snapshots and the
 * seeds of what-if ensembles share the machine's cores.
 *
 * Each job gets a MessagePort: the worker reports progress on it, and a what-if ensemble running
 * in a worker asks on it for its seeds to be run on the pool (`seeds` requests), so seeds run in
 * parallel wherever the ensemble was started. Cancelling (an AbortSignal) terminates the job's
 * worker.
 */
import { availableParallelism } from 'node:os'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { Piscina } from 'piscina'
import type { EngineJob, EngineResult, SeedJob } from './jobs.ts'
import type { CompactWhatIfResult } from '../../engine/index.ts'

/** Messages a job's worker posts on its port. */
export type PortMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'seeds'; id: number; jobs: SeedJob[] }

/** Answers to a `seeds` request. */
export type PortReply = { type: 'seeds'; id: number; results: CompactWhatIfResult[][] } | { type: 'seeds'; id: number; error: string }

export interface RunOptions {
  signal?: AbortSignal
  onProgress?: (phase: string, done: number, total: number) => void
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

  constructor(filename: string = DEFAULT_WORKER, opts: PoolOptions = {}) {
    const cpus = availableParallelism()
    this.pool = new Piscina({
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
    })
    try {
      return (await this.pool.run({ job, port: port2 }, { transferList: [port2], ...(opts.signal ? { signal: opts.signal } : {}) })) as EngineResult<J>
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
  runSeeds(jobs: SeedJob[]): Promise<CompactWhatIfResult[][]> {
    return Promise.all(jobs.map((j) => this.run(j)))
  }

  destroy(): Promise<void> {
    return this.pool.destroy()
  }
}
