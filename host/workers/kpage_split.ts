/**
 * The kpageflags decode split over threads (issue 16: decode at read speed). A plain kpageflags
 * file is cut into 1 MiB chunks; this thread and up to (CPUs − 1) decode threads
 * (kpage_worker.ts) claim chunks from one shared cursor (Atomics), read each with positional
 * reads straight into the memory of a WebAssembly decoder (kpage_wasm.ts: the engine's
 * decodeKpageflags step for step, with SIMD about 3.5× faster; decodeKpageflags itself where
 * WebAssembly is missing) and decode it, this thread into the model's memMap, the decode threads into a SharedArrayBuffer the size of memMap whose chunks are then
 * copied in. A decode thread that is still starting claims nothing and is not waited for, so
 * the split never costs more than the single-thread decode by more than the copy; a chunk a
 * decode thread claimed and has not finished when this thread is done (the thread is off the
 * CPU, or failed) is decoded here too, and the threads' replies are awaited only for the
 * large-folio heads of chunks they finished. The large-folio heads whose split fails
 * (MemoryModel.unsplittable) come back per chunk and are put in PFN order.
 *
 * The threads are started once, on the first file at least MIN_SPLIT_ENTRIES long, and kept
 * (unref'd: they never keep the process alive). Gzip-compressed or bundled-and-compressed
 * kpageflags, and files whose length is not a multiple of 8 (the stream path reports those),
 * take the single-thread stream path (host/load.ts).
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { closeSync, existsSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chunkDecoder } from './kpage_wasm.ts'

/** One job of a decode thread: the file, the shared map and the shared cursor. */
export interface SplitJob {
  id: number
  /** this thread's index: it counts itself in ctl[1 + worker] before its first claim */
  worker: number
  path: string
  display: string
  /** the map the thread decodes into, memMap's size (index pfn − basePfn) */
  map: SharedArrayBuffer
  /** Int32: [next chunk, then one started-count per thread] */
  ctl: SharedArrayBuffer
  /** Uint8 per chunk: once decoded by a decode thread, 1, or 2 when it holds large-folio heads whose split fails (in the reply) */
  done: SharedArrayBuffer
  basePfn: number
  endPfn: number
  /** chunk k covers PFNs startPfn + k·chunkPfns .. min(endEntries, …) − 1 */
  startPfn: number
  endEntries: number
  chunkPfns: number
  nChunks: number
  /** the decode: WebAssembly (host/workers/kpage_wasm.ts) or the engine's decodeKpageflags */
  decoder: 'wasm' | 'js'
}

export interface SplitReply {
  id: number
  /** [chunk, large-folio heads whose split fails] for the chunks that had some */
  heads: Array<[number, number[]]>
  error?: string
}

/** 1 MiB of the file a chunk */
export const CHUNK_PFNS = 1 << 17
/**
 * Files shorter than this (PFNs) are decoded on one thread: a 4 GiB machine's 8 MiB decode in
 * a few ms, less than a decode thread takes to start (bench kpage: `split crossover`).
 */
export const MIN_SPLIT_ENTRIES = 1 << 21

/** Defined (true) only in the CLI's precompiled bundle (scripts/build-cli.mjs). */
declare const __BUDDYSCOPE_BUNDLE__: boolean | undefined

/**
 * The decode thread's file: beside the precompiled CLI bundle its own kpage_worker.mjs; from the
 * sources the tsx bootstrap; in the Electron build out/main/kpage_worker.js. Null if none exists.
 */
function workerFile(): string | null {
  const dir = typeof __BUDDYSCOPE_BUNDLE__ !== 'undefined' && __BUDDYSCOPE_BUNDLE__ ? import.meta.dirname : fileURLToPath(new URL('.', import.meta.url))
  for (const f of ['kpage_worker.mjs', 'kpage_worker.js']) if (existsSync(join(dir, f))) return join(dir, f)
  return null
}

interface Slot {
  worker: Worker
  waiting: Map<number, (r: SplitReply) => void>
  dead: boolean
}

let slots: Slot[] = []
let nextId = 1

/**
 * The last split's shared map, kept a few seconds for the next file of the same machine (a
 * series' captures, a timeline, a diff: the same size): a fresh 16 MiB (64 GiB machine) to 256 MiB
 * (1 TiB) SharedArrayBuffer costs its allocation, which may start a garbage collection, and a
 * page fault per 4 KiB page on the decode threads. No stale byte is ever read from it: only the
 * chunks a decode thread wrote in full are copied out. Maps above SPARE_MAX_BYTES (machines above
 * 256 GiB) are not kept: held through the rest of the load they would add to its peak memory
 * (bench bigopen: 1 TiB, +77 MiB).
 */
