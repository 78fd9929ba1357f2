/**
 * The captured kpageflags and kpagecount entries of a PFN range, read again from the snapshot's
 * files (the model keeps page kinds, not flags): what the page-level view shows of each page.
 */
import { KpageDecoder, kpageflagNames } from '../engine/index.ts'
import type { SnapshotSource } from './sources/snapshot_source.ts'

/** Entries [start, start + n) of a u64-per-PFN file, as (lo, hi) pairs; stops reading after the range. */
async function readRange(src: SnapshotSource, name: string, start: number, n: number): Promise<Uint32Array | null> {
  if (!src.has(name)) return null
  const out = new Uint32Array(n * 2)
  let past = false
  const dec = new KpageDecoder((first, words) => {
    const cnt = words.length / 2
    const lo = Math.max(first, start)
    const hi = Math.min(first + cnt, start + n)
    for (let p = lo; p < hi; p++) {
      out[(p - start) * 2] = words[(p - first) * 2]!
      out[(p - start) * 2 + 1] = words[(p - first) * 2 + 1]!
    }
    if (first + cnt >= start + n) past = true
  }, src.describe(name))
  for await (const chunk of src.openStream(name)) {
    dec.push(chunk)
    if (past) break
  }
  return out
}

export interface KpageRange {
  /** per page: the names of its set kpageflags bits (KPF_*), space-separated */
  flags: string[] | null
  /** per page: kpagecount (map count) */
  counts: number[] | null
}

export async function kpageRange(src: SnapshotSource, startPfn: number, n: number): Promise<KpageRange> {
  const f = await readRange(src, 'kpageflags', startPfn, n)
  const c = await readRange(src, 'kpagecount', startPfn, n)
  return {
    flags: f ? Array.from({ length: n }, (_, i) => kpageflagNames(f[i * 2]!, f[i * 2 + 1]!).join(' ')) : null,
    counts: c ? Array.from({ length: n }, (_, i) => c[i * 2]! + c[i * 2 + 1]! * 2 ** 32) : null,
  }
}
