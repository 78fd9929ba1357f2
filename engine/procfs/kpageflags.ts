/**
 * /proc/kpageflags and /proc/kpagecount: a flat array of little-endian u64, entry i = PFN i
 * (fs/proc/page.c; bit numbers from include/uapi/linux/kernel-page-flags.h, stable ABI).
 * Decoding is streaming: chunks of any length go in, aligned runs of (lo, hi) u32 pairs come
 * out, so a 128 MiB file is never held whole.
 */

/** kpageflags bit numbers (KPF_*) */
export const KPF = {
  LOCKED: 0, ERROR: 1, REFERENCED: 2, UPTODATE: 3, DIRTY: 4, LRU: 5, ACTIVE: 6, SLAB: 7,
  WRITEBACK: 8, RECLAIM: 9, BUDDY: 10, MMAP: 11, ANON: 12, SWAPCACHE: 13, SWAPBACKED: 14,
  COMPOUND_HEAD: 15, COMPOUND_TAIL: 16, HUGE: 17, UNEVICTABLE: 18, HWPOISON: 19, NOPAGE: 20,
  KSM: 21, THP: 22, OFFLINE: 23, ZERO_PAGE: 24, IDLE: 25, PGTABLE: 26,
  // bits ≥ 32 live in the high word
  RESERVED: 32, MLOCKED: 33, MAPPEDTODISK: 34, PRIVATE: 35, PRIVATE_2: 36, OWNER_PRIVATE: 37,
  ARCH: 38, UNCACHED: 39, SOFTDIRTY: 40, ARCH_2: 41, ARCH_3: 42,
} as const

/** Names of the set bits of one entry, e.g. ['LRU', 'ANON']. */
export function kpageflagNames(lo: number, hi: number): string[] {
  const out: string[] = []
  for (const [name, bit] of Object.entries(KPF)) {
    const set = bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1
    if (set) out.push(name)
  }
  return out
}

/**
 * Receives decoded entries: `words` holds 2 × n u32 (lo, hi per PFN) for PFNs
 * firstPfn .. firstPfn + n − 1. The array is only valid during the call.
 */
export type KpageSink = (firstPfn: number, words: Uint32Array) => void

/**
 * Streaming decoder of a u64-per-PFN file. Feed chunks with push(); call end() to check that
 * the file held whole entries. Little-endian hosts only decode without copying when a chunk is
 * 4-byte aligned (Node's file reads are); other chunks go through a scratch buffer.
 */
export class KpageDecoder {
  private readonly sink: KpageSink
  private readonly file: string
  private pfn = 0
  private carry = new Uint8Array(8)
  private carryLen = 0
  private scratch = new Uint8Array(0)

  constructor(sink: KpageSink, file = 'kpageflags') {
    this.sink = sink
    this.file = file
  }

  /** PFNs decoded so far */
  get entries(): number {
    return this.pfn
  }

  push(chunk: Uint8Array): void {
    let off = 0
    if (this.carryLen > 0) {
      const need = 8 - this.carryLen
      const take = Math.min(need, chunk.length)
      this.carry.set(chunk.subarray(0, take), this.carryLen)
      this.carryLen += take
      off = take
      if (this.carryLen < 8) return
      this.emit(this.carry, 0, 1)
      this.carryLen = 0
    }
    const whole = Math.floor((chunk.length - off) / 8)
    if (whole > 0) this.emit(chunk, off, whole)
    const rest = chunk.length - off - whole * 8
    if (rest > 0) {
      this.carry.set(chunk.subarray(chunk.length - rest), 0)
      this.carryLen = rest
    }
  }

  /** Finish; returns the number of PFNs. A trailing partial entry is an error. */
  end(): number {
    if (this.carryLen !== 0) {
      throw new Error(`${this.file}: length is not a multiple of 8 bytes (a trailing partial entry of ${this.carryLen} bytes after PFN ${this.pfn - 1}); expected one little-endian u64 per PFN`)
    }
    return this.pfn
  }

  private emit(buf: Uint8Array, off: number, n: number): void {
    const abs = buf.byteOffset + off
    let words: Uint32Array
    if (abs % 4 === 0) {
      words = new Uint32Array(buf.buffer, abs, n * 2)
    } else {
      if (this.scratch.length < n * 8) this.scratch = new Uint8Array(Math.max(n * 8, 1 << 16))
      this.scratch.set(buf.subarray(off, off + n * 8))
      words = new Uint32Array(this.scratch.buffer, 0, n * 2)
    }
    this.sink(this.pfn, words)
    this.pfn += n
  }
}
