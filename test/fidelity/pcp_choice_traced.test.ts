/**
 * Which flagless pages the exact layout takes as per-cpu pages (engine/reconstruct/exact.ts
 * settlePcp: zoneinfo's count of them, the sparsest-spread first), against the lists six `ptrace`
 * boots traced (each capture's pcp-owners.txt.gz: the CPU whose list held each page at the
 * capture's mark; scripts/measure-pcp-choice.ts prints the same figures). The eight captures taken
 * after a workload, whose lists the trace covers (the boot captures' lists mostly predate it).
 *
 * Where a compaction can make a pageblock wholly free (no slab, page table, reserved or other
 * flagged kernel page, no flagless mapped page in it) the choice takes every traced per-cpu page
 * (47 257 of 47 257) and 109 pages no list held at the mark: 36 the capture's own gzip took onto
 * CPU 0's list (rmqueue_bulk, percpu_refill=1) after the kpageflags mark, before kpageflags reached
 * them (x86-1G-s33-k612-gen-ptrace/02), 52 in x86-2G-s36-k612-gen-ptrace/02 (aligned runs of 2
 * and 4, 50 of them next seen in a drain from CPU 1's order-1 and order-2 lists after the capture,
 * put there by a path the trace does not name), and 21 no event named. Every wholly flagless pageblock's
 * traced pages are taken too (12 275). The choice's misses lie in pageblocks holding kernel pages
 * (11 974 of 19 193 traced pages taken there), which no compaction frees: whichever of their
 * flagless pages are per-cpu pages, the what-if's values on these eight captures stay the same
 * (docs/fidelity.md, "Which flagless pages are per-cpu pages"). A rule that takes more of the traced
 * pages raises TAKEN_FLOOR; one that loses pages where a compaction frees fails here.
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { PageKind } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const CAPTURES: Array<[string, string]> = [
  ['x86-1G-s15-k612-nopin-ptrace', '02-before'],
  ['x86-1G-s33-k612-gen-ptrace', '02-before'],
  ['x86-1G-s33-k612-gen-ptrace-b', '02-before'],
  ['x86-1G-s33-k612-mv3-ptrace', '02-before'],
  ['x86-1G-s33-k612-mv3-ptrace', '03-after-compact-node'],
  ['x86-1G-s36-k612-mv2-ptrace', '02-before'],
  ['x86-1G-s36-k612-mv2-ptrace', '03-after-compact-node'],
  ['x86-2G-s36-k612-gen-ptrace', '02-before'],
]
/** traced per-cpu pages the layout takes, over the eight captures, as measured (of 78 725 flagless traced pages) */
const TAKEN_FLOOR = 71506
/** pages taken where a compaction can free that no list held at the mark, over the eight captures, as measured */
const UNTRACED_FREEABLE_MAX = 109

function words(dir: string, name: string): BigUint64Array {
  const b = gunzipSync(readFileSync(join(dir, `${name}.gz`)))
  return new BigUint64Array(b.buffer, b.byteOffset, Math.floor(b.byteLength / 8))
}

// kpageflags bits
const BUDDY = 10n, NOPAGE = 20n, LRU = 5n, ANON = 12n
/** 'z' flagless and unmapped, 'u' LRU or anonymous or free or a hole, 'k' any other (a kernel page) */
function pageClass(f: bigint, c: bigint): 'z' | 'u' | 'k' {
  if (f === 0n) return c === 0n ? 'z' : 'k'
  const has = (b: bigint): boolean => ((f >> b) & 1n) === 1n
  if (has(NOPAGE) || has(BUDDY) || has(LRU) || (has(ANON) && !((f >> 15n) & 3n))) return 'u'
  return 'k'
}

interface Measure { tracedFree: number; takenFree: number; untracedFree: number; tracedWhole: number; takenWhole: number; traced: number; taken: number }

async function measure(run: string, cap: string): Promise<Measure> {
  const dir = join(FIXTURES, run, cap)
  const owners = new Map<number, number>()
  for (const l of gunzipSync(readFileSync(join(dir, 'pcp-owners.txt.gz'))).toString().split('\n')) {
    const w = l.split(' ')
    if (w.length === 2) owners.set(Number(w[0]), Number(w[1]))
  }
  const kf = words(dir, 'kpageflags')
  const kc = words(dir, 'kpagecount')
  const s = await loadSnapshot(dir, { layout: 'exact', seed: 1 })
  const m = s.model
  const pb = m.pageblockNrPages
  const r: Measure = { tracedFree: 0, takenFree: 0, untracedFree: 0, tracedWhole: 0, takenWhole: 0, traced: 0, taken: 0 }
  for (const z of m.zones) {
    if (!z.pcpCpus.length) continue
    for (let b0 = z.startPfn - (z.startPfn % pb); b0 < z.endPfn; b0 += pb) {
      const s0 = Math.max(b0, z.startPfn), e0 = Math.min(b0 + pb, z.endPfn)
      let flagless = 0, kernel = 0
      for (let p = s0; p < e0; p++) {
        const c = pageClass(kf[p] ?? 0n, kc[p] ?? 0n)
        if (c === 'z') flagless++
        else if (c === 'k') kernel++
      }
      const whole = flagless === e0 - s0
      for (let p = s0; p < e0; p++) {
        if (pageClass(kf[p] ?? 0n, kc[p] ?? 0n) !== 'z') continue
        const onList = (owners.get(p) ?? -1) >= 0
        const taken = m.memMap[p - m.basePfn] === PageKind.PCP
        if (onList) r.traced++
        if (onList && taken) r.taken++
        if (whole) {
          if (onList) r.tracedWhole++
          if (onList && taken) r.takenWhole++
        } else if (kernel === 0) {
          if (onList) r.tracedFree++
          if (onList && taken) r.takenFree++
          if (!onList && taken) r.untracedFree++
        }
      }
    }
  }
  return r
}

describe('the exact layout\'s per-cpu pages against the traced lists', () => {
  it('takes every traced per-cpu page where a compaction can free, and no more traced pages are lost overall', async () => {
    let taken = 0, untraced = 0
    for (const [run, cap] of CAPTURES) {
      const r = await measure(run, cap)
      expect(r.tracedFree, `${run}/${cap}: traced per-cpu pages in pageblocks without kernel pages`).toBeGreaterThan(0)
      expect(r.takenFree, `${run}/${cap}: of ${r.tracedFree} traced per-cpu pages in pageblocks without kernel pages`).toBe(r.tracedFree)
      expect(r.takenWhole, `${run}/${cap}: of ${r.tracedWhole} traced per-cpu pages in wholly flagless pageblocks`).toBe(r.tracedWhole)
      taken += r.taken
      untraced += r.untracedFree
    }
    expect(untraced).toBeLessThanOrEqual(UNTRACED_FREEABLE_MAX)
    expect(taken).toBeGreaterThanOrEqual(TAKEN_FLOOR)
  }, 120_000)
})