let spareMap: SharedArrayBuffer | null = null
let spareTimer: ReturnType<typeof setTimeout> | null = null
const SPARE_MS = 10_000
const SPARE_MAX_BYTES = 64 * 2 ** 20

function takeMap(bytes: number): SharedArrayBuffer {
  if (spareMap?.byteLength === bytes) {
    const m = spareMap
    spareMap = null
    return m
  }
  return new SharedArrayBuffer(bytes)
}

function keepMap(m: SharedArrayBuffer): void {
  if (m.byteLength > SPARE_MAX_BYTES) return
  spareMap = m
  if (spareTimer) clearTimeout(spareTimer)
  spareTimer = setTimeout(() => { spareMap = null }, SPARE_MS)
  spareTimer.unref()
}

function startSlot(file: string): Slot {
  const worker = new Worker(file)
  const slot: Slot = { worker, waiting: new Map(), dead: false }
  const fail = (why: string): void => {
    slot.dead = true
    for (const [id, ok] of slot.waiting) ok({ id, heads: [], error: why })
    slot.waiting.clear()
  }
  worker.on('message', (r: SplitReply) => {
    const ok = slot.waiting.get(r.id)
    slot.waiting.delete(r.id)
    if (slot.waiting.size === 0) worker.unref()
    ok?.(r)
  })
  worker.on('error', (e) => fail(`the kpageflags decode thread failed (${e.message})`))
  worker.on('exit', (code) => fail(`the kpageflags decode thread exited (code ${code})`))
  worker.unref()
  return slot
}

/** The decode threads (started on first use, a dead one replaced); [] when there is no worker file. */
function decodeThreads(n: number): Slot[] {
  const file = workerFile()
  if (!file || n <= 0) return []
  slots = slots.filter((s) => !s.dead)
  while (slots.length < n) slots.push(startSlot(file))
  return slots.slice(0, n)
}

/** Stop the decode threads (tests; the process never waits for them). */
export async function stopDecodeThreads(): Promise<void> {
  const old = slots
  slots = []
  spareMap = null
  await Promise.all(old.map((s) => s.worker.terminate()))
}

export interface SplitOptions {
  /** decode threads besides this one (default: CPUs − 1, at most 3) */
  threads?: number
  /** split only files of at least this many PFNs (default MIN_SPLIT_ENTRIES) */
  minEntries?: number
  onProgress?: (done: number, total: number) => void
  /** PFNs a chunk (default CHUNK_PFNS; tests use odd sizes) */
  chunkPfns?: number
  /** this thread decodes chunks too (default true; false: the decode threads do every chunk, for tests) */
  thisThread?: boolean
  /** 'js': the engine's decodeKpageflags on every thread, not the WebAssembly decode (tests) */
  decoder?: 'wasm' | 'js'
}

export interface SplitResult {
  /** PFNs read: the file's, up to the model's endPfn */
  entries: number
  /** large-folio heads whose split fails, in PFN order */
  unsplittable: number[]
  /** chunks decoded by this thread, and by the decode threads */
  chunksHere: number
  chunksElsewhere: number
  /** of chunksHere, those a decode thread had claimed and not finished when this thread was done with its own */
  chunksRedone: number
}

/** Read entries first .. first + n − 1 of the file into the start of `buf`. */
export function readChunk(fd: number, buf: Uint8Array, first: number, n: number, display: string): void {
  let got = 0
  while (got < n * 8) {
    const r = readSync(fd, buf, got, n * 8 - got, first * 8 + got)
    if (r === 0) throw new Error(`${display}: ended at byte ${first * 8 + got} while reading PFN ${first + Math.floor(got / 8)}; the file shrank while it was read`)
    got += r
  }
}

/**
 * Decode the plain kpageflags file at `path` (`bytes` long) into `target.memMap`, split over
 * threads; null when the file is not split (too short, not whole entries, or no decode thread):
 * the caller then streams it through the single-thread decode.
 */
