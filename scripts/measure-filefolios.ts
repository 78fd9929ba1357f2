/**
 * The LRU large folios (orders 1–8) of each capture a compaction trigger follows, on its exact
 * layout: their pages by order and their share of the order-0 and large-folio LRU pages; with
 * `--split <run> <capture>`, the trigger's what-if on the exact layout as read and with those
 * folios turned into order-0 pages of their kind (the ≥ 2 MiB free pages and counters each gives).
 * The measures behind engine/reconstruct/synthesize.ts placeFileFolios (docs/fidelity.md).
 *
 *   node --import tsx scripts/measure-filefolios.ts [run-substring]
 *   node --import tsx scripts/measure-filefolios.ts --split fixtures/<run> <capture>
 */
import { runCompactWhatIf, PageKind } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'
import { compactOptions } from '../host/whatif/compact.ts'
import { triggerCaptures } from './series-captures.ts'
import type { MemoryModel } from '../engine/index.ts'

const LRU_HEADS = new Set([0x40, 0x60])

/** pages in LRU folios of order 1–8, by order (index = order), and order-0 anon/file pages */
function folioPages(m: MemoryModel): { byOrder: number[]; order0: number } {
  const byOrder = new Array<number>(9).fill(0)
  let order0 = 0
  for (let i = 0; i < m.memMap.length; i++) {
    const v = m.memMap[i]!
    if (v === PageKind.ANON || v === PageKind.FILE) order0++
    else if (LRU_HEADS.has(v & 0xf0)) {
      const o = v & 0xf
      if (o >= 1 && o <= 8) byOrder[o]! += 2 ** o
      i += 2 ** o - 1
    }
  }
  return { byOrder, order0 }
}

/** turns the LRU folios of order 1–8 into order-0 pages of their kind; returns their pages */
function splitFolios(m: MemoryModel): number {
  let n = 0
  for (let i = 0; i < m.memMap.length; i++) {
    const v = m.memMap[i]!
    const o = v & 0xf
    if (!LRU_HEADS.has(v & 0xf0) || o < 1 || o > 8) continue
    m.memMap.fill((v & 0xf0) === 0x40 ? PageKind.ANON : PageKind.FILE, i, i + 2 ** o)
    n += 2 ** o
    i += 2 ** o - 1
  }
  return n
}

const args = process.argv.slice(2)
if (args[0] === '--split') {
  const [, runDir, cap] = args
  if (!runDir || !cap) throw new Error('usage: measure-filefolios.ts --split fixtures/<run> <capture>')
  const o = new OpenedPath(runDir, [])
  const ctx = await seriesContext(o, cap)
  if (!ctx?.trigger) throw new Error(`${runDir}/${cap}: no compaction trigger follows it`)
  for (const split of [false, true]) {
    const s = await loadSnapshot(o, { capture: cap, layout: 'exact', seed: 1 })
    const n = split ? splitFolios(s.model) : 0
    const plan = compactOptions(s, ctx, { seeds: 16, pinned: 'auto', ...(ctx.trigger.node !== null ? { node: ctx.trigger.node } : {}) }, 1)
    const res = runCompactWhatIf(s.model, s.allocator, { ...(await plan.options(1) as object) }, s.capture.machine.hpageOrder)
    const hi = (zs: typeof res.after): number => zs.reduce((a, z) => a + z.freeBlocks.reduce((b, c, ord) => b + (ord >= 9 ? c * 2 ** ord : 0), 0), 0)
    const c = res.counters
    console.log(`${split ? `folios split (${n} pages)` : 'as read'}: >= 2 MiB ${hi(res.before)} -> ${hi(res.after)}; pgmigrate_success ${c['pgmigrate_success']} compact_migrate_scanned ${c['compact_migrate_scanned']} compact_free_scanned ${c['compact_free_scanned']} compact_isolated ${c['compact_isolated']}`)
  }
  const d = ctx.trigger.deltas
  console.log(`real: pgmigrate_success ${d['pgmigrate_success']} compact_migrate_scanned ${d['compact_migrate_scanned']} compact_free_scanned ${d['compact_free_scanned']} compact_isolated ${d['compact_isolated']}`)
  await o.close()
} else {
  for await (const c of triggerCaptures('fixtures', args[0] ?? '', () => true)) {
    const s = await loadSnapshot(c.o, { capture: c.cap, layout: 'exact', seed: 1 })
    const { byOrder, order0 } = folioPages(s.model)
    const big = byOrder.reduce((a, b) => a + b, 0)
    console.log(`${c.run}/${c.cap} ${s.capture.machine.kernelRelease}: LRU pages in folios of order 1-8 ${big} (${(100 * big / Math.max(1, big + order0)).toFixed(1)} % of them and the order-0 LRU pages; by order ${byOrder.slice(1).join(', ')})`)
  }
}
