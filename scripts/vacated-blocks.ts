/**
 * What keeps the pageblocks a compaction vacated from merging, per layout: the what-if of the
 * captured trigger after a capture, on its exact layout and on synthesized layouts of some seeds
 * (the options `whatif compact` uses), and for each the pageblocks of one zone its migrate scanner
 * vacated (LRU pages before the run, none after): how many became wholly free, and what the others
 * still hold (the running CPU's per-cpu pages, order 1–3 entries whole, another CPU's, kernel and
 * slab pages, pinned pages), by pageblock type. And how the per-cpu lists were dealt when first
 * used: each CPU's pages and how many of them lie in Movable pageblocks holding LRU pages.
 *
 *   node --import tsx scripts/vacated-blocks.ts fixtures/<run> <capture> [layouts, default exact,1,2,3] [--zone NAME]
 */
import { runCompactWhatIf, PageKind, isFreeHead } from '../engine/index.ts'
import type { Zone } from '../engine/index.ts'
/** the per-cpu lists' migratetypes (order_to_pindex: order × MIGRATE_PCPTYPES + type) */
const MIGRATE_PCPTYPES = 3
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'
import { compactOptions } from '../host/whatif/compact.ts'
import type { WhatifCompactRequest } from '../contract/schemas.ts'

const args = process.argv.slice(2)
const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
const [runDir, cap, layoutArg] = args
if (!runDir || !cap) throw new Error('usage: vacated-blocks.ts <run dir> <capture> [exact,1,2,3] [--zone NAME]')
const layouts = (layoutArg && !layoutArg.startsWith('--') ? layoutArg : 'exact,1,2,3').split(',')
const zoneName = flag('--zone') ?? 'Normal'

const isLru = (b: number): boolean => b >= 0x40 && b < 0x80 ? (b & 0xf0) !== 0x50 : b === PageKind.ANON || b === PageKind.FILE || b === PageKind.UNEVICTABLE || b === PageKind.WRITEBACK || b === PageKind.PINNED
const isKernel = (b: number): boolean => b === PageKind.KERNEL || b === PageKind.PAGETABLE || b === PageKind.SLAB || b === PageKind.SLAB_RECLAIMABLE || b === PageKind.RESERVED
const tally = (t: Record<string, number>): string => Object.entries(t).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')

const o = new OpenedPath(runDir, [])
try {
  const ctx = await seriesContext(o, cap)
  if (!ctx?.next || !ctx.trigger) throw new Error(`${cap} is not followed by a compaction trigger`)
  console.log(`${runDir} ${cap} → ${ctx.next} (${ctx.trigger.file}${ctx.trigger.cpu != null ? `, CPU ${ctx.trigger.cpu}` : ''}); zone ${zoneName}`)
  for (const lay of layouts) {
    const exact = lay === 'exact'
    const seed = exact ? 1 : Number(lay)
    const s = await loadSnapshot(o, { capture: cap, layout: exact ? 'exact' : 'synthesized', seed })
    const m = s.model
    const pb = m.pageblockNrPages
    const z = m.zones.find((x) => x.name === zoneName && x.managed > 0)
    if (!z) throw new Error(`no populated zone ${zoneName}`)
    const req: WhatifCompactRequest = { pinned: 'auto', ...(ctx.trigger.node !== null ? { node: ctx.trigger.node } : {}) }
    const opts = await compactOptions(s, ctx, req, seed).options(seed)
    const movableLru = (p: number, map: Uint8Array): boolean => {
      const st = p - (p % pb)
      if (m.getPageblockMigratetype(st) !== m.migratetypes.movable) return false
      for (let q = st; q < st + pb; q++) if (isLru(map[q - m.basePfn]!)) return true
      return false
    }
    // the dealing, when the lists are first built (buildPcpLists)
    const al = s.allocator as unknown as { buildPcpLists(zz: Zone): Array<{ length: number; at(i: number): number }>; pcpOther: Map<Zone, number[][]> }
    const build = al.buildPcpLists.bind(al)
    let dealt = ''
    al.buildPcpLists = (zz: Zone) => {
      const lists = build(zz)
      if (zz === z) {
        const run: number[] = []
        for (const l of lists) for (let i = 0; i < l.length; i++) run.push(l.at(i))
        const d = (xs: number[]): string => `${xs.length} (${xs.filter((p) => movableLru(p, m.memMap)).length} in Movable pageblocks with LRU pages)`
        const others = (al.pcpOther.get(zz) ?? []).map((x, i) => ({ cpu: zz.pcpCpus[i]?.cpu, x })).filter((e) => e.x.length)
        dealt = `running CPU ${s.allocator.pcpState(zz).cpu}: ${d(run)}; ${others.map((e) => `CPU ${e.cpu}: ${d(e.x)}`).join('; ') || 'no other list'}`
      }
      return lists
    }
    const before = m.memMap.slice()
    runCompactWhatIf(m, s.allocator, opts, s.capture.machine.hpageOrder)
    const after = m.memMap
    // the running CPU's list after the run, order 1–3 entries whole
    const running = new Set<number>()
    s.allocator.pcpLists(z).forEach((l, idx) => {
      const order = Math.floor(idx / MIGRATE_PCPTYPES)
      for (let i = 0; i < l.length; i++) for (let k = 0; k < 2 ** order; k++) running.add(l.at(i) + k)
    })
    let vacated = 0, free = 0, bigAfter = 0
    const brokenBy: Record<string, number> = {}
    const pages: Record<string, number> = {}
    for (let st = z.startPfn - (z.startPfn % pb); st + pb <= z.endPfn; st += pb) {
      if (st < z.startPfn) continue
      const mb = after[st - m.basePfn]!
      if (isFreeHead(mb) && (mb & 0x0f) >= m.geometry.pageblockOrder) bigAfter++
      let lruB = 0, lruA = 0
      const held: Record<string, number> = {}
      for (let p = st; p < st + pb; p++) {
        const i = p - m.basePfn
        if (isLru(before[i]!) || before[i] === PageKind.COMPOUND_TAIL) lruB++
        const a = after[i]!
        if (isLru(a)) lruA++
        const k = isFreeHead(a) || a === PageKind.BUDDY_TAIL || a === PageKind.ISOLATED_FREE ? null
          : a === PageKind.PCP ? (running.has(p) ? 'pcp-running' : 'pcp-other')
            : isKernel(a) ? 'kernel' : a === PageKind.COMPOUND_TAIL ? 'tail' : isLru(a) ? 'lru' : `kind${a}`
        if (k) held[k] = (held[k] ?? 0) + 1
      }
      if (lruB === 0 || lruA > 0) continue
      vacated++
      if (Object.keys(held).length === 0) { free++; continue }
      const type = m.getPageblockMigratetype(st) === m.migratetypes.movable ? 'Movable' : 'not Movable'
      const key = `${type}: ${Object.keys(held).sort().join('+')}`
      brokenBy[key] = (brokenBy[key] ?? 0) + 1
      for (const [k, v] of Object.entries(held)) pages[k] = (pages[k] ?? 0) + v
    }
    console.log(`${exact ? 'exact' : `seed ${seed}`}: dealt ${dealt}`)
    console.log(`  vacated ${vacated} pageblocks: ${free} wholly free, ${vacated - free} broken; pageblock-order free blocks after ${bigAfter}`)
    console.log(`  broken by: ${tally(brokenBy)}`)
    console.log(`  their pages: ${tally(pages)}`)
  }
} finally {
  await o.close()
}
