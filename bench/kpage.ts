/**
 * Part 2: /proc/kpageflags parse throughput. A kpageflags file (and a matching kpagecount) is
 * written from a synthesized model, page by page, so its flags are those the kernel would report
 * for that layout (fs/proc/page.c, stable_page_flags) and ExactLayoutBuilder.finish() has a
 * consistent capture to work on. Then the raw read and the decode + classify path are timed on
 * the same stream setup.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs'
import { ExactLayoutBuilder, KpageDecoder, decodeKpageflags, type Capture, type MemoryModel } from '../engine/index.ts'
import { decodeKpageflagsSplit } from '../host/workers/kpage_split.ts'
import { gc, median, now } from './util.ts'

// KPF_* bits (include/uapi/linux/kernel-page-flags.h), low word
const REFERENCED = 1 << 2, UPTODATE = 1 << 3, DIRTY = 1 << 4, LRU = 1 << 5, ACTIVE = 1 << 6, SLAB = 1 << 7
const WRITEBACK = 1 << 8, BUDDY = 1 << 10, MMAP = 1 << 11, ANON = 1 << 12, SWAPBACKED = 1 << 14
const HEAD = 1 << 15, TAIL = 1 << 16, HUGE = 1 << 17, UNEVICTABLE = 1 << 18, HWPOISON = 1 << 19, NOPAGE = 1 << 20
const THP = 1 << 22, OFFLINE = 1 << 23, ZERO_PAGE = 1 << 24, PGTABLE = 1 << 26
// high word (bit - 32)
const RESERVED_HI = 1 << 0, MLOCKED_HI = 1 << 1

/** memMap byte values (engine/mm/page.ts; PageKind is a const enum, so the numbers are repeated here) */
const K = {
  HOLE: 0, RESERVED: 1, BUDDY_TAIL: 2, PCP: 3, ANON: 4, FILE: 5, UNEVICTABLE: 6, PINNED: 7, WRITEBACK: 8,
  SLAB_RECLAIMABLE: 9, SLAB: 10, PAGETABLE: 11, KERNEL: 12, MOVABLE_OPS: 13, OFFLINE: 14, HWPOISON: 15,
  COMPOUND_TAIL: 16, ZERO: 17,
} as const

/** kpageflags (lo, hi) and kpagecount of a page byte, before per-page variation */
function flagsOf(b: number): [number, number, number] {
  if (b & 0x80) return [BUDDY, 0, 0]
  switch (b & 0xf0) {
    case 0x40: return [HEAD | THP | LRU | ANON | MMAP | SWAPBACKED | UPTODATE, 0, 1]
    case 0x50: return [HEAD | HUGE | UPTODATE, 0, 1]
    case 0x60: return [HEAD | LRU | MMAP | UPTODATE, 0, 1]
  }
  switch (b) {
    case K.HOLE: return [NOPAGE, 0, 0]
    case K.RESERVED: return [0, RESERVED_HI, 0]
    case K.BUDDY_TAIL: return [BUDDY, 0, 0]
    case K.PCP: return [0, 0, 0]
    case K.ANON: case K.PINNED: return [LRU | ANON | MMAP | SWAPBACKED | UPTODATE, 0, 1]
    case K.FILE: return [LRU | MMAP | UPTODATE, 0, 1]
    case K.UNEVICTABLE: return [LRU | UNEVICTABLE | ANON | MMAP | SWAPBACKED | UPTODATE, MLOCKED_HI, 1]
    case K.WRITEBACK: return [LRU | WRITEBACK | UPTODATE, 0, 0]
    case K.SLAB_RECLAIMABLE: case K.SLAB: return [SLAB, 0, 0]
    case K.PAGETABLE: return [PGTABLE, 0, 0]
    // flagless kernel page (vmalloc, pipe buffers, kernel stacks); the engine reads a non-zero
    // kpagecount as "in use", which is what tells it from a per-cpu free page
    case K.KERNEL: case K.MOVABLE_OPS: return [0, 0, 1]
    case K.OFFLINE: return [OFFLINE, 0, 0]
    case K.HWPOISON: return [HWPOISON, 0, 0]
    case K.COMPOUND_TAIL: return [TAIL | THP | ANON | MMAP | SWAPBACKED | UPTODATE, 0, 1]
    case K.ZERO: return [ZERO_PAGE | MMAP, 0, 9]
    default: return [0, 0, 0]
  }
}

export interface KpageFiles {
  flags: string
  count: string
  entries: number
  bytes: number
  writeMs: number
  /** share of entries per class, for the report */
  mix: Record<string, number>
}

