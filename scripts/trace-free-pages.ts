/**
 * A traced trigger's free pages against the capture before it: which of the capture's free pages
 * the kernel's free scanner found, and which buddy blocks left the free lists between the capture
 * and the trigger (`node --import tsx scripts/trace-free-pages.ts fixtures/<run> <capture> [--from MARK] [--to MARK] [--calls]`).
 *
 * Reads the run's ctrace.txt.gz between two trace markers (default `gt ctron N` … `gt ctroff N`,
 * N the number of the capture after the trigger: from the last `--from` mark before the first
 * `--to` mark) and the capture's exact layout:
 *
 * - every mm_compaction_isolate_freepages call that scanned each page of its range (stride 1) next
 *   to the free pages the capture holds there: its order-0 ones split by what the capture before
 *   it read at that PFN (free then, or a per-cpu page then, flagless with count 0, which went back
 *   to the buddy allocator in between), and the pages of higher-order blocks; where the kernel took
 *   fewer, those pages had left the free lists by the time its scanner came (`--calls`: per call);
 * - with the harness's `rtrace` step (kmem:mm_page_alloc_zone_locked on every CPU): the blocks
 *   taken off the buddy free lists in that span per CPU, requested order, migratetype and
 *   percpu_refill (an rmqueue_bulk refill), set against the free block of the capture each lay
 *   in (docs/fidelity.md, traced second compactions).
 */
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { readKpageBin, kpageClass } from './kpage-classes.ts'
import { isFreeHead, headOrder, freeHeadMt } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'

const args = process.argv.slice(2)
const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
const [runDir, cap] = args
if (!runDir || !cap) throw new Error('usage: trace-free-pages.ts <run dir> <capture> [--from MARK] [--to MARK] [--calls]')
const o = new OpenedPath(runDir, [])
const ctx = await seriesContext(o, cap)
if (!ctx?.next) throw new Error(`${cap}: no capture follows it in ${runDir}`)
const labels = ctx.labels
const at = labels.indexOf(cap)
const prev = at > 0 ? labels[at - 1]! : null
if (!prev) throw new Error(`${cap}: no capture before it in ${runDir}`)
const nextNr = Number(/^(\d+)/.exec(ctx.next)?.[1])
const from = flag('--from') ?? `gt ctron ${nextNr}`
const to = flag('--to') ?? `gt ctroff ${nextNr}`
const P = readKpageBin(join(runDir, prev), 'kpageflags'), PC = readKpageBin(join(runDir, prev), 'kpagecount')
if (!P || !PC) throw new Error(`${join(runDir, prev)}: no kpageflags/kpagecount`)
const lines = gunzipSync(readFileSync(join(runDir, 'ctrace.txt.gz'))).toString().split('\n')
// the span ends at the first `to` mark and starts at the last `from` mark before it
const i1 = lines.findIndex((l) => l.includes(to))
let i0 = -1
for (let i = 0; i < i1; i++) if (lines[i]!.includes(from)) i0 = i
if (i0 < 0 || i1 < 0) throw new Error(`${join(runDir, 'ctrace.txt.gz')}: no '${from}' … '${to}' span`)
const s = await loadSnapshot(o, { capture: cap, layout: 'exact', seed: 1 })
const m = s.model
const pb = m.pageblockNrPages
const prevClass = (p: number): string => p < P.length ? kpageClass(P[p]!, PC[p]!) : 'h'
const heads = new Map<number, number>()
for (const z of m.zones) {
  for (let p = z.startPfn; p < z.endPfn; p++) {
    const v = m.memMap[p - m.basePfn]!
    if (isFreeHead(v)) { heads.set(p, v); p += 2 ** headOrder(v) - 1 }
  }
}
/** the capture's free block holding `pfn`, if any */
function blockOf(pfn: number): { head: number; v: number } | null {
  for (let k = 0; k < m.geometry.nrOrders; k++) {
    const h = pfn - (pfn % 2 ** k)
    const v = heads.get(h)
    if (v !== undefined && headOrder(v) >= k) return { head: h, v }
  }
  return null
}

console.log(`${runDir}/${cap} (previous capture ${prev}), trace span '${from}' … '${to}'`)
const tot = { calls: 0, free: 0, o0Old: 0, o0WasPcp: 0, o0Other: 0, higher: 0, taken: 0 }
const taken: Record<string, number> = {}
for (const l of lines.slice(i0, i1)) {
  const f = /isolate_freepages: range=\((0x[0-9a-f]+) ~ (0x[0-9a-f]+)\) nr_scanned=(\d+) nr_taken=(\d+)/.exec(l)
  if (f) {
    const st = parseInt(f[1]!, 16), en = parseInt(f[2]!, 16), sc = Number(f[3]), tk = Number(f[4])
    if (en - st < 2 || sc < en - st) continue
    let o0Old = 0, o0WasPcp = 0, o0Other = 0, higher = 0
    for (let p = st; p < en; p++) {
      const v = heads.get(p)
      if (v === undefined) continue
      const ord = headOrder(v)
      if (ord === 0) {
        const c = prevClass(p)
        if (c === 'b') o0Old++
        else if (c === 'z') o0WasPcp++
        else o0Other++
      } else higher += 2 ** ord
      p += 2 ** ord - 1
    }
    const free = o0Old + o0WasPcp + o0Other + higher
    if (free === 0 && tk === 0) continue
    tot.calls++; tot.free += free; tot.o0Old += o0Old; tot.o0WasPcp += o0WasPcp; tot.o0Other += o0Other; tot.higher += higher; tot.taken += tk
    if (args.includes('--calls')) console.log(`  ${f[1]}~${f[2]} (pageblock ${Math.floor(st / pb)}): capture free ${free} (order 0: free before ${o0Old}, per-cpu before ${o0WasPcp}, else ${o0Other}; higher orders ${higher}), kernel took ${tk}`)
    continue
  }
  const a = /\[(\d+)\].*mm_page_alloc_zone_locked: .*pfn=(0x[0-9a-f]+|\d+) order=(\d+) migratetype=(\d+) percpu_refill=(\d)/.exec(l)
  if (a) {
    const pfn = Number(a[2])
    const b = blockOf(pfn)
    const k = `CPU ${Number(a[1])} order ${a[3]} migratetype ${a[4]}${a[5] === '1' ? ' refill' : ''}: ${b ? `in a free order-${headOrder(b.v)} block of migratetype ${freeHeadMt(b.v)}${headOrder(b.v) === 0 ? ` (${prevClass(pfn) === 'z' ? 'a per-cpu page' : prevClass(pfn) === 'b' ? 'free' : 'in use'} before)` : ''}` : 'not free in the capture'}`
    taken[k] = (taken[k] ?? 0) + 1
  }
}
console.log(`stride-1 free scanner calls with free pages: ${tot.calls}; the capture's free pages there ${tot.free} (order 0: ${tot.o0Old} free in ${prev} too, ${tot.o0WasPcp} per-cpu pages there, ${tot.o0Other} else; ${tot.higher} in higher-order blocks); the kernel took ${tot.taken}`)
const rows = Object.entries(taken).sort((x, y) => y[1] - x[1])
console.log(rows.length ? 'blocks taken off the free lists (mm_page_alloc_zone_locked):' : 'no mm_page_alloc_zone_locked events in the span (the harness step `rtrace` records them)')
for (const [k, n] of rows) console.log(`  ${n} × ${k}`)
await o.close()
