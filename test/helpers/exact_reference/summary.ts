/**
 * summarizeZone's page-by-page counts as they were before the fast path (issue 16), frozen as
 * the reference of test/host/exact_fast_path.test.ts: per-cpu pages and mixed pageblocks (see
 * engine/metrics/summary.ts). Do not optimise this file.
 */
import type { MemoryModel, Zone } from '../../../engine/mm/mmzone.ts'
import { PageKind, isFreeHead, isOutsideBuddy } from '../../../engine/mm/page.ts'
import { pageMobility, zonePageblocks } from '../../../engine/metrics/summary.ts'

export function referenceZoneCounts(m: MemoryModel, z: Zone): { pcpPages: number; mixed: Record<string, number> } {
  const mts = m.migratetypes
  const pbPages = m.pageblockNrPages
  const mixed: Record<string, number> = Object.fromEntries(mts.names.map((n) => [n, 0]))
  for (const pb of zonePageblocks(m, z)) {
    if (isOutsideBuddy(m.memMap[Math.max((pb + m.pbBase) * pbPages, z.startPfn) - m.basePfn]!)) continue
    const mt = m.pageblockMt[pb]!
    const start = Math.max((pb + m.pbBase) * pbPages, z.startPfn) - m.basePfn
    const end = Math.min((pb + m.pbBase + 1) * pbPages, z.endPfn) - m.basePfn
    const expect = mt // no allocation's gfp_migratetype is CMA: any allocated page mixes a CMA block
    for (let i = start; i < end; i++) {
      const b = m.memMap[i]!
      if (isFreeHead(b) || b === PageKind.BUDDY_TAIL) continue
      const mob = pageMobility(m, b)
      if (mob >= 0 && mob !== expect) {
        const key = mt === mts.cma ? 'Movable' : mts.names[mt]!
        mixed[key] = (mixed[key] ?? 0) + 1
        break
      }
    }
  }
  let pcpPages = 0
  for (let i = z.startPfn - m.basePfn; i < z.endPfn - m.basePfn; i++) if (m.memMap[i] === PageKind.PCP) pcpPages++
  return { pcpPages, mixed }
}