/** Write kpageflags and kpagecount for every PFN of the model's memMap (PFN 0 .. endPfn). */
export function writeKpageFiles(model: MemoryModel, flagsPath: string, countPath: string): KpageFiles {
  const t0 = now()
  const lutLo = new Uint32Array(256)
  const lutHi = new Uint32Array(256)
  const lutCount = new Uint32Array(256)
  for (let b = 0; b < 256; b++) [lutLo[b], lutHi[b], lutCount[b]] = flagsOf(b)
  const map = model.memMap
  const base = model.basePfn
  const entries = model.endPfn
  const CH = 1 << 20
  const fw = new Uint32Array(CH * 2)
  const cw = new Uint32Array(CH * 2)
  const fFd = openSync(flagsPath, 'w')
  const cFd = openSync(countPath, 'w')
  const mix = { buddy: 0, lru: 0, slab: 0, compound: 0, zero_flags: 0, other: 0 }
  try {
    for (let start = 0; start < entries; start += CH) {
      const n = Math.min(CH, entries - start)
      for (let j = 0; j < n; j++) {
        const pfn = start + j
        const b = pfn >= base ? map[pfn - base]! : K.HOLE
        let lo = lutLo[b]!
        // per-page variation as on a live machine: referenced/active/dirty bits on LRU pages
        if (lo & LRU) {
          const h = Math.imul(pfn, 0x9e3779b1) >>> 28
          if (h & 1) lo |= REFERENCED
          if (h & 2) lo |= ACTIVE
          if (h === 15 && !(lo & ANON)) lo |= DIRTY
        }
        fw[2 * j] = lo
        fw[2 * j + 1] = lutHi[b]!
        cw[2 * j] = lutCount[b]!
        cw[2 * j + 1] = 0
        if (lo & BUDDY) mix.buddy++
        else if (lo & (HEAD | TAIL)) mix.compound++
        else if (lo & LRU) mix.lru++
        else if (lo & SLAB) mix.slab++
        else if (lo === 0 && lutHi[b] === 0) mix.zero_flags++
        else mix.other++
      }
      writeSync(fFd, new Uint8Array(fw.buffer, 0, n * 8))
      writeSync(cFd, new Uint8Array(cw.buffer, 0, n * 8))
    }
  } finally {
    closeSync(fFd)
    closeSync(cFd)
  }
  const share: Record<string, number> = {}
  for (const [k, v] of Object.entries(mix)) share[k] = v / entries
  return { flags: flagsPath, count: countPath, entries, bytes: entries * 8, writeMs: now() - t0, mix: share }
}

/** Stream a file with 1 MiB reads, handing each chunk to `onChunk`; resolves with the byte count. */
function streamFile(path: string, onChunk: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0
    const s = createReadStream(path, { highWaterMark: 1 << 20 })
    s.on('data', (chunk) => {
      const b = chunk as Buffer
      n += b.length
      onChunk(b)
    })
    s.on('error', reject)
    s.on('end', () => resolve(n))
  })
}

/** Stream the first `bytes` of a file (1 MiB reads). */
function streamPrefix(path: string, bytes: number, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createReadStream(path, { highWaterMark: 1 << 20, start: 0, end: bytes - 1 })
    s.on('data', (chunk) => onChunk(chunk as Buffer))
    s.on('error', reject)
    s.on('end', () => resolve())
  })
}

export interface KpageResult {
  bytes: number
  rawMs: number[]
  /** the loader's decode: split over threads (host/workers/kpage_split.ts) */
  decodeMs: number[]
  /** the single-thread stream decode (KpageDecoder → flagsSink), for reference */
  singleMs: number[]
  /** the first split decode, decode threads starting */
  coldMs: number
  /** the share of chunks the decode threads decoded (median of the runs) */
  elsewhereShare: number
  /** [PFNs, single-thread ms, split ms] for prefixes of the file (median of 3) */
  crossover: Array<[number, number, number]>
  countMs: number[]
  finishMs: number[]
  unalignedChunks: number
  chunks: number
  rawMBps: number
  decodeMBps: number
  ratio: number
  singleRatio: number
  /** the exact model's buddyinfo equals the one of the model the file was written from */
  roundTrip: boolean
}

/** The loader's kpageflags decode (host/load.ts): split over threads into the builder's model. */
async function splitDecode(path: string, bytes: number, b: ExactLayoutBuilder): Promise<{ entries: number; elsewhere: number; here: number }> {
  const r = await decodeKpageflagsSplit(path, path, bytes, b.model)
  if (!r) throw new Error(`the split decode declined ${path} (${bytes} bytes)`)
  b.flagsDecoded(r.entries, r.unsplittable)
  return { entries: r.entries, elsewhere: r.chunksElsewhere, here: r.chunksHere }
}

/**
 * Median of `runs` of: (a) raw read, summing chunk lengths; (b) the loader's decode of the same
 * file into a fresh ExactLayoutBuilder, split over threads (host/workers/kpage_split.ts: this
 * thread and the decode threads read 1 MiB chunks at their offsets and decode them); (c) the
 * single-thread stream decode, KpageDecoder(builder.flagsSink), for reference. Interleaved (a,
 * b, c, a, b, c, ...) so all see the same page-cache and heap state. The decode threads are
 * started by an untimed pass first (their start is timed on its own: `coldMs`). kpagecount
 * decoding and finish() are timed separately and are not part of the ratio.
 */
