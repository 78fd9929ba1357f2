/**
 * Which flagless pages the exact layout takes as per-cpu pages (engine/reconstruct/exact.ts
 * settlePcp: as many as zoneinfo's pageset counts, the sparsest-spread first) against the lists a
 * `ptrace` run traced (each capture's pcp-owners.txt.gz, scripts/pcp-owners.ts extract):
 *
 *   node --import tsx scripts/measure-pcp-choice.ts fixtures [run-substring] [--blocks]
 *
 * Per capture with a pcp-owners file and zone with per-cpu pages: zoneinfo's count per CPU, the
 * flagless unmapped pages (the candidates), the traced per-cpu pages among them per CPU, and of the
 * layout's per-cpu pages how many were traced on a list (recall: of the traced ones), named by an
 * event since the trace began but not on a list at the capture's mark (allocated or free then), or
 * never named (on a list or allocated since before the trace began: which, the trace cannot say;
 * zoneinfo's count less the traced pages bounds how many such pages sat on a list). Split by the
 * kind of pageblock: F holds no kernel page (slab, page tables, reserved or other flags, kernel
 * compound pages, flagless mapped pages), the pageblocks a compaction can make wholly free; K holds
 * some; W is wholly flagless (a pageblock-order pcp entry for the layout). `--blocks`: the F
 * pageblocks' pages the layout takes that no list held at the mark, with their neighbours. A
 * capture whose lists mostly predate the trace (traced pages under half of zoneinfo's count: the
 * boot captures, the trace starts seconds before) is listed but left out of the sums.
 */
