/**
 * What the synthesized layout (no kpageflags) takes from the series and from the kernel's
 * mechanisms, beyond the captured counts (engine/reconstruct/synthesize.ts): memory not yet
 * initialised, a capture taken after a full compaction laid out packed, and a free-page density
 * along the zone that the seed draws (docs/fidelity.md, "Synthesized layouts").
 */
import { describe, it, expect } from 'vitest'
import { loadSnapshot } from '../../host/load.ts'
import { pageClass, PageKind, PageClass } from '../../engine/mm/page.ts'
import type { MemoryModel } from '../../engine/index.ts'
import { join } from 'node:path'
import { FIXTURES } from '../helpers/fixtures.ts'

const fixturePath = (run: string): string => join(FIXTURES, run)

/** free pages in Movable pageblocks: their mean position in the zone (0 = zone start, 1 = end) and the free share per eighth */
function freeShape(m: MemoryModel, zoneLabel: string): { mean: number; eighths: number[] } {
  const z = m.zones.find((x) => x.label === zoneLabel)!
  const n = z.endPfn - z.startPfn
  let sum = 0, cnt = 0
  const fr = new Array<number>(8).fill(0), used = new Array<number>(8).fill(0)
  for (let p = z.startPfn; p < z.endPfn; p++) {
    if (m.pageblockMt[Math.floor(p / m.pageblockNrPages) - m.pbBase] !== m.migratetypes.movable) continue
    const c = pageClass(m.memMap[p - m.basePfn]!)
    const e = Math.min(7, Math.floor((8 * (p - z.startPfn)) / n))
    if (c === PageClass.FREE) { sum += (p - z.startPfn) / n; cnt++; fr[e]!++ } else if (c === PageClass.MOVABLE || c === PageClass.PINNED) used[e]!++
  }
  return { mean: sum / cnt, eighths: fr.map((f, i) => f / (f + used[i]! || 1)) }
}

describe('synthesized layouts: what the counts do not say', () => {
  it('memory the kernel has not initialised (deferred_init=lazy, this machine\'s 6.18) is left out, so the pageblocks per type are pagetypeinfo\'s', async () => {
    const s = await loadSnapshot(fixturePath('host-24G-k618-a'), { capture: '01-before', layout: 'synthesized', seed: 3 })
    const pti = s.capture.pagetypeinfo!
    for (const row of pti.blocks) {
      const z = s.zones.find((x) => x.node === row.node && x.zone === row.zone)!
      pti.migratetypes.forEach((mt, i) => expect(z.pageblocks[mt] ?? 0, `${row.zone} ${mt}`).toBe(row.counts[i]))
    }
    const normal = s.model.zones.find((z) => z.label.endsWith('Normal'))!
    let uninit = 0
    for (let p = normal.startPfn; p < normal.endPfn; p++) if (s.model.memMap[p - s.model.basePfn] === PageKind.UNINIT) uninit++
    // 10752 pageblocks spanned, 2752 counted by pagetypeinfo
    expect(uninit).toBe((10752 - 2752) * 512)
  })

  it('a capture its series takes after a full compaction is laid out packed: free memory low in the zone, every seed', async () => {
    for (const seed of [1, 2, 3]) {
      const before = await loadSnapshot(fixturePath('x86-512M-s11-nopin'), { capture: '02-before', layout: 'synthesized', seed })
      const after = await loadSnapshot(fixturePath('x86-512M-s11-nopin'), { capture: '03-after-compact-node', layout: 'synthesized', seed })
      const b = freeShape(before.model, 'Node 0, zone DMA32'), a = freeShape(after.model, 'Node 0, zone DMA32')
      expect(a.mean, `seed ${seed}`).toBeLessThan(0.4)
      expect(a.mean, `seed ${seed}`).toBeLessThan(b.mean - 0.05)
      expect(after.model.build.notes.some((n) => n.includes('follows a full compaction'))).toBe(true)
    }
  })

  it('the free-page density along a zone varies with the seed, as real zones do (not uniform in every seed)', async () => {
    const shapes = await Promise.all([1, 2, 3, 4].map(async (seed) => freeShape((await loadSnapshot(fixturePath('x86-1G-s12-nopin-cm'), { capture: '02-before', layout: 'synthesized', seed })).model, 'Node 0, zone DMA32').eighths))
    // the spread over eighths of one layout, in log-odds, averaged over seeds (real zones in fixtures/: 0.35–2)
    const sd = (xs: number[]): number => {
      const l = xs.map((x) => Math.log((x + 1e-3) / (1 - x + 1e-3)))
      const mu = l.reduce((p, q) => p + q, 0) / l.length
      return Math.sqrt(l.reduce((p, q) => p + (q - mu) ** 2, 0) / l.length)
    }
    expect(shapes.reduce((p, e) => p + sd(e), 0) / shapes.length).toBeGreaterThan(0.4)
    // and two seeds disagree on where the free memory is
    expect(Math.max(...shapes.map((e) => Math.abs(e[0]! - shapes[0]![0]!)))).toBeGreaterThan(0.1)
  })
})
