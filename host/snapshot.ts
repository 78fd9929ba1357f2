/**
 * One snapshot the user opened: its path and the bundle cache that keeps a `.tar.gz` unpacked
 * for as long as it is open, so loading, the series context, the CMA areas and every what-if of
 * it read one temporary copy. Workers adopt the copy (`shared()`) instead of unpacking again.
 */
import { BundleCache, openSeries, openSnapshot, type SharedExtraction, type SnapshotSeries, type SnapshotSource } from './sources/snapshot_source.ts'

export class OpenedPath {
  readonly cache: BundleCache

  /** `signal` cancels unpacking its bundle (the open was cancelled). */
  constructor(readonly path: string, shared: readonly SharedExtraction[] = [], signal?: AbortSignal) {
    this.cache = new BundleCache(signal)
    this.cache.adopt(shared)
  }

  /** One capture (a series' default one unless `capture` says). */
  capture(capture?: string): Promise<SnapshotSource> {
    return openSnapshot(this.path, { ...(capture !== undefined ? { capture } : {}), cache: this.cache })
  }

  /** The series, or null when the path holds a single capture. */
  series(): Promise<SnapshotSeries | null> {
    return openSeries(this.path, { cache: this.cache })
  }

  /** Unpack a bundle now (once), so the threads that read it next find it ready. A cancel is an error; other failures are the worker's to report. */
  async prepare(signal?: AbortSignal): Promise<void> {
    const s = await this.series().catch(() => null)
    await s?.close()
    if (signal?.aborted) throw new Error(`${this.path}: opening was cancelled`)
  }

  /** The extractions as plain data, for a worker thread. */
  shared(): SharedExtraction[] {
    return this.cache.share()
  }

  close(): Promise<void> {
    return this.cache.close()
  }
}

/** A path or an already opened one. */
export type SnapshotRef = string | OpenedPath

/** Run `f` on an opened path; a plain path is opened for the call and closed after it. */
export async function withOpened<T>(ref: SnapshotRef, f: (o: OpenedPath) => Promise<T>): Promise<T> {
  if (typeof ref !== 'string') return f(ref)
  const o = new OpenedPath(ref)
  try {
    return await f(o)
  } finally {
    await o.close()
  }
}