export async function decodeKpageflagsSplit(path: string, display: string, bytes: number, target: { memMap: Uint8Array; basePfn: number; endPfn: number }, opts: SplitOptions = {}): Promise<SplitResult | null> {
  if (bytes % 8 !== 0) return null
  const { memMap, basePfn, endPfn } = target
  const endEntries = Math.min(bytes / 8, endPfn)
  const startPfn = Math.min(basePfn, endEntries)
  if (endEntries - startPfn < (opts.minEntries ?? MIN_SPLIT_ENTRIES)) return null
  const threads = decodeThreads(opts.threads ?? Math.min(3, availableParallelism() - 1))
  if (threads.length === 0) return null
  const C = opts.chunkPfns ?? CHUNK_PFNS
  const nChunks = Math.ceil((endEntries - startPfn) / C)
  const map = takeMap(memMap.length)
  const ctl = new SharedArrayBuffer(4 * (1 + threads.length))
  const done = new SharedArrayBuffer(nChunks)
  const cursor = new Int32Array(ctl)
  const doneBy = new Uint8Array(done)
  const replies = threads.map((s, w) => {
    const id = nextId++
    const job: SplitJob = { id, worker: w, path, display, map, ctl, done, basePfn, endPfn, startPfn, endEntries, chunkPfns: C, nChunks, decoder: opts.decoder ?? 'wasm' }
    s.worker.ref()
    const p = new Promise<SplitReply>((ok) => s.waiting.set(id, ok))
    s.worker.postMessage(job)
    return { slot: s, id, p }
  })
  const heads = new Map<number, number[]>()
  const mine = new Uint8Array(nChunks)
  let here = 0
  const dec = chunkDecoder(C, opts.decoder)
  const decodeHere = (fd: number, k: number): void => {
    const first = startPfn + k * C
    const n = Math.min(C, endEntries - first)
    readChunk(fd, dec.input, first, n, display)
    const h = dec.decode(n, first, memMap, basePfn, endPfn)
    if (h) heads.set(k, h)
    mine[k] = 1
    here++
  }
  const fd = openSync(path, 'r')
  try {
    while (opts.thisThread !== false) {
      const k = Atomics.add(cursor, 0, 1)
      if (k >= nChunks) break
      decodeHere(fd, k)
      if (opts.onProgress && (k & 15) === 0) opts.onProgress(Math.min(nChunks, k) * C * 8, bytes)
    }
    // Every chunk is claimed now. One a decode thread claimed and has not finished (it may be
    // waiting for a CPU the machine's other processes hold, or have failed) is decoded here too
    // rather than waited for: a chunk is a fraction of a millisecond here, a wait for a thread
    // off the CPU is a scheduler time slice or more. Its copy in the shared map is not used.
    const steal = opts.thisThread !== false
    let redone = 0
    if (steal) {
      for (let k = 0; k < nChunks; k++) {
        if (mine[k] || Atomics.load(doneBy, k) !== 0) continue
        decodeHere(fd, k)
        redone++
      }
    }
    // the decode threads' replies carry the large-folio heads of their chunks: awaited only when
    // a chunk they finished has some (done = 2), or when this thread decoded nothing
    let awaitReplies = !steal
    for (let k = 0; k < nChunks && !awaitReplies; k++) if (!mine[k] && Atomics.load(doneBy, k) === 2) awaitReplies = true
    // the shared map is kept for the next file only when no thread may still write to it
    let quiet = true
    for (const [w, r] of replies.entries()) {
      if (!awaitReplies) {
        // a thread still starting (its started count 0) will find the cursor past the end and write nothing
        if (Atomics.load(cursor, 1 + w) !== 0) quiet = false
        r.slot.waiting.set(r.id, () => {})
        if (r.slot.waiting.size === 1) r.slot.worker.unref()
        continue
      }
      // (a thread that failed leaves its chunks undone: they are decoded below)
      const reply = await r.p
      for (const [k, h] of reply.heads) if (!mine[k]) heads.set(k, h)
    }
    let elsewhere = 0
    const shared = new Uint8Array(map)
    for (let k = 0; k < nChunks; k++) {
      if (mine[k]) continue
      if (!Atomics.load(doneBy, k)) {
        // (thisThread false) claimed by a thread that failed: decoded here (a read error recurs and is thrown)
        decodeHere(fd, k)
        continue
      }
      elsewhere++
      const a = Math.max(startPfn + k * C, basePfn) - basePfn
      const b = Math.min(startPfn + (k + 1) * C, endEntries, endPfn) - basePfn
      if (b > a) memMap.set(shared.subarray(a, b), a)
    }
    const unsplittable: number[] = []
    for (const k of [...heads.keys()].sort((x, y) => x - y)) unsplittable.push(...heads.get(k)!)
    opts.onProgress?.(endEntries * 8, endEntries * 8)
    if (quiet) keepMap(map)
    return { entries: endEntries, unsplittable, chunksHere: here, chunksElsewhere: elsewhere, chunksRedone: redone }
  } finally {
    closeSync(fd)
  }
}

