/**
 * A captured compaction trigger's migrate scanner, pageblock by pageblock, on the exact layout and
 * on synthesized layouts of some seeds: what each layout holds in the pageblocks the migrate
 * scanner visits (free pages below pageblock order, per-cpu, LRU and pinned pages) and what the
 * scanner scanned and isolated in each (the what-if's mm_compaction_isolate_migratepages events),
 * with the options `whatif compact` runs it with, and where each zone's scanners met
 * (mm_compaction_end). Summed by the pageblock's kind: N not Movable, # Movable without a free
 * page, and by its free pages o (at most 32 short of free), h (half or more), q (16 or more),
 * s (fewer).
 *
 *   node --import tsx scripts/migrate-scan-walk.ts fixtures/<run> <capture> [--seeds N | --seed-list 1,7,9] [--detail] [--drop opts]
 */
import { runCompactWhatIf, PageKind, isFreeHead } from '../engine/index.ts'
import { walkSetup } from './scan-walk-setup.ts'

const { args, runDir, cap, deltas: d, layouts, close } = await walkSetup('migrate-scan-walk.ts', ' [--strip] [--detail [--all]]')
console.log(`${runDir}/${cap}: real compact_migrate_scanned ${d['compact_migrate_scanned']} pgmigrate_success ${d['pgmigrate_success']} compact_isolated ${d['compact_isolated']} compact_free_scanned ${d['compact_free_scanned']}`)
for await (const { layout, seed, snap: s, opts } of layouts()) {
  const m = s.model
  const pb = m.pageblockNrPages
  const mv = m.migratetypes.movable
  type B = { free: number; pcp: number; lru: number; pinned: number; other: number; mt: number; scanned: number; taken: number; visits: number }
  const blk = new Map<number, B>()
  for (const z of m.zones) {
    if (z.managed === 0) continue
    const z0 = Math.ceil(z.startPfn / pb) * pb
    const zEnd = z.startPfn + z.spanned
    for (let st = z0; st + pb <= zEnd; st += pb) blk.set(st / pb, { free: 0, pcp: 0, lru: 0, pinned: 0, other: 0, mt: m.getPageblockMigratetype(st), scanned: 0, taken: 0, visits: 0 })
    for (let p = z0; p < zEnd;) {
      const v = m.memMap[p - m.basePfn]!
      if (isFreeHead(v)) {
        const n = 2 ** (v & 0xf)
        for (let q = p; q < p + n; q += Math.min(n, pb)) { const b = blk.get(Math.floor(q / pb)); if (b) b.free += Math.min(n, pb) }
        p += n
        continue
      }
      const b = blk.get(Math.floor(p / pb))
      if (b) {
        if (v === PageKind.PCP) b.pcp++
        else if (v === PageKind.ANON || v === PageKind.FILE || (v & 0xc0) === 0x40) b.lru++
        else if (v === PageKind.PINNED) b.pinned++
        else b.other++
      }
      p++
    }
  }
  const r = runCompactWhatIf(m, s.allocator, { ...(opts as object), eventLimit: 1e7 }, s.capture.machine.hpageOrder)
  const ends: string[] = []
  for (const e of r.events) {
    if (e.name === 'mm_compaction_end') ends.push(`${e.zone} migrate ${(e.migratePfn / pb).toFixed(1)} free ${(e.freePfn / pb).toFixed(1)} ${e.status}`)
    if (e.name !== 'mm_compaction_isolate_migratepages') continue
    const b = blk.get(Math.floor(e.startPfn / pb))
    if (b) { b.scanned += e.nrScanned; b.taken += e.nrTaken; b.visits++ }
  }
  const kind = (b: B): string => b.mt !== mv ? 'N' : b.free >= pb ? '.' : b.free === 0 ? '#' : b.free >= pb - 32 ? 'o' : b.free >= pb / 2 ? 'h' : b.free >= 16 ? 'q' : 's'
  const sums: Record<string, { n: number; scanned: number; taken: number; lru: number; pcp: number; pinned: number; free: number }> = {}
  const ids = [...blk.keys()].sort((a, b) => a - b)
  let strip = ''
  for (const i of ids) {
    const b = blk.get(i)!
    const k = kind(b)
    strip += b.visits ? (b.taken ? k.toUpperCase().replace('#', '@').replace('.', ',') : k) : (k === '.' ? '.' : ' ')
    if (!b.visits) continue
    const t = (sums[k] ??= { n: 0, scanned: 0, taken: 0, lru: 0, pcp: 0, pinned: 0, free: 0 })
    t.n++; t.scanned += b.scanned; t.taken += b.taken; t.lru += b.lru; t.pcp += b.pcp; t.pinned += b.pinned; t.free += b.free
  }
  console.log(`${layout}${layout === 'synthesized' ? ' seed ' + seed : ''}: compact_migrate_scanned ${r.counters['compact_migrate_scanned']} pgmigrate_success ${r.counters['pgmigrate_success']} compact_isolated ${r.counters['compact_isolated']} compact_free_scanned ${r.counters['compact_free_scanned']}; ends ${ends.join('; ')}`)
  console.log('  visited: ' + Object.entries(sums).map(([k, t]) => `${k} ${t.n} pbs scanned ${t.scanned} taken ${t.taken} (lru ${t.lru} pcp ${t.pcp} pinned ${t.pinned} free ${t.free})`).join('; '))
  if (args.includes('--strip')) console.log('  ' + strip)
  if (args.includes('--detail')) {
    const out: string[] = []
    for (const i of ids) {
      const b = blk.get(i)!
      if (!b.visits || (!b.taken && !args.includes('--all'))) continue
      out.push(`${i}${kind(b)}:f${b.free} l${b.lru} p${b.pcp} x${b.pinned} s${b.scanned} t${b.taken}`)
    }
    console.log('  ' + out.join(' '))
  }
}
await close()
