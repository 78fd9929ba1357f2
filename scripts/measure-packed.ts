/**
 * After a full compaction: what the Movable pageblocks holding both free and used pages hold, in
 * the kpageflags of every capture that follows a full compaction and precedes a second one, and
 * what the capture after the second compaction made of those pages; per zone the used top (the
 * Movable pageblocks from the topmost mostly used one down to the first one at most 32 pages
 * short of free: how many hold a free page, how many free and flagless pages, and how many of
 * the flagless ones were free or migrated to by the next capture), and the pages the per-cpu
 * lists whose high fell gave back between the capture's first read and its re-read.
 *   node --import tsx scripts/measure-packed.ts fixtures
 */
import { join } from 'node:path'
import { existsSync, readdirSync } from 'node:fs'
import { readKpageBin, kpageClass } from './kpage-classes.ts'
import { loadSnapshot } from '../host/load.ts'
import { triggerCaptures } from './series-captures.ts'
import { followsFullCompaction } from '../host/whatif/pinned.ts'
import { readFileSync } from 'node:fs'
import { parseZoneinfo } from '../engine/index.ts'
import { pcpDecayedBetweenReads } from '../engine/reconstruct/reread.ts'

const dir = process.argv[2] ?? 'fixtures'
const only = process.argv[3] ?? ''
const readBin = readKpageBin
const cls = kpageClass
const tally = (xs: string[]): string => { const t: Record<string, number> = {}; for (const x of xs) t[x] = (t[x] ?? 0) + 1; return Object.entries(t).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}${v}`).join(' ') }

for await (const { run, cap, o, ctx } of triggerCaptures(dir, only, (c) => followsFullCompaction(c.ctx))) {
  if (!ctx.next) continue
  const bf = readBin(join(dir, run, cap), 'kpageflags'), bc = readBin(join(dir, run, cap), 'kpagecount')
  const af = readBin(join(dir, run, ctx.next), 'kpageflags'), ac = readBin(join(dir, run, ctx.next), 'kpagecount')
  if (!bf || !bc || !af || !ac) continue
  // the capture before this one (before the first of the two compactions): its wholly free pageblocks
  const caps = readdirSync(join(dir, run)).filter((d) => /^\d\d-/.test(d)).sort()
  const prevCap = caps[caps.indexOf(cap) - 1]
  const pf = prevCap ? readBin(join(dir, run, prevCap), 'kpageflags') : null
  const s = await loadSnapshot(o, { capture: cap, layout: 'exact' })
  await o.close()
  const m = s.model
  const pb = m.pageblockNrPages
  const mv = m.migratetypes.movable
  console.log(`\n== ${run}/${cap} → ${ctx.next}  pgmigrate ${ctx.trigger.deltas['pgmigrate_success']} isolated ${ctx.trigger.deltas['compact_isolated']} mscan ${ctx.trigger.deltas['compact_migrate_scanned']} fscan ${ctx.trigger.deltas['compact_free_scanned']}`)
  // the pages the per-cpu lists whose high fell gave back between the first read and the re-read (after-kpage/)
  const rz = join(dir, run, cap, 'after-kpage', 'zoneinfo')
  if (existsSync(rz) && s.capture.zoneinfo) {
    const dec = pcpDecayedBetweenReads(s.capture.zoneinfo, parseZoneinfo(readFileSync(rz, 'utf8'), rz))
    console.log(`  decayed between the reads: ${dec.length ? dec.map((x) => `${x.zone} ${x.pages}`).join(', ') : 'none'}`)
  }
  for (const z of m.zones) {
    const zn = z
    if (z.managed === 0) continue
    // per Movable pageblock: free pages, non-free classes
    type Blk = { i: number; st: number; free: number; cls: Record<string, number>; after: Record<string, number>; moved: string[] }
    const blks: Blk[] = []
    for (let st = Math.ceil(z.startPfn / pb) * pb; st + pb <= z.endPfn; st += pb) {
      if (m.getPageblockMigratetype(st) !== mv) { blks.push({ i: st / pb, st, free: -1, cls: {}, after: {}, moved: [] }); continue }
      const c: Record<string, number> = {}, a: Record<string, number> = {}
      const moved: string[] = []
      let free = 0
      for (let p = st; p < st + pb; p++) {
        const k = cls(bf[p] ?? 0n, bc[p] ?? 0n)
        if (k === 'b') { free++; continue }
        c[k] = (c[k] ?? 0) + 1
        const ka = cls(af[p] ?? 0n, ac[p] ?? 0n)
        a[ka] = (a[ka] ?? 0) + 1
        moved.push(`${k}→${ka}`)
      }
      blks.push({ i: st / pb, st, free, cls: c, after: a, moved })
    }
    const mov = blks.filter((b) => b.free >= 0)
    if (mov.length < 8) continue
    const full = mov.filter((b) => b.free === pb).length
    const mixed = mov.filter((b) => b.free > 0 && b.free < pb)
    const used = mov.filter((b) => b.free === 0).length
    console.log(`  ${z.label}: Movable pbs ${mov.length}: wholly free ${full}, used only ${used}, mixed ${mixed.length}; pcp ${z.pcpPages}`)
    // positions: print a strip over all pageblocks: . free, # used, digits = mixed by free share, N non-movable
    let strip = ''
    for (const b of blks) strip += b.free < 0 ? 'N' : b.free === pb ? '.' : b.free === 0 ? '#' : b.free >= pb - 32 ? 'o' : b.free >= pb / 2 ? 'h' : b.free >= 16 ? 'q' : 's'
    console.log(`  strip: ${strip}`)
    // mixed pageblocks by kind: nearly empty (o: ≥ pb−32 free), half+, quarter, sparse (<16 free)
    const groups: Record<string, Blk[]> = { o: [], h: [], q: [], s: [] }
    for (const b of mixed) groups[b.free >= pb - 32 ? 'o' : b.free >= pb / 2 ? 'h' : b.free >= 16 ? 'q' : 's']!.push(b)
    // the used top: from the zone's top down, the Movable pageblocks from the first one mostly
    // used (the packed part the first compaction's free scanner filled, where a second one's free
    // scanner starts) down to the first one at most 32 pages short of free (the vacated part)
    const top: Blk[] = []
    for (let k = blks.length - 1; k >= 0; k--) {
      const b = blks[k]!
      if (b.free < 0) continue
      if (!top.length) { if (b.free < pb / 2 && ((b.cls["a"] ?? 0) + (b.cls["f"] ?? 0)) > pb / 2) top.push(b); continue }
      if (b.free >= pb - 32) break
      top.push(b)
    }
    if (top.length) {
      const withFree = top.filter((b) => b.free > 0)
      const z = top.reduce((a, b) => a + (b.cls['z'] ?? 0), 0)
      const zBack = top.reduce((a, b) => a + b.moved.filter((x) => x === 'z→b' || x === 'z→a' || x === 'z→f' || x === 'z→A').length, 0)
      const zTaken = top.reduce((a, b) => a + b.moved.filter((x) => x === 'z→a' || x === 'z→f').length, 0)
      const nfree = withFree.reduce((a, b) => a + b.free, 0)
      const lruTop = top.reduce((a, b) => a + (b.cls['a'] ?? 0) + (b.cls['f'] ?? 0), 0)
      const movOrder0 = s.capture.pagetypeinfo?.free.find((r) => r.node === zn.node && r.zone === zn.name && r.migratetype === 'Movable')?.counts[0]
      console.log(`    top: ${top.length} used Movable pbs above the vacated part; ${withFree.length} with a free page (${(100 * withFree.length / top.length).toFixed(0)} %), ${nfree} free pages (${(nfree / Math.max(1, withFree.length)).toFixed(1)} a pb)${movOrder0 !== undefined ? `, ${(100 * nfree / Math.max(1, movOrder0)).toFixed(1)} % of Movable order-0 ${movOrder0}` : ''}; flagless z ${z} (${(z / top.length).toFixed(1)} a pb), ${zBack} back to buddy by next (${zTaken} migrated-to); lru ${lruTop}`)
    }
    // where the first compaction's scanners met: the point b over the Movable pageblocks not
    // wholly free that best splits them into mostly without LRU pages below and mostly LRU pages above; per
    // pageblock around it its free, LRU (a, f), flagless (z) and other used pages, and how many
    // of its LRU pages the second compaction migrated (LRU before, free or flagless after)
    {
      const part = mov.filter((b) => b.free < pb)
      const lruOf = (b: Blk): number => (b.cls['a'] ?? 0) + (b.cls['f'] ?? 0)
      let best = 0, bestScore = -1, score = part.filter((b) => lruOf(b) >= pb / 2).length
      for (let k = 0; k <= part.length; k++) {
        if (score > bestScore) { bestScore = score; best = k }
        if (k < part.length) score += lruOf(part[k]!) < pb / 2 ? 1 : -1
      }
      const show: string[] = []
      let meetLru = 0, meetMoved = 0
      for (let k = Math.max(0, best - 3); k < Math.min(part.length, best + 2); k++) {
        const b = part[k]!
        const lru = (b.cls['a'] ?? 0) + (b.cls['f'] ?? 0)
        const moved = b.moved.filter((x) => x === 'a→z' || x === 'a→b' || x === 'f→z' || x === 'f→b').length
        if (k >= best - 2 && k < best + 1) { meetLru += lru; meetMoved += moved }
        const others = Object.entries(b.cls).filter(([c]) => c !== 'a' && c !== 'f' && c !== 'z').map(([c, v]) => c + v).join('')
        show.push(`${b.i}${k < best ? '<' : '>'} f${b.free} l${lru} z${b.cls['z'] ?? 0} ${others} mig${moved}`)
      }
      const meetPb = part[best]?.i ?? Infinity
      const wholeAbove = mov.filter((b) => b.free === pb && b.i > meetPb).length
      const usedAbove = mov.filter((b) => b.free < pb && b.i > meetPb).length
      console.log(`    wholly free Movable pageblocks above the meeting point: ${wholeAbove} of ${full} (beside ${usedAbove} not wholly free there)`)
      // the wholly free pageblocks of the capture before the first compaction (the memory no
      // allocation had touched since boot), and how many of them are still wholly free here
      if (pf) {
        const BUDDY = 1n << 10n
        const wasWhole = (st: number): boolean => { for (let p = st; p < st + pb; p++) if (((pf[p] ?? 0n) & BUDDY) === 0n) return false; return true }
        const before = mov.filter((b) => wasWhole(b.st))
        const still = before.filter((b) => b.free === pb)
        console.log(`    ${prevCap}: ${before.length} wholly free pageblocks (of those Movable now), ${still.length} still wholly free (${still.filter((b) => b.i > meetPb).length} above the meeting point), at pageblocks ${before.length ? before[0]!.i + '–' + before[before.length - 1]!.i : '-'} of ${mov[0]?.i}–${mov[mov.length - 1]?.i}`)
      }
      console.log(`    meet at pb ${part[best]?.i ?? 'end'} (of ${part.length} not wholly free): ${show.join(' | ')}; the two below and one above: LRU ${meetLru}, migrated by the next ${meetMoved}`)
    }
    for (const [g, bs] of Object.entries(groups)) {
      if (!bs.length) continue
      const sum: Record<string, number> = {}
      for (const b of bs) for (const [k, v] of Object.entries(b.cls)) sum[k] = (sum[k] ?? 0) + v
      const tr = tally(bs.flatMap((b) => b.moved))
      const nfree = bs.reduce((a, b) => a + b.free, 0)
      console.log(`    ${g}: ${bs.length} pbs, free ${nfree}; used ${Object.entries(sum).map(([k, v]) => k + v).join(' ')}; →after ${tr}`)
    }
  }
}
