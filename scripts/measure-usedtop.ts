/**
 * After a full compaction: where the free pages below pageblock order lie in the used top of each
 * zone, on the exact layout and on synthesized layouts of some seeds (the measure behind
 * docs/fidelity.md synthesized (ac)). The used Movable pageblocks (LRU or free pages, not wholly
 * free nor within 32 pages of it) are ranked from the zone's top down, and per band of ranks
 * (0–100, 100–300, 300–600, …) it prints how many hold a free page, their free pages and how many
 * of those are order-0 pages: a second compaction's free scanner keeps its stride at 1 only over
 * pageblocks that give it a free page (isolate_freepages).
 *
 *   node --import tsx scripts/measure-usedtop.ts [run-prefix] [seeds, e.g. 1,2,3,4]
 *
 * Captures that follow a full compaction and precede a trigger; ALL=1: every capture before a trigger.
 */
import { loadSnapshot } from '../host/load.ts'
import { triggerCaptures, type SeriesCapture } from './series-captures.ts'
import { followsFullCompaction } from '../host/whatif/pinned.ts'
import { isFreeHead, PageKind } from '../engine/index.ts'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
const dir = 'fixtures'
const only = process.argv[2] ?? ''
const seeds = (process.argv[3] ?? '1,2,3,4').split(',').filter(Boolean).map(Number)
const kept = ({ run, cap, ctx }: SeriesCapture): boolean => (followsFullCompaction(ctx) || !!process.env.ALL) && existsSync(join(dir, run, cap, 'kpageflags.gz'))
for await (const { run, cap, o, ctx } of triggerCaptures(dir, only, kept)) {
  console.log(`== ${run}/${cap} real fscan ${ctx.trigger.deltas['compact_free_scanned']}`)
  for (const [layout, seed] of [['exact', 1], ...seeds.map((s) => ['synthesized', s])] as Array<['exact' | 'synthesized', number]>) {
    const s = await loadSnapshot(o, { capture: cap, layout, seed })
    const m = s.model, pb = m.pageblockNrPages, mv = m.migratetypes.movable
    for (const z of m.zones) {
      if (z.managed < 64 * pb) continue
      // Movable pageblocks from the top: each: whole-free? free low pages, order0 count
      const rows: Array<{ free: number; f0: number; pcp: number; lru: number }> = []
      for (let st = Math.floor((z.endPfn - 1) / pb) * pb; st >= z.startPfn; st -= pb) {
        if (m.getPageblockMigratetype(st) !== mv) continue
        let free = 0, f0 = 0, pcp = 0, lru = 0, whole = false
        for (let p = st; p < st + pb && p < z.endPfn; p++) {
          const v = m.memMap[p - m.basePfn]!
          if (isFreeHead(v)) { const ord = v & 0xf; if (ord >= Math.log2(pb)) { whole = true; break } free += 2 ** ord; if (ord === 0) f0++; p += 2 ** ord - 1; continue }
          if (v === PageKind.PCP) pcp++
          else if (v === PageKind.ANON || v === PageKind.FILE || (v & 0xc0) === 0x40) lru++
        }
        if (whole) continue
        if (free >= pb - 32) continue // nearly free
        if (lru === 0 && free === 0) continue // kernel pages or memory not initialised
        rows.push({ free, f0, pcp, lru })
      }
      const segs = [[0, 100], [100, 300], [300, 600], [600, 1200], [1200, 2400], [2400, 3600], [3600, 4800], [4800, 1e9]]
      const out: string[] = []
      for (const [a, b] of segs) {
        const r = rows.slice(a, b)
        if (!r.length) break
        const w = r.filter((x) => x.free > 0)
        out.push(`[${a!}-${a! + r.length}) ${w.length} (${r.reduce((s, x) => s + x.free, 0)}p,f0 ${r.reduce((s, x) => s + x.f0, 0)})`)
      }
      const withF = rows.filter((x) => x.free > 0).length
      console.log(`  ${layout[0]}${seed} ${z.name}: used top ${rows.length} pbs, ${withF} with free (${rows.reduce((s, x) => s + x.free, 0)} pages) | ${out.join(' ')}`)
    }
  }
}
