/**
 * How unevenly a capture's free blocks below pageblock order share the pageblocks, on the exact
 * layout and on synthesized layouts of some seeds (`node --import tsx scripts/measure-freeclump.ts
 * fixtures/<run> <capture> [--seed-list 1,2] [--zone NAME]`): per zone, the Movable pageblocks
 * that hold used and free pages (not wholly free), the free pages in them, the share of those
 * pageblocks with fewer than 32 free pages (a free scanner passing at a stride above 1 takes
 * nothing from most of them), the share with 384 or more and the share of the free pages those
 * hold, and per order the share of its free pages lying in pageblocks with 256 or more (the
 * measures behind docs/fidelity.md synthesized (ae)).
 */
import { isFreeHead } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'

const args = process.argv.slice(2)
const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
const [runDir, cap] = args
if (!runDir || !cap) throw new Error('usage: measure-freeclump.ts <run dir> <capture> [--seed-list 1,2] [--zone NAME]')
const seeds = (flag('--seed-list') ?? '1,2').split(',').filter(Boolean).map(Number)
const zoneName = flag('--zone')
const o = new OpenedPath(runDir, [])
const layouts: Array<['exact' | 'synthesized', number]> = [['exact', 1], ...seeds.map((s): ['synthesized', number] => ['synthesized', s])]
const pct = (a: number, b: number): string => b > 0 ? `${Math.round(100 * a / b)} %` : '-'
for (const [layout, seed] of layouts) {
  const s = await loadSnapshot(o, { capture: cap, layout, seed })
  const m = s.model
  const pb = m.pageblockNrPages, pbo = Math.log2(pb)
  for (const z of m.zones) {
    if (z.managed === 0 || (zoneName && z.name !== zoneName)) continue
    let blocks = 0, sparse = 0, dense = 0, free = 0, denseFree = 0
    const ordDense = new Array<number>(pbo).fill(0), ordAll = new Array<number>(pbo).fill(0)
    for (let st = Math.ceil(z.startPfn / pb) * pb; st + pb <= z.startPfn + z.spanned; st += pb) {
      if (m.getPageblockMigratetype(st) !== m.migratetypes.movable) continue
      let f = 0, whole = false
      const ords: number[] = []
      for (let p = st; p < st + pb; p++) {
        const v = m.memMap[p - m.basePfn]!
        if (!isFreeHead(v)) continue
        const od = v & 0xf
        if (od >= pbo) { whole = true; break }
        f += 2 ** od
        ords.push(od)
        p += 2 ** od - 1
      }
      if (whole || f === 0) continue
      blocks++
      free += f
      if (f < 32) sparse++
      if (f >= 384) { dense++; denseFree += f }
      for (const od of ords) { ordAll[od]! += 2 ** od; if (f >= 256) ordDense[od]! += 2 ** od }
    }
    if (blocks === 0) continue
    console.log(`${layout}${layout === 'synthesized' ? ' seed ' + seed : ''} zone ${z.name}: ${blocks} pageblocks with used and free pages, ${free} free pages; fewer than 32 free: ${pct(sparse, blocks)} of them; 384 or more: ${pct(dense, blocks)}, holding ${pct(denseFree, free)} of the free pages; per order, share in pageblocks with 256 or more: ${ordAll.map((t, i) => pct(ordDense[i]!, t)).join(' / ')}`)
  }
}
await o.close()
