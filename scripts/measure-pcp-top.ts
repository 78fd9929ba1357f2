/**
 * After a full compaction: where the per-cpu lists' pages lie, in the kpageflags of every capture
 * that follows one (engine/reconstruct/synthesize.ts pcpUsedTopShare). Per zone holding per-cpu
 * pages: zoneinfo's counts per CPU (first read, and the re-read in after-kpage/ where the capture
 * has one), the CPU that ran the compaction (steps.log), and the flagless pages with kpagecount 0
 * (free pages on a list, kpageClass `z`) in the Movable pageblocks holding free and used pages
 * below where the compaction's scanners met (the vacated part: vacatedPcpShare), in the Movable
 * pageblocks above it (the used top), and in the non-Movable pageblocks (where kernel pages with
 * no flag are flagless too, so that column is an upper bound). Pageblocks wholly flagless
 * (memory not yet initialised) are left out. The meeting point is the split of the Movable
 * pageblocks not wholly free into mostly without LRU pages below and mostly LRU pages above.
 *
 *   node --import tsx scripts/measure-pcp-top.ts [fixtures] [run-name-filter]
 */
import { join } from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { readKpageBin, kpageClass } from './kpage-classes.ts'
import { loadSnapshot } from '../host/load.ts'
import { triggerCaptures } from './series-captures.ts'
import { followsFullCompaction, lastFullCompactionCpu } from '../host/whatif/pinned.ts'
import { parseZoneinfo } from '../engine/index.ts'
import type { Zoneinfo } from '../engine/index.ts'

const dir = process.argv[2] ?? 'fixtures'
const only = process.argv[3] ?? ''
const countsOf = (zi: Zoneinfo | null | undefined, node: number, zone: string): number[] =>
  zi?.zones.find((x) => x.node === node && x.zone === zone)?.pagesets.map((p) => p.count) ?? []
const pct = (a: number, b: number): string => `${b > 0 ? Math.round((100 * a) / b) : 0} %`

for await (const { run, cap, o, ctx } of triggerCaptures(dir, only, (c) => followsFullCompaction(c.ctx))) {
  const bf = readKpageBin(join(dir, run, cap), 'kpageflags')
  const bc = readKpageBin(join(dir, run, cap), 'kpagecount')
  if (!bf || !bc) { await o.close(); continue }
  const s = await loadSnapshot(o, { capture: cap, layout: 'exact' })
  await o.close()
  const cpu = lastFullCompactionCpu(ctx)
  const m = s.model
  const pb = m.pageblockNrPages
  const mv = m.migratetypes.movable
  const rzPath = join(dir, run, cap, 'after-kpage', 'zoneinfo')
  const rz = existsSync(rzPath) ? parseZoneinfo(readFileSync(rzPath, 'utf8'), rzPath) : null
  for (const z of m.zones) {
    if (z.managed === 0) continue
    const counts = countsOf(s.capture.zoneinfo, z.node, z.name)
    const reread = countsOf(rz, z.node, z.name)
    const total = counts.reduce((a, b) => a + b, 0)
    if (total < 200) continue
    const blks: Array<{ free: number; lru: number; flagless: number; movable: boolean }> = []
    for (let st = Math.ceil(z.startPfn / pb) * pb; st + pb <= z.endPfn; st += pb) {
      let free = 0, lru = 0, flagless = 0
      for (let p = st; p < st + pb; p++) {
        const k = kpageClass(bf[p] ?? 0n, bc[p] ?? 0n)
        if (k === 'b') free++
        else if (k === 'a' || k === 'f') lru++
        else if (k === 'z') flagless++
      }
      blks.push({ free, lru, flagless, movable: m.getPageblockMigratetype(st) === mv })
    }
    const part = blks.map((b, i) => ({ ...b, i })).filter((b) => b.movable && b.free < pb)
    let best = 0, bestScore = -1, score = part.filter((b) => b.lru >= pb / 2).length
    for (let k = 0; k <= part.length; k++) {
      if (score > bestScore) { bestScore = score; best = k }
      if (k < part.length) score += part[k]!.lru < pb / 2 ? 1 : -1
    }
    const meet = part[best]?.i ?? blks.length
    let vacated = 0, top = 0, nonMovable = 0
    blks.forEach((b, i) => {
      if (b.flagless >= pb - 8) return
      if (!b.movable) nonMovable += b.flagless
      else if (i >= meet) top += b.flagless
      else if (b.free > 0) vacated += b.flagless
    })
    const mine = cpu !== null ? counts[cpu] : undefined
    console.log(`${run}/${cap} ${z.label}: per-cpu ${counts.join('/')}${reread.length ? ` (re-read ${reread.join('/')})` : ''}, compaction on CPU ${cpu ?? '?'}${mine !== undefined ? ` (${pct(mine, total)} of the count)` : ''}; flagless: vacated ${vacated} (${pct(vacated, total)}), used top ${top} (${pct(top, total)}), non-Movable ${nonMovable}`)
  }
}
