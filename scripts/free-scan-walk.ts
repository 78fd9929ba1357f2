/**
 * A captured compaction trigger's free scanner, pageblock by pageblock, on the exact layout and
 * on synthesized layouts of some seeds: what each layout holds in the Movable pageblocks the free
 * scanner visits (free pages below pageblock order, order-0 ones and how many at odd PFNs,
 * per-cpu and LRU pages) and what the scanner scanned and took in each (the what-if's
 * mm_compaction_isolate_freepages events), with the options `whatif compact` runs it with (the
 * seeds' CPUs in turn where steps.log does not say). isolate_freepages doubles the stride after a
 * Movable pageblock that gave nothing and resets it after one that gave some, so how a layout
 * spreads the free pages of the zone's used top decides compact_free_scanned.
 *
 *   node --import tsx scripts/free-scan-walk.ts fixtures/<run> <capture> [--seeds N | --seed-list 1,7,9] [--strip] [--zones] [--detail] [--drop opt1,opt2]
 *
 * --strip: a character per pageblock from the zone's top (N not Movable, . wholly free, T/t taken
 * from in a whole/partial scan, X/x/_ scanned without a target, f/- not visited with/without free
 * pages); --zones: the walk zone by zone; --detail: the first 60 visited Movable pageblocks (index:f order-0/free p pcp l LRU
 * s scanned t taken); --drop: leave these engine options out (an experiment, e.g. rereadPcp).
 */
import { runCompactWhatIf, PageKind, isFreeHead } from '../engine/index.ts'
import { walkSetup } from './scan-walk-setup.ts'

