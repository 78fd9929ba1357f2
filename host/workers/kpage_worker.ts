/**
 * A kpageflags decode thread (host/workers/kpage_split.ts): claims chunks of a plain kpageflags
 * file from a shared cursor, reads each with positional reads into its decoder's buffer and
 * decodes it into the shared page map (kpage_wasm.ts: the WebAssembly twin of the engine's
 * decodeKpageflags, which the single-thread path runs).
 * Replies, per job, with the large-folio heads it found (by chunk) or the error that stopped it.
 */
import { parentPort } from 'node:worker_threads'
import { closeSync, openSync, readSync } from 'node:fs'
import type { SplitJob, SplitReply } from './kpage_split.ts'
import { chunkDecoder } from './kpage_wasm.ts'

function run(job: SplitJob): SplitReply {
  const ctl = new Int32Array(job.ctl)
  const done = new Uint8Array(job.done)
  const map = new Uint8Array(job.map)
  const heads: Array<[number, number[]]> = []
  // seen by the main thread: from now on this thread may hold claimed chunks
  Atomics.add(ctl, 1 + job.worker, 1)
  let fd = -1
  try {
    for (;;) {
      const k = Atomics.add(ctl, 0, 1)
      if (k >= job.nChunks) break
      if (fd < 0) fd = openSync(job.path, 'r')
      const first = job.startPfn + k * job.chunkPfns
      const n = Math.min(job.chunkPfns, job.endEntries - first)
      const dec = chunkDecoder(job.chunkPfns, job.decoder)
      let got = 0
      while (got < n * 8) {
        const r = readSync(fd, dec.input, got, n * 8 - got, first * 8 + got)
        if (r === 0) throw new Error(`${job.display}: ended at byte ${first * 8 + got} while reading PFN ${first + Math.floor(got / 8)}; the file shrank while it was read`)
        got += r
      }
      const h = dec.decode(n, first, map, job.basePfn, job.endPfn)
      if (h) heads.push([k, h])
      Atomics.store(done, k, h ? 2 : 1)
    }
    return { id: job.id, heads }
  } catch (e) {
    return { id: job.id, heads, error: e instanceof Error ? e.message : String(e) }
  } finally {
    if (fd >= 0) closeSync(fd)
  }
}

parentPort?.on('message', (job: SplitJob) => parentPort!.postMessage(run(job)))
