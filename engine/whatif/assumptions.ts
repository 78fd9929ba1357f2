/**
 * Assumptions a what-if rests on, for what no capture can show. Pins: long-term pinned pages
 * (FOLL_LONGTERM, vmsplice, RDMA, vfio) look like ordinary anonymous pages in kpageflags and
 * kpagecount; only a failed migration reveals them. The user states how many (or which) and
 * the model marks that many anonymous pages PINNED, chosen by a seed.
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import { PageKind } from '../mm/page.ts'
import { Rng } from '../sim/rng.ts'

export type PinnedAssumption =
  | { kind: 'none' }
  | { kind: 'pages'; count: number; seed?: number; source: string }
  | { kind: 'fraction'; fraction: number; seed?: number; source: string }
  | { kind: 'pfns'; pfns: number[]; source: string }

/** Mark pinned pages in the model; returns how many were marked and a sentence for the report. */
export function applyPinned(m: MemoryModel, a: PinnedAssumption): { pinned: number; says: string } {
  if (a.kind === 'none') return { pinned: 0, says: 'no pinned pages assumed (pins are invisible in a capture)' }
  const base = m.basePfn
  if (a.kind === 'pfns') {
    let n = 0
    for (const pfn of a.pfns) {
      if (pfn < base || pfn >= m.endPfn) continue
      const b = m.memMap[pfn - base]!
      if (b === PageKind.ANON || b === PageKind.FILE || b === PageKind.UNEVICTABLE || b === PageKind.WRITEBACK) {
        m.memMap[pfn - base] = PageKind.PINNED
        n++
      }
    }
    return { pinned: n, says: `${n} pages pinned at the PFNs listed in ${a.source}` }
  }
  const anon: number[] = []
  for (let i = 0; i < m.memMap.length; i++) if (m.memMap[i] === PageKind.ANON) anon.push(i)
  const want = a.kind === 'pages' ? Math.min(a.count, anon.length) : Math.round(anon.length * Math.min(1, Math.max(0, a.fraction)))
  const rng = new Rng(a.seed ?? 1)
  // partial Fisher-Yates: the first `want` entries become the pinned pages
  for (let k = 0; k < want; k++) {
    const j = k + rng.int(anon.length - k)
    const t = anon[k]!
    anon[k] = anon[j]!
    anon[j] = t
    m.memMap[anon[k]!] = PageKind.PINNED
  }
  const what = a.kind === 'pages' ? `${want} pinned pages` : `${(a.fraction * 100).toFixed(2)}% of anonymous pages pinned (${want} pages)`
  return { pinned: want, says: `${what}, chosen among ${anon.length} anonymous pages with seed ${a.seed ?? 1} (source: ${a.source})` }
}