const { args, runDir, cap, deltas: d, layouts, close } = await walkSetup('free-scan-walk.ts', ' [--strip] [--zones] [--detail] [--no-take]')
console.log(`${runDir}/${cap}: real compact_free_scanned ${d['compact_free_scanned']} pgmigrate_success ${d['pgmigrate_success']} compact_isolated ${d['compact_isolated']} compact_migrate_scanned ${d['compact_migrate_scanned']}`)
for await (const { layout, seed, snap: s, opts } of layouts()) {
  const m = s.model
  const pb = m.pageblockNrPages
  const pbo = Math.log2(pb)
  const mv = m.migratetypes.movable
  type B = { free0: number; freeLow: number; odd0: number; pcp: number; lru: number; whole: boolean; mt: number; scanned: number; taken: number; visits: number }
  const blk = new Map<number, B>()
  for (const z of m.zones) {
    if (z.managed === 0) continue
    for (let st = Math.ceil(z.startPfn / pb) * pb; st + pb <= z.startPfn + z.spanned; st += pb) {
      const b: B = { free0: 0, freeLow: 0, odd0: 0, pcp: 0, lru: 0, whole: false, mt: m.getPageblockMigratetype(st), scanned: 0, taken: 0, visits: 0 }
      for (let p = st; p < st + pb; p++) {
        const v = m.memMap[p - m.basePfn]!
        if (isFreeHead(v)) {
          const ord = v & 0xf
          if (ord >= pbo) { b.whole = true; break }
          b.freeLow += 2 ** ord
          if (ord === 0) { b.free0++; if ((p & 1) === 1) b.odd0++ }
          p += 2 ** ord - 1
          continue
        }
        if (v === PageKind.PCP) b.pcp++
        else if (v === PageKind.ANON || v === PageKind.FILE || (v & 0xc0) === 0x40) b.lru++
      }
      blk.set(st / pb, b)
    }
  }
  const pcpBefore = new Uint8Array(m.memMap.length)
  for (let k = 0; k < m.memMap.length; k++) if (m.memMap[k] === PageKind.PCP) pcpBefore[k] = 1
  const r = runCompactWhatIf(m, s.allocator, { ...(opts as object), eventLimit: 1e7 }, s.capture.machine.hpageOrder)
  let fscan = 0, calls = 0
  for (const e of r.events) {
    if (e.name !== 'mm_compaction_isolate_freepages') continue
    calls++
    fscan += e.nrScanned
    const b = blk.get(Math.floor(e.startPfn / pb))
    if (b) { b.scanned += e.nrScanned; b.taken += e.nrTaken; b.visits++ }
  }
  // the per-cpu pages of the layout that left the lists during the run, in the pageblocks visited
  let pcpGone = 0, pcpGoneVisited = 0, pcpAll = 0
  for (let k = 0; k < m.memMap.length; k++) {
    if (!pcpBefore[k]) continue
    pcpAll++
    if (m.memMap[k] === PageKind.PCP) continue
    pcpGone++
    if (blk.get(Math.floor((k + m.basePfn) / pb))?.visits) pcpGoneVisited++
  }
  const ids = [...blk.keys()].sort((a, b) => b - a)
  let visited = 0, withTake = 0, noTake = 0, scanNoTake = 0, scanTake = 0, free0Visited = 0, pcpVisited = 0
  let line = ''
  const topUsed: B[] = []
  for (const i of ids) {
    const b = blk.get(i)!
    if (b.visits) {
      visited++
      if (b.taken) { withTake++; scanTake += b.scanned } else { noTake++; scanNoTake += b.scanned }
      free0Visited += b.free0
      pcpVisited += b.pcp
    }
    line += b.mt !== mv ? 'N' : b.whole ? '.' : !b.visits ? (b.freeLow ? 'f' : '-') : b.taken ? (b.scanned >= pb - 8 ? 'T' : 't') : (b.scanned >= pb / 2 ? 'X' : b.scanned > 32 ? 'x' : '_')
    if (b.mt === mv && !b.whole && b.lru > 0) topUsed.push(b)
  }
  const top = topUsed.slice(0, 300)
  const withFree = top.filter((b) => b.free0 > 0)
  const sum = (bs: B[], f: (b: B) => number): number => bs.reduce((a, b) => a + f(b), 0)
  console.log(`${layout}${layout === 'synthesized' ? ' seed ' + seed : ''}, CPU ${opts.pcpCpu ?? '(default)'}: compact_free_scanned ${fscan} (${calls} calls), pgmigrate_success ${r.counters['pgmigrate_success']}; Movable pageblocks visited ${visited}: taken from ${withTake} (${scanTake} scanned), none taken ${noTake} (${scanNoTake} scanned); order-0 free ${free0Visited} and pcp ${pcpVisited} in them; pcp pages ${pcpAll}, ${pcpGone} left the lists (${pcpGoneVisited} in visited pageblocks)`)
  console.log(`  the 300 topmost used Movable pageblocks: ${withFree.length} with order-0 free pages, ${sum(withFree, (b) => b.free0)} of them (${sum(withFree, (b) => b.odd0)} at odd PFNs); pcp ${sum(top, (b) => b.pcp)}, LRU ${sum(top, (b) => b.lru)}`)
  if (args.includes('--zones')) {
    // zone by zone: the Movable pageblocks the free scanner visited, what it scanned in them, and what they held
    for (const z of m.zones) {
      if (z.managed === 0) continue
      const lo = Math.ceil(z.startPfn / pb), hi = Math.floor((z.startPfn + z.spanned) / pb)
      let zt = 0, zn = 0, zs = 0, zsn = 0, zl = 0, zp = 0, zf = 0, mvb = 0, mvLru = 0, mvPcp = 0, mvUsedNoFree = 0
      for (let i = lo; i < hi; i++) {
        const b = blk.get(i)
        if (!b) continue
        if (b.mt === mv && !b.whole) { mvb++; mvLru += b.lru; mvPcp += b.pcp; if (b.freeLow === 0) mvUsedNoFree++ }
        if (!b.visits) continue
        zs += b.scanned
        if (b.taken) zt++
        else { zn++; zsn += b.scanned }
        zl += b.lru; zp += b.pcp; zf += b.freeLow
      }
      if (args.includes('--no-take')) {
        // the visited Movable pageblocks the scanner took nothing from: index, scanned, free pages below pageblock order, LRU, pcp, other used pages
        const nt: string[] = []
        for (let i = hi - 1; i >= lo; i--) {
          const b = blk.get(i)
          if (!b?.visits || b.taken) continue
          nt.push(`${i}:s${b.scanned}/f${b.freeLow}/l${b.lru}/p${b.pcp}/o${pb - b.freeLow - b.lru - b.pcp}`)
        }
        console.log(`  zone ${z.name} no-take: ${nt.join(' ')}`)
      }
      console.log(`  zone ${z.name}: visited ${zt} taken + ${zn} none (${zsn} scanned there), scanned ${zs}; in them LRU ${zl} pcp ${zp} free ${zf}; zone's Movable used pageblocks ${mvb} (${mvUsedNoFree} without a free page), LRU ${mvLru}, pcp ${mvPcp}`)
    }
  }
  if (args.includes('--strip')) console.log('  ' + line.slice(0, 700))
  if (args.includes('--detail')) {
    let n = 0
    const out: string[] = []
    for (const i of ids) {
      const b = blk.get(i)!
      if (!b.visits || b.mt !== mv) continue
      if (n++ >= 60) break
      out.push(`${i}:f${b.free0}/${b.freeLow} p${b.pcp} l${b.lru} s${b.scanned} t${b.taken}`)
    }
    console.log('  ' + out.join(' '))
  }
}
await close()
