/**
 * The raw kpageflags/kpagecount of a capture and a coarse class per page, for the measuring
 * scripts (compare-blocks.ts, measure-packed.ts).
 */
import { join } from 'node:path'
import { readFileSync, existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

/** `name` (or `name`.gz) in `dir` as 64-bit words; null where the capture has neither */
export function readKpageBin(dir: string, name: string): BigUint64Array | null {
  const p = join(dir, name)
  if (!existsSync(p + '.gz') && !existsSync(p)) return null
  const buf = existsSync(p + '.gz') ? gunzipSync(readFileSync(p + '.gz')) : readFileSync(p)
  return new BigUint64Array(buf.buffer, buf.byteOffset, Math.floor(buf.byteLength / 8))
}

/** kpageflags bits */
export const KPF = { LOCKED: 0, ERROR: 1, REFERENCED: 2, UPTODATE: 3, DIRTY: 4, LRU: 5, ACTIVE: 6, SLAB: 7, WRITEBACK: 8, RECLAIM: 9, BUDDY: 10, MMAP: 11, ANON: 12, SWAPCACHE: 13, SWAPBACKED: 14, HEAD: 15, TAIL: 16, HUGE: 17, UNEVICTABLE: 18, NOPAGE: 20, THP: 22, PGTABLE: 26 }
export const hasKpf = (f: bigint, b: number): boolean => ((f >> BigInt(b)) & 1n) === 1n

/**
 * A coarse class per page: h no page, b buddy, s slab, t compound tail/head, a anon LRU, f file
 * LRU, A anon mapped but not on an LRU (in an lru_add batch), z flagless with count 0, k flagless
 * with count > 0, o other
 */
export function kpageClass(f: bigint, c: bigint): string {
  if (hasKpf(f, KPF.NOPAGE)) return 'h'
  if (hasKpf(f, KPF.BUDDY)) return 'b'
  if (hasKpf(f, KPF.SLAB)) return 's'
  if (hasKpf(f, KPF.HEAD) || hasKpf(f, KPF.TAIL)) return 't'
  if (hasKpf(f, KPF.LRU)) return hasKpf(f, KPF.ANON) ? 'a' : 'f'
  if (hasKpf(f, KPF.ANON)) return 'A'
  if (f === 0n) return c === 0n ? 'z' : 'k'
  return 'o'
}