export async function benchKpage(files: KpageFiles, capture: Capture, source: MemoryModel, runs: number, log: (l: string) => void): Promise<KpageResult> {
  const rawMs: number[] = []
  const decodeMs: number[] = []
  const singleMs: number[] = []
  const countMs: number[] = []
  const finishMs: number[] = []
  const shares: number[] = []
  let unalignedChunks = 0
  let chunks = 0
  let roundTrip = true
  const want = source.zones.map((z) => Array.from({ length: source.geometry.nrOrders }, (_, o) => z.free.nrFree(o)).join(' '))
  // one untimed pass of each to warm the page cache and the JIT; the first split decode starts the threads
  await streamFile(files.flags, () => {})
  {
    const b = new ExactLayoutBuilder(capture)
    const d = new KpageDecoder(b.flagsSink)
    await streamFile(files.flags, (c) => d.push(c))
    d.end()
  }
  let t0 = now()
  await splitDecode(files.flags, files.bytes, new ExactLayoutBuilder(capture))
  const coldMs = now() - t0
  for (let w = 0; w < 3; w++) await splitDecode(files.flags, files.bytes, new ExactLayoutBuilder(capture))
  for (let i = 0; i < runs; i++) {
    gc()
    t0 = now()
    let sum = 0
    const n = await streamFile(files.flags, (c) => {
      sum += c.length
      chunks++
      if (c.byteOffset % 4 !== 0) unalignedChunks++
    })
    rawMs.push(now() - t0)
    if (n !== files.bytes || sum !== n) throw new Error(`raw read returned ${n} bytes, expected ${files.bytes}`)

    gc()
    const builder = new ExactLayoutBuilder(capture)
    t0 = now()
    const s = await splitDecode(files.flags, files.bytes, builder)
    decodeMs.push(now() - t0)
    if (s.entries !== files.entries) throw new Error(`split decode saw ${s.entries} PFNs, expected ${files.entries}`)
    shares.push(s.elsewhere / (s.here + s.elsewhere))

    gc()
    const single = new ExactLayoutBuilder(capture)
    const dec = new KpageDecoder(single.flagsSink)
    t0 = now()
    await streamFile(files.flags, (c) => dec.push(c))
    const pfns = dec.end()
    singleMs.push(now() - t0)
    if (pfns !== files.entries) throw new Error(`decoder saw ${pfns} PFNs, expected ${files.entries}`)
    if (Buffer.compare(Buffer.from(single.model.memMap.buffer), Buffer.from(builder.model.memMap.buffer)) !== 0) throw new Error('the split decode\'s page map differs from the single-thread decode\'s')

    const cdec = new KpageDecoder(builder.countSink, 'kpagecount')
    t0 = now()
    await streamFile(files.count, (c) => cdec.push(c))
    cdec.end()
    countMs.push(now() - t0)

    t0 = now()
    const { model } = builder.finish()
    finishMs.push(now() - t0)
    const got = model.zones.map((z) => Array.from({ length: model.geometry.nrOrders }, (_, o) => z.free.nrFree(o)).join(' '))
    if (got.join('|') !== want.join('|')) roundTrip = false
    log(`  run ${i + 1}/${runs}: raw ${rawMs[i]!.toFixed(0)} ms, decode+classify split ${decodeMs[i]!.toFixed(0)} ms (${(100 * shares[i]!).toFixed(0)} % of chunks on the decode threads), single-thread ${singleMs[i]!.toFixed(0)} ms, kpagecount ${countMs[i]!.toFixed(0)} ms, finish() ${finishMs[i]!.toFixed(0)} ms`)
  }
  // where splitting starts to pay (decode threads already started): prefixes of the file
  const crossover: Array<[number, number, number]> = []
  const scratch = new Uint8Array(files.entries)
  for (let pfns = 1 << 17; pfns <= files.entries; pfns *= 4) {
    const one: number[] = []
    const two: number[] = []
    for (let r = 0; r < 3; r++) {
      t0 = now()
      const dec = new KpageDecoder((first, words) => { decodeKpageflags(words, first, scratch, 0, pfns) })
      await streamPrefix(files.flags, pfns * 8, (c) => dec.push(c))
      one.push(now() - t0)
      t0 = now()
      const res = await decodeKpageflagsSplit(files.flags, files.flags, files.bytes, { memMap: scratch, basePfn: 0, endPfn: pfns }, { minEntries: 0 })
      if (!res) throw new Error('split declined')
      two.push(now() - t0)
    }
    crossover.push([pfns, median(one), median(two)])
  }
  const mb = files.bytes / 1e6
  const rawMBps = mb / (median(rawMs) / 1000)
  const decodeMBps = mb / (median(decodeMs) / 1000)
  const singleMBps = mb / (median(singleMs) / 1000)
  return {
    bytes: files.bytes, rawMs, decodeMs, singleMs, coldMs, elsewhereShare: median(shares), crossover, countMs, finishMs, unalignedChunks, chunks,
    rawMBps, decodeMBps, ratio: decodeMBps / rawMBps, singleRatio: singleMBps / rawMBps, roundTrip,
  }
}
