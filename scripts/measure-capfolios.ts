/**
 * Where the capture's own output lands (this machine's 6.18 captures, fixtures/host-24G-k618-*):
 * the dirty fs-private page-cache large folios of an after-capture that the capture before it
 * lacks, set against the before-capture's exact layout: what each one's pages were there (a free
 * block of which order and migratetype, per-cpu pages, used), how many share one free block, and
 * where that block ranks among the free blocks of its order (`node --import tsx
 * scripts/measure-capfolios.ts fixtures [run-substring]`).
 */
import { join } from 'node:path'
import { readdirSync, existsSync } from 'node:fs'
import { loadSnapshot } from '../host/load.ts'
import { isFreeHead, headOrder, freeHeadMt, PageKind } from '../engine/mm/page.ts'
import { readKpageBin, KPF, hasKpf } from './kpage-classes.ts'

const PRIVATE = 35
const hex = (n: number): string => `0x${n.toString(16)}`

function dirtyFsFolios(f: BigUint64Array, from: number): Map<number, number> {
  const out = new Map<number, number>()
  for (let p = from; p < f.length; p++) {
    const h = f[p]!
    if (!hasKpf(h, KPF.HEAD) || !hasKpf(h, KPF.DIRTY) || !hasKpf(h, PRIVATE) || hasKpf(h, KPF.ANON)) continue
    let n = 1
    while (p + n < f.length && hasKpf(f[p + n]!, KPF.TAIL)) n++
    out.set(p, Math.log2(n))
    p += n - 1
  }
  return out
}

function writePending(zoneinfo: string): number {
  const i = zoneinfo.indexOf('zone   Normal')
  const m = /nr_zone_write_pending\s+(\d+)/.exec(zoneinfo.slice(i))
  return m ? Number(m[1]) : NaN
}

async function main(): Promise<void> {
  const root = process.argv[2] ?? 'fixtures'
  const filt = process.argv[3] ?? 'host-24G-k618'
  const { readFileSync } = await import('node:fs')
  for (const run of readdirSync(root).filter((r) => r.includes(filt)).sort()) {
    const caps = readdirSync(join(root, run)).filter((c) => /^\d\d-/.test(c) && existsSync(join(root, run, c, 'kpageflags.gz'))).sort()
    for (let k = 0; k + 1 < caps.length; k++) {
      const bdir = join(root, run, caps[k]!), adir = join(root, run, caps[k + 1]!)
      const s = await loadSnapshot(bdir, { layout: 'exact', seed: 1 })
      const m = s.model
      const zone = m.zones.find((z) => z.label.includes('Normal'))!
      const bf = readKpageBin(bdir, 'kpageflags')!, af = readKpageBin(adir, 'kpageflags')!
      const before = dirtyFsFolios(bf, zone.startPfn), after = dirtyFsFolios(af, zone.startPfn)
      const wp1 = writePending(readFileSync(join(bdir, 'zoneinfo'), 'utf8'))
      const wp2 = existsSync(join(bdir, 'after-kpage/zoneinfo')) ? writePending(readFileSync(join(bdir, 'after-kpage/zoneinfo'), 'utf8')) : NaN
      const fresh = [...after].filter(([p, o]) => before.get(p) !== o)
      const pages = fresh.reduce((n, [, o]) => n + 2 ** o, 0)
      const ordHist: Record<number, number> = {}
      for (const [, o] of fresh) ordHist[o] = (ordHist[o] ?? 0) + 1
      // the free block of the before layout holding each folio's head
      const src = new Map<number, { order: number; mt: number; folios: [number, number][] }>()
      let pcp = 0, used = 0, mixed = 0
      for (const [p, o] of fresh) {
        let found: [number, number, number] | null = null
        for (let bo = 0; bo < m.geometry.nrOrders && !found; bo++) {
          const b0 = p - (p % 2 ** bo)
          const v = m.memMap[b0 - m.basePfn]!
          if (isFreeHead(v) && headOrder(v) === bo && b0 + 2 ** bo > p) found = [b0, bo, freeHeadMt(v)]
        }
        if (found) {
          if (found[1] < o) mixed++
          const e = src.get(found[0]) ?? { order: found[1], mt: found[2], folios: [] }
          e.folios.push([p, o]); src.set(found[0], e)
        } else if (m.memMap[p - m.basePfn] === PageKind.PCP) pcp++
        else used++
      }
      // the free blocks of each order (Movable) in the before layout, by PFN, to rank the sources
      const srcHist: Record<string, number> = {}
      const lines: string[] = []
      for (const [b0, e] of [...src].sort((x, y) => x[0] - y[0])) {
        srcHist[`${e.order}`] = (srcHist[`${e.order}`] ?? 0) + 1
        let rank = 0, total = 0
        for (let q = zone.startPfn; q < zone.endPfn; q += 2 ** e.order) {
          const v = m.memMap[q - m.basePfn]!
          if (isFreeHead(v) && headOrder(v) === e.order && freeHeadMt(v) === e.mt) { total++; if (q < b0) rank++ }
        }
        const fp = e.folios.reduce((n, [, o]) => n + 2 ** o, 0)
        lines.push(`    block ${hex(b0)} (pageblock ${m.pbIndex(b0) - m.pbIndex(zone.startPfn)}) order ${e.order} ${m.migratetypes.names[e.mt]}: ${e.folios.length} folios, ${fp} pages, orders ${e.folios.map(([, o]) => o).join(',')}; rank by pfn ${rank}/${total}`)
      }
      // smallest Movable free order ≥ each folio order in the before layout's lists
      const counts: number[] = []
      for (let o = 0; o < m.geometry.nrOrders; o++) counts.push(zone.free.nrFreeMt[o * m.migratetypes.names.length + m.migratetypes.movable] ?? NaN)
      console.log(`${run} ${caps[k]} → ${caps[k + 1]}: write-pending ${wp1} → ${wp2}; new dirty fs-private folios ${fresh.length} (${pages} pages; orders ${JSON.stringify(ordHist)}); over free blocks ${[...src.values()].reduce((n, e) => n + e.folios.length, 0)} (in ${src.size} blocks, by order ${JSON.stringify(srcHist)}; smaller than the folio ${mixed}), per-cpu ${pcp}, used ${used}`)
      console.log(`  Movable free blocks per order in the before layout: ${counts.join(' ')}`)
      for (const l of lines) console.log(l)
    }
  }
}
await main()
