/**
 * A capture's layout region by region (zone Normal split into equal parts): free pages below and at
 * pageblock order, LRU pages (anon/file), non-Movable pageblocks, uninitialised pages, on the exact
 * layout and on synthesized layouts of some seeds, and where each layout's scanners met in the
 * what-if of the trigger that follows (mm_compaction_end).
 *
 *   node --import tsx scripts/zone-regions.ts fixtures/<run> <capture> [--seeds N | --seed-list 1,7] [--parts N] [--zone NAME] [--no-run]
 *
 * --zone: the zone to split (default Normal; DMA32 on the x86 guests of 4 GiB, whose compaction
 * meets in both).
 */
import { runCompactWhatIf, PageKind, isFreeHead } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'
import { compactOptions } from '../host/whatif/compact.ts'

const args = process.argv.slice(2)
const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
const [runDir, cap] = args
if (!runDir || !cap) throw new Error('usage: zone-regions.ts <run dir> <capture> [--seeds N | --seed-list 1,7] [--parts N] [--zone NAME] [--no-run]')
const nSeeds = Number(flag('--seeds') ?? 2)
const parts = Number(flag('--parts') ?? 16)
const zoneName = flag('--zone') ?? 'Normal'
const seedList = flag('--seed-list')?.split(',').map(Number)
const o = new OpenedPath(runDir, [])
const ctx = await seriesContext(o, cap)
const layouts: Array<['exact' | 'synthesized', number]> = [['exact', 1], ...(seedList ?? Array.from({ length: nSeeds }, (_, i) => i + 1)).map((sd): ['synthesized', number] => ['synthesized', sd])]
const k = (n: number): string => n >= 1e6 ? (n / 1e6).toFixed(1) + 'M' : n >= 1e3 ? (n / 1e3).toFixed(0) + 'k' : String(n)
for (const [layout, seed] of layouts) {
  const s = await loadSnapshot(o, { capture: cap, layout, seed })
  const m = s.model
  const z = m.zones.find((zz) => zz.name === zoneName && zz.managed > 0)
  if (!z) throw new Error(`${runDir}/${cap} has no zone ${zoneName} with managed pages`)
  const pb = m.pageblockNrPages, pbo = Math.log2(pb)
  // initialised part: up to the last non-UNINIT pfn
  let initEnd = z.startPfn + z.spanned
  while (initEnd > z.startPfn && m.memMap[initEnd - 1 - m.basePfn] === PageKind.UNINIT) initEnd--
  const span = initEnd - z.startPfn
  const rows: string[] = []
  for (let r = 0; r < parts; r++) {
    const a = z.startPfn + Math.floor(span * r / parts), b = z.startPfn + Math.floor(span * (r + 1) / parts)
    let fLow = 0, anon = 0, file = 0, nonMov = 0, pcp = 0, kern = 0, wholePb = 0
    for (let st = Math.ceil(a / pb) * pb; st < b; st += pb) if (m.getPageblockMigratetype(st) !== m.migratetypes.movable) nonMov++
    for (let p = a; p < b; p++) {
      const v = m.memMap[p - m.basePfn]!
      if (isFreeHead(v)) { const ord = v & 0xf; if (ord >= pbo) wholePb += 2 ** (ord - pbo); else fLow += 2 ** ord; p += 2 ** ord - 1; continue }
      if (v === PageKind.PCP) pcp++
      else if (v === PageKind.ANON || (v & 0xf0) === 0x40) anon += v === PageKind.ANON ? 1 : 2 ** (v & 0xf)
      else if (v === PageKind.FILE || (v & 0xf0) === 0x60) file += v === PageKind.FILE ? 1 : 2 ** (v & 0xf)
      else if (v === PageKind.SLAB || v === PageKind.SLAB_RECLAIMABLE || v === PageKind.KERNEL || v === PageKind.PAGETABLE || v === PageKind.RESERVED) kern++
    }
    rows.push(`  ${(a).toString(16).padStart(6)} lowF ${k(fLow).padStart(5)} wholePb ${String(wholePb).padStart(4)} anon ${k(anon).padStart(5)} file ${k(file).padStart(5)} kern ${k(kern).padStart(5)} pcp ${k(pcp).padStart(4)} nonMovPb ${nonMov}`)
  }
  let meet = ''
  if (!args.includes('--no-run') && ctx?.trigger) {
    const plan = compactOptions(s, ctx, { seeds: 16, pinned: 'auto', ...(ctx.trigger.node !== null ? { node: ctx.trigger.node } : {}) }, 1)
    const opts = await plan.options(seed)
    const res = runCompactWhatIf(m, s.allocator, { ...(opts as object), eventLimit: 1e7 }, s.capture.machine.hpageOrder)
    for (const e of res.events) if (e.name === 'mm_compaction_end') meet += ` ${e.zone} migrate ${e.migratePfn.toString(16)} free ${e.freePfn.toString(16)} ${e.status};`
    meet += ` pgmigrate_success ${res.counters['pgmigrate_success']} ms ${res.counters['compact_migrate_scanned']} fs ${res.counters['compact_free_scanned']}`
  }
  console.log(`${layout}${layout === 'synthesized' ? ' seed ' + seed : ''}: zone ${zoneName} ${z.startPfn.toString(16)}–${initEnd.toString(16)} initialised;${meet}`)
  console.log(rows.join('\n'))
}
if (ctx?.trigger) console.log('real:', JSON.stringify(ctx.trigger.deltas))
await o.close()