import { join } from 'node:path'
import { readFileSync, existsSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { readKpageBin, kpageClass } from './kpage-classes.ts'
import { PageKind } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'

const args = process.argv.slice(2)
const root = args[0]
if (!root) throw new Error('usage: measure-pcp-choice.ts <fixtures dir> [run-substring] [--blocks]')
const sub = args[1] && !args[1].startsWith('--') ? args[1] : ''
const showBlocks = args.includes('--blocks')

function readOwners(dir: string): { owners: Map<number, number>; unseen: Array<[number, number]> } {
  const owners = new Map<number, number>()
  const unseen: Array<[number, number]> = []
  for (const l of gunzipSync(readFileSync(join(dir, 'pcp-owners.txt.gz'))).toString().split('\n')) {
    if (!l) continue
    const w = l.split(' ')
    if (w[0] === 'u') unseen.push([Number(w[1]), Number(w[2])])
    else owners.set(Number(w[0]), Number(w[1]))
  }
  return { owners, unseen }
}

const KERNELISH = new Set(['s', 'o', 't', 'k'])
type Tally = { traced: number; chosen: number; hit: number; named: number; unnamed: number }
const zero = (): Tally => ({ traced: 0, chosen: 0, hit: 0, named: 0, unnamed: 0 })
const sums: Record<string, Tally> = { F: zero(), K: zero(), W: zero() }
let sumWant = 0, sumTracedAll = 0

for (const run of readdirSync(root).filter((r) => r.includes(sub)).sort()) {
  const dir = join(root, run)
  if (!existsSync(join(dir, 'steps.log'))) continue
  for (const cap of readdirSync(dir).filter((d) => /^\d\d-/.test(d) && existsSync(join(dir, d, 'pcp-owners.txt.gz'))).sort()) {
    const { owners, unseen } = readOwners(join(dir, cap))
    const kf = readKpageBin(join(dir, cap), 'kpageflags')!
    const kc = readKpageBin(join(dir, cap), 'kpagecount')!
    const o = new OpenedPath(dir, [])
    const s = await loadSnapshot(o, { capture: cap, layout: 'exact', seed: 1 })
    const m = s.model
    const pb = m.pageblockNrPages
    for (const z of m.zones) {
      if (!z.pcpCpus.length || z.pcpPages === 0) continue
      const first = Math.floor(z.startPfn / pb)
      const nPb = Math.floor((z.endPfn - 1) / pb) - first + 1
      const cls = new Array<string>(z.endPfn - z.startPfn)
      const flagless = new Int32Array(nPb), kern = new Int32Array(nPb), span = new Int32Array(nPb)
      for (let p = z.startPfn; p < z.endPfn; p++) {
        const c = kpageClass(kf[p] ?? 0n, kc[p] ?? 0n)
        cls[p - z.startPfn] = c
        const b = Math.floor(p / pb) - first
        span[b]!++
        if (c === 'z') flagless[b]!++
        else if (KERNELISH.has(c)) kern[b]!++
      }
      const kind = (p: number): string => { const b = Math.floor(p / pb) - first; return flagless[b] === span[b] ? 'W' : kern[b]! > 0 ? 'K' : 'F' }
      const unseenAt = (p: number): boolean => unseen.some(([a, e]) => p >= a && p < e)
      const t: Record<string, Tally> = { F: zero(), K: zero(), W: zero() }
      const tracedCpu: Record<number, number> = {}
      let tracedAll = 0
      const odd: string[] = []
      for (let p = z.startPfn; p < z.endPfn; p++) {
        const owner = owners.get(p)
        const onList = owner !== undefined && owner >= 0
        if (onList) tracedAll++
        if (cls[p - z.startPfn] !== 'z') continue
        const k = kind(p)
        const x = t[k]!
        if (onList) { x.traced++; tracedCpu[owner] = (tracedCpu[owner] ?? 0) + 1 }
        if (m.memMap[p - m.basePfn] !== PageKind.PCP) continue
        x.chosen++
        if (onList) x.hit++
        else if (unseenAt(p)) x.unnamed++
        else {
          x.named++
          if (showBlocks && k === 'F') {
            let ctx = ''
            for (let q = p - 4; q <= p + 4; q++) ctx += q === p ? '[*]' : q >= z.startPfn && q < z.endPfn ? cls[q - z.startPfn] : ' '
            odd.push(`0x${p.toString(16)} ${ctx}`)
          }
        }
      }
      const covered = tracedAll * 2 >= z.pcpPages
      const pct = (a: number, b: number): string => (b ? `${((a / b) * 100).toFixed(1)} %` : '-')
      const all = ['F', 'K', 'W'].reduce((a, k) => ({ traced: a.traced + t[k]!.traced, chosen: a.chosen + t[k]!.chosen, hit: a.hit + t[k]!.hit, named: a.named + t[k]!.named, unnamed: a.unnamed + t[k]!.unnamed }), zero())
      console.log(`${run}/${cap} ${z.label}: zoneinfo ${z.pcpCpus.map((c) => `CPU ${c.cpu} ${c.count}`).join(', ')} (${z.pcpPages}); traced on a list ${tracedAll} (flagless ${all.traced}: ${Object.entries(tracedCpu).map(([c, n]) => `CPU ${c} ${n}`).join(', ')}), so at most ${Math.max(0, z.pcpPages - tracedAll)} on a list since before the trace${covered ? '' : ' — lists mostly older than the trace: left out of the sums'}`)
      console.log(`  taken ${all.chosen}: traced ${all.hit} (recall ${pct(all.hit, all.traced)}), named but not on a list ${all.named}, never named ${all.unnamed}`)
      for (const k of ['F', 'K', 'W']) {
        const x = t[k]!
        console.log(`  ${k}: traced ${x.traced}, taken ${x.chosen}: traced ${x.hit} (recall ${pct(x.hit, x.traced)}), named ${x.named}, never named ${x.unnamed}`)
        if (covered) for (const f of Object.keys(x) as Array<keyof Tally>) sums[k]![f] += x[f]
      }
      if (covered) { sumWant += z.pcpPages; sumTracedAll += tracedAll }
      if (odd.length) console.log(`  F pages taken that no list held at the mark (b free, a/f LRU, z flagless, s slab, o other, t compound, k flagless mapped):\n    ${odd.join('\n    ')}`)
    }
    await o.close()
  }
}
console.log(`sum over the covered captures: zoneinfo ${sumWant}, traced on a list ${sumTracedAll}`)
for (const k of ['F', 'K', 'W']) {
  const x = sums[k]!
  console.log(`  ${k}: traced ${x.traced}, taken ${x.chosen}: traced ${x.hit} (recall ${x.traced ? ((x.hit / x.traced) * 100).toFixed(1) : '-'} %), named but not on a list ${x.named}, never named ${x.unnamed}`)
}
