/**
 * Which CPU's per-cpu list held each page at a capture, from a harness run traced with the `ptrace`
 * step (test/harness/README.md: kmem:mm_page_alloc, mm_page_free, mm_page_pcpu_drain and
 * mm_page_alloc_zone_locked on every CPU, trace clock global), next to the exact layout's dealing of
 * the capture's flagless pages (PageAllocator.buildPcpLists).
 *
 *   node --import tsx scripts/pcp-owners.ts extract <run dir>
 *     reads <run dir>/ptrace.txt.gz; for every capture marked in it (`gt cap N kpageflags`, written
 *     just before kpageflags is read) writes NN-label/pcp-owners.txt.gz: `pfn cpu` per page that sat
 *     on a CPU's list then (a page freed on CPU C at order 0–3 or the pageblock order, or taken onto
 *     C's list by an rmqueue_bulk refill, and neither allocated nor given back since)
 *   node --import tsx scripts/pcp-owners.ts compare <run dir> <capture> [--cpu N] [--workload-cpu N|-1] [--tools-cpu N|-1]
 *     the traced owners against the dealing the what-if would use (options as `npm run fidelity`
 *     gives them, then the overrides): per zone and CPU, pages and pageblocks held (the wholly
 *     flagless pageblocks, which the dealing holds as pageblock-order entries, on their entry's CPU)
 *
 *   node --import tsx scripts/pcp-owners.ts kept <run dir> <capture> [--cpu N] [--tools-cpu N|-1]
 *     after the what-if of the trigger after <capture> (options as `npm run fidelity` gives them):
 *     the pageblocks the model alone makes wholly free and, for each page the kernel kept there
 *     in the after-capture, the list the after-capture's pcp-owners puts it on (the trigger's CPU,
 *     another, none) and where it was at <capture> (its pcp-owners, kpageflags); the pageblocks
 *     the kernel alone frees and what the model's lists hold there (its running CPU's list or
 *     another's; migrated-from, dealt, the tools' pages, refills); the running CPU's list at the
 *     compaction's end against the traced list of the trigger's CPU, pageblock by pageblock
 *
 * A page's owner is the CPU of its last free (pcp_allowed_order) unless an allocation or a drain
 * came after; a free that went straight to the buddy allocator (a failed pcp trylock) reads as a
 * pcp page here, which the capture's kpageflags corrects (its KPF_BUDDY pages are left out).
 */
import { createReadStream, readdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGunzip, gzipSync, gunzipSync } from 'node:zlib'
import { createInterface } from 'node:readline'
import { readKpageBin, kpageClass } from './kpage-classes.ts'
import { runCompactWhatIf, PageKind, isFreeHead } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'
import { compactOptions } from '../host/whatif/compact.ts'
import type { WhatifCompactRequest } from '../contract/schemas.ts'

const args = process.argv.slice(2)
const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
const [mode, runDir, cap] = args
if (!mode || !runDir) throw new Error('usage: pcp-owners.ts extract <run dir> | compare <run dir> <capture> [--cpu N] [--workload-cpu N] [--tools-cpu N]')

/** owner codes: ≥ 0 a CPU's pcp list; FREE in the buddy allocator; USED allocated (a page no event named is absent) */
const FREE = -1, USED = -2
const PB_ORDER = 9
const COSTLY = 3

async function extract(dir: string): Promise<void> {
  const caps = readdirSync(dir).filter((d) => /^\d\d-/.test(d)).sort()
  const owner = new Map<number, number>()
  const set = (pfn: number, order: number, v: number): void => { for (let i = 0; i < 1 << order; i++) owner.set(pfn + i, v) }
  const rl = createInterface({ input: createReadStream(join(dir, 'ptrace.txt.gz')).pipe(createGunzip()), crlfDelay: Infinity })
  const re = /\[(\d+)\]\s+\S+\s+[\d.]+:\s+(\w+):\s+(.*)$/
  let n = 0
  const counts: Record<string, number> = {}
  for await (const line of rl) {
    const m = re.exec(line)
    if (!m) continue
    const cpu = Number(m[1])
    const ev = m[2]!
    const rest = m[3]!
    if (ev === 'tracing_mark_write') {
      const k = /gt cap (\d+) kpageflags/.exec(rest)
      if (!k) continue
      const c = caps.find((d) => Number(d.slice(0, 2)) === Number(k[1]))
      if (!c) continue
      const out: string[] = []
      const per: Record<number, number> = {}
      const sorted = [...owner.entries()].sort((a, b) => a[0] - b[0])
      for (const [p, o] of sorted) if (o >= 0) { out.push(`${p} ${o}`); per[o] = (per[o] ?? 0) + 1 }
      // the pages no event named before the mark (freed or allocated before the trace began), as ranges `u start end`
      let prev = 0
      for (const [p] of sorted) { if (p > prev) out.push(`u ${prev} ${p}`); prev = p + 1 }
      out.push(`u ${prev} ${2 ** 40}`)
      writeFileSync(join(dir, c, 'pcp-owners.txt.gz'), gzipSync(out.join('\n') + '\n', { level: 9 }))
      console.log(`${c}: pages on a per-cpu list by CPU ${JSON.stringify(per)} (${n} events before the mark: ${JSON.stringify(counts)})`)
      continue
    }
    const pm = /pfn=0x([0-9a-f]+) order=(\d+)/.exec(rest)
    if (!pm || pm[1]!.length > 12) continue
    const pfn = parseInt(pm[1]!, 16)
    const order = Number(pm[2])
    n++
    counts[ev] = (counts[ev] ?? 0) + 1
    if (ev === 'mm_page_free') set(pfn, order, order <= COSTLY || order === PB_ORDER ? cpu : FREE)
    else if (ev === 'mm_page_pcpu_drain') set(pfn, order, FREE)
    else if (ev === 'mm_page_alloc') set(pfn, order, USED)
    else if (ev === 'mm_page_alloc_zone_locked') set(pfn, order, /percpu_refill=1/.test(rest) ? cpu : USED)
  }
}

function readOwners(dir: string): { owners: Map<number, number>; unseen: Array<[number, number]> } {
  const f = join(dir, 'pcp-owners.txt.gz')
  if (!existsSync(f)) throw new Error(`${f}: no such file (run extract first)`)
  const m = new Map<number, number>()
  const unseen: Array<[number, number]> = []
  for (const l of gunzipSync(readFileSync(f)).toString().split('\n')) {
    if (!l) continue
    const w = l.split(' ')
    if (w[0] === 'u') unseen.push([Number(w[1]), Number(w[2])])
    else m.set(Number(w[0]), Number(w[1]))
  }
  return { owners: m, unseen }
}

async function compare(dir: string, capture: string): Promise<void> {
  const { owners: truth, unseen } = readOwners(join(dir, capture))
  const kf = readKpageBin(join(dir, capture), 'kpageflags')!
  const kc = readKpageBin(join(dir, capture), 'kpagecount')!
  const o = new OpenedPath(dir, [])
  const ctx = await seriesContext(o, capture)
  const s = await loadSnapshot(o, { capture, layout: 'exact', seed: 1 })
  const m = s.model
  const cpu = flag('--cpu') !== undefined ? Number(flag('--cpu')) : undefined
  const req: WhatifCompactRequest = { pinned: 'auto', ...(ctx?.trigger?.node != null ? { node: ctx.trigger.node } : {}), ...(cpu !== undefined ? { cpu } : {}) }
  const opts = ctx?.trigger ? await compactOptions(s, ctx, req, 1).options(1) : { ...(cpu !== undefined ? { pcpCpu: cpu } : {}) } as Record<string, unknown>
  const ov = (name: string, key: string): void => {
    const v = flag(name)
    if (v === undefined) return
    if (Number(v) >= 0) (opts as Record<string, unknown>)[key] = Number(v)
    else delete (opts as Record<string, unknown>)[key]
  }
  ov('--workload-cpu', 'workloadCpu')
  ov('--tools-cpu', 'captureCpu')
  const a = s.allocator
  if (args.includes('--truth-pcp')) {
    // the layout's per-cpu pages as traced: the pages on a list, plus the layout's own choice among
    // the pages no event named (on a list since before the trace began, or kernel pages as old)
    const isUnseen = (p: number): boolean => unseen.some(([s0, e0]) => p >= s0 && p < e0)
    let toPcp = 0, toKernel = 0
    for (const z of m.zones) {
      for (let p = z.startPfn; p < z.endPfn; p++) {
        const i = p - m.basePfn
        const k = m.memMap[i]
        const t = truth.get(p)
        if (t !== undefined && kpageClass(kf[p] ?? 0n, kc[p] ?? 0n) !== 'b') {
          if (k === PageKind.KERNEL) { m.memMap[i] = PageKind.PCP; toPcp++ }
        } else if (k === PageKind.PCP && (args.includes('--strict') || !isUnseen(p))) { m.memMap[i] = PageKind.KERNEL; toKernel++ }
      }
    }
    console.log(`  --truth-pcp: ${toPcp} kernel pages of the layout made per-cpu pages, ${toKernel} per-cpu pages made kernel pages`)
  }
  if (args.includes('--truth-deal')) a.setPcpOwners(truth)
  // the what-if's own set-up of the lists (engine/whatif/compact.ts), then the lists as dealt
  const o2 = opts as { pcpCpu?: number; workloadCpu?: number; captureCpu?: number }
  if (o2.pcpCpu !== undefined) a.setRunningCpu(o2.pcpCpu)
  if (o2.workloadCpu !== undefined) a.setSparsePcpCpu(o2.workloadCpu)
  a.captureToolPagesFreed(o2.captureCpu ?? -1, o2.captureCpu === undefined ? m.lruAddPages : undefined)
  const pb = m.pageblockNrPages
  console.log(`${dir} ${capture}: trigger ${ctx?.trigger?.file ?? '-'} cpu ${ctx?.trigger?.cpu ?? '-'}; options pcpCpu ${o2.pcpCpu ?? '-'} workloadCpu ${o2.workloadCpu ?? '-'} captureCpu ${o2.captureCpu ?? '-'}`)
  for (const z of m.zones) {
    if (!z.pcpCpus.length) continue
    const lists = a.pcpLists(z)
    const run = a.runningCpu(z)
    const other = (a as unknown as { pcpOther: Map<unknown, number[][]> }).pcpOther.get(z)!
    const model = new Map<number, number>()
    for (const l of lists) for (let i = 0; i < l.length; i++) model.set(l.at(i), z.pcpCpus[run]!.cpu)
    other.forEach((pages, ci) => { for (const p of pages) model.set(p, ci < z.pcpCpus.length ? z.pcpCpus[ci]!.cpu : -9) })
    // the wholly flagless pageblocks, pageblock-order entries for the dealing (hugePcpOwners): each page on its entry's CPU
    const hiPriv = a as unknown as { pcpHighOrder: Map<unknown, number[]>; pcpHighOrderCpu: Map<unknown, number[]> }
    const hi = hiPriv.pcpHighOrder.get(z) ?? []
    const hiCpu = hiPriv.pcpHighOrderCpu.get(z) ?? []
    hi.forEach((h, j) => { const ci = hiCpu[j] ?? -1; for (let p = h; p < h + pb; p++) model.set(p, ci >= 0 ? z.pcpCpus[ci]!.cpu : -9) })
    // traced owners of this zone, kept where kpageflags has the page not free (a buddy page was freed past the list)
    const tr = new Map<number, number>()
    let buddyAfter = 0
    for (const [p, c] of truth) {
      if (p < z.startPfn || p >= z.endPfn) continue
      const k = kpageClass(kf[p] ?? 0n, kc[p] ?? 0n)
      if (k === 'b') { buddyAfter++; continue }
      tr.set(p, c)
    }
    const cpus = z.pcpCpus.map((c) => c.cpu)
    const line = (name: string, mp: Map<number, number>): string => cpus.map((c) => {
      let pages = 0
      const blocks = new Set<number>()
      for (const [p, o] of mp) if (o === c) { pages++; blocks.add(Math.floor(p / pb)) }
      return `CPU ${c} ${pages} pages in ${blocks.size} pageblocks`
    }).join('; ')
    console.log(`  ${z.label}: zoneinfo ${z.pcpCpus.map((c) => `CPU ${c.cpu} count ${c.count} high ${c.high}`).join(', ')}; running CPU ${z.pcpCpus[run]!.cpu}`)
    console.log(`    traced:  ${line('t', tr)} (${buddyAfter} more free in kpageflags)`)
    console.log(`    dealt:   ${line('m', model)}`)
    // agreement: per traced CPU, where the model put those pages
    for (const c of cpus) {
      const t: Record<string, number> = {}
      for (const [p, o] of tr) if (o === c) { const mc = model.get(p); const k = mc === undefined ? `not-pcp(${kpageClass(kf[p] ?? 0n, kc[p] ?? 0n)})` : `cpu${mc}`; t[k] = (t[k] ?? 0) + 1 }
      console.log(`    traced CPU ${c} → dealt ${JSON.stringify(t)}`)
    }
    const t: Record<string, number> = {}
    for (const [p, mc] of model) if (!tr.has(p)) { const k = `cpu${mc}:${truth.has(p) ? 'x' : 'none'}`; t[k] = (t[k] ?? 0) + 1 }
    console.log(`    dealt but not traced on a list: ${JSON.stringify(t)}`)
    // pageblocks held by the non-running CPUs' pages (what a compaction on the running CPU cannot free)
    for (const c of cpus) {
      if (c === z.pcpCpus[run]!.cpu) continue
      const tb = new Set<number>(), mb = new Set<number>()
      for (const [p, o] of tr) if (o === c) tb.add(Math.floor(p / pb))
      for (const [p, o] of model) if (o === c) mb.add(Math.floor(p / pb))
      let both = 0
      for (const b of tb) if (mb.has(b)) both++
      console.log(`    pageblocks holding CPU ${c}'s pages (not the running CPU): traced ${tb.size}, dealt ${mb.size}, both ${both}`)
    }
    // by pageblock density (the dealing's rank): traced CPU share per density bucket
    const dens = new Map<number, number>()
    for (const p of model.keys()) { const b = Math.floor(p / pb); dens.set(b, (dens.get(b) ?? 0) + 1) }
    const buckets: Record<string, Record<number, number>> = {}
    for (const [p, o] of tr) {
      const d = dens.get(Math.floor(p / pb)) ?? 0
      const key = d === 0 ? '0' : d <= 4 ? '1-4' : d <= 16 ? '5-16' : d <= 64 ? '17-64' : d <= 256 ? '65-256' : '257+'
      const bk = (buckets[key] ??= {})
      bk[o] = (bk[o] ?? 0) + 1
    }
    console.log(`    traced owner by the dealt pcp density of the page's pageblock: ${JSON.stringify(buckets)}`)
  }
  if (args.includes('--run') && ctx?.trigger) {
    const r = runCompactWhatIf(m, a, opts as Parameters<typeof runCompactWhatIf>[2], s.capture.machine.hpageOrder)
    const pbo = m.geometry.pageblockOrder
    let hi = 0
    for (const z of m.zones) for (let o = pbo; o < z.free.nrOrders; o++) hi += z.free.nrFree(o) * 2 ** o
    let real = 0
    for (const row of ctx.nextBuddyinfo?.rows ?? []) row.nrFree.forEach((n, o) => { if (o >= pbo) real += n * 2 ** o })
    console.log(`  what-if: pgmigrate_success ${r.counters['pgmigrate_success']} (real ${ctx.trigger.deltas['pgmigrate_success']}); ≥ 2 MiB pages ${hi} (real ${real}, ${((hi - real) / real * 100).toFixed(1)} %)`)
  }
  await o.close()
}

/**
 * `kept`: which pages kept the pageblocks broken that the model alone frees, by the after-capture's
 * traced lists, and what the model keeps in the pageblocks the kernel alone frees.
 */
async function kept(dir: string, capture: string): Promise<void> {
  const o = new OpenedPath(dir, [])
  const ctx = await seriesContext(o, capture)
  if (!ctx?.next || !ctx.trigger) throw new Error(`${capture} is not followed by a compaction trigger`)
  const after = join(dir, ctx.next)
  const { owners: afterOwners } = readOwners(after)
  const beforeOwners = existsSync(join(dir, capture, 'pcp-owners.txt.gz')) ? readOwners(join(dir, capture)).owners : null
  const bf = readKpageBin(join(dir, capture), 'kpageflags')!
  const bc = readKpageBin(join(dir, capture), 'kpagecount')!
  const af = readKpageBin(after, 'kpageflags')!
  const ac = readKpageBin(after, 'kpagecount')!
  const s = await loadSnapshot(o, { capture, layout: 'exact', seed: 1 })
  const m = s.model
  const cpu = flag('--cpu') !== undefined ? Number(flag('--cpu')) : undefined
  const req: WhatifCompactRequest = { pinned: 'auto', ...(ctx.trigger.node != null ? { node: ctx.trigger.node } : {}), ...(cpu !== undefined ? { cpu } : {}) }
  const opts = await compactOptions(s, ctx, req, 1).options(1)
  const tc = flag('--tools-cpu')
  if (tc !== undefined) { if (Number(tc) >= 0) opts.captureCpu = Number(tc); else delete opts.captureCpu }
  const a = s.allocator
  const r = runCompactWhatIf(m, a, opts, s.capture.machine.hpageOrder)
  const priv = a as unknown as { pcpOther: Map<unknown, number[][]>; toolPages: { pfns: Set<number> } | null; refillPages: { pfns: Set<number> } | null }
  const pb = m.pageblockNrPages
  const bcls = (p: number): string => kpageClass(bf[p] ?? 0n, bc[p] ?? 0n)
  const acls = (p: number): string => kpageClass(af[p] ?? 0n, ac[p] ?? 0n)
  // where the model's lists hold each page at the compaction's end: 'run' (the running CPU's) or 'cpuC'
  const modelList = new Map<number, string>()
  let runCpu = -1
  for (const z of m.zones) {
    if (!z.pcpCpus.length || z.managed === 0) continue
    const ri = a.runningCpu(z)
    runCpu = z.pcpCpus[ri]!.cpu
    for (const l of a.pcpLists(z)) for (let i = 0; i < l.length; i++) modelList.set(l.at(i), 'run')
    ;(priv.pcpOther.get(z) ?? []).forEach((pages, ci) => { for (const p of pages) modelList.set(p, `cpu${z.pcpCpus[ci]?.cpu ?? '?'}`) })
  }
  const origin = (p: number): string => {
    const k = bcls(p)
    if (priv.toolPages?.pfns.has(p)) return 'tools'
    if (priv.refillPages?.pfns.has(p)) return 'refill'
    return k === 'a' || k === 'f' ? 'migrated' : k === 'b' ? 'buddy' : `dealt-${k}`
  }
  const tally = (t: Map<string, number>): string => [...t.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${v} ${k}`).join(', ')
  const inc = (t: Map<string, number>, k: string, n = 1): void => { t.set(k, (t.get(k) ?? 0) + n) }
  const modelOnly: number[] = [], realOnly: number[] = []
  let both = 0
  for (const z of m.zones) {
    if (z.managed === 0) continue
    for (let st = Math.ceil(z.startPfn / pb) * pb; st + pb <= z.endPfn; st += pb) {
      let rb = 0, bb = 0, mb = 0
      for (let p = st; p < st + pb; p++) {
        if (acls(p) === 'b') rb++
        if (bcls(p) === 'b') bb++
        const k = m.memMap[p - m.basePfn]!
        if (isFreeHead(k) || k === PageKind.BUDDY_TAIL) mb++
      }
      if (bb === pb) continue
      if (rb === pb && mb === pb) both++
      else if (mb === pb) modelOnly.push(st)
      else if (rb === pb) realOnly.push(st)
    }
  }
  const trig = ctx.trigger.cpu
  console.log(`${dir} ${capture} → ${ctx.next}: trigger cpu ${trig ?? '-'}, model's running CPU ${runCpu}, tools' CPU ${opts.captureCpu ?? '-'}; pgmigrate_success ${r.counters['pgmigrate_success']} (real ${ctx.trigger.deltas['pgmigrate_success']})`)
  console.log(`  pageblocks made wholly free: both ${both}, the model alone ${modelOnly.length}, the kernel alone ${realOnly.length}`)
  const where = (p: number): string => {
    const c = afterOwners.get(p)
    const now = c !== undefined ? (c === runCpu ? 'on the running CPU\'s list' : `on CPU ${c}'s list`) : `not on a list (${acls(p)})`
    const b = beforeOwners?.get(p)
    const then = bcls(p) === 'b' ? 'free' : b !== undefined ? `CPU ${b}'s list` : bcls(p)
    return `${now}, at ${capture} ${then}`
  }
  const pages = new Map<string, number>()
  const blocks = new Map<string, number>()
  for (const st of modelOnly) {
    const why = new Set<string>()
    for (let p = st; p < st + pb; p++) {
      if (acls(p) === 'b') continue
      const w = where(p)
      inc(pages, w)
      why.add(w.split(',')[0]!)
    }
    inc(blocks, [...why].sort().join(' + '))
  }
  console.log(`  the model alone frees: the pages the kernel kept there, by list at ${ctx.next} and state at ${capture}:\n    ${tally(pages)}`)
  console.log(`  … pageblocks by what kept them: ${tally(blocks)}`)
  const held = new Map<string, number>()
  for (const st of realOnly) {
    for (let p = st; p < st + pb; p++) {
      const k = m.memMap[p - m.basePfn]!
      if (isFreeHead(k) || k === PageKind.BUDDY_TAIL) continue
      inc(held, k === PageKind.PCP ? `pcp ${modelList.get(p) ?? 'high-order entry'} ${origin(p)}` : `kind ${k} (${bcls(p)} at ${capture})`)
    }
  }
  console.log(`  the kernel alone frees: what the model holds there: ${tally(held)}`)
  // the running CPU's list at the end against the traced list of the same CPU, by pageblock
  const mBlocks = new Map<number, number>(), tBlocks = new Map<number, number>()
  for (const [p, w] of modelList) if (w === 'run') mBlocks.set(Math.floor(p / pb), (mBlocks.get(Math.floor(p / pb)) ?? 0) + 1)
  for (const [p, c] of afterOwners) if (c === runCpu && acls(p) !== 'b') tBlocks.set(Math.floor(p / pb), (tBlocks.get(Math.floor(p / pb)) ?? 0) + 1)
  const sumv = (x: Map<number, number>): number => [...x.values()].reduce((u, v) => u + v, 0)
  let shared = 0, sharedPages = 0
  for (const [b, n] of tBlocks) if (mBlocks.has(b)) { shared++; sharedPages += Math.min(n, mBlocks.get(b)!) }
  console.log(`  CPU ${runCpu}'s list at the end: model ${sumv(mBlocks)} pages in ${mBlocks.size} pageblocks, traced ${sumv(tBlocks)} in ${tBlocks.size}; ${shared} pageblocks hold both (${sharedPages} pages in common by count)`)
  const byOrigin = new Map<string, number>()
  for (const [p, w] of modelList) if (w === 'run') inc(byOrigin, `model ${origin(p)}`)
  for (const [p, c] of afterOwners) if (c === runCpu && acls(p) !== 'b') inc(byOrigin, `traced ${bcls(p) === 'a' || bcls(p) === 'f' ? 'migrated' : bcls(p) === 'b' ? 'buddy' : `other-${bcls(p)}`}`)
  console.log(`    by what the page was at ${capture}: ${tally(byOrigin)}`)
  await o.close()
}

if (mode === 'extract') await extract(runDir)
else if (mode === 'compare') await compare(runDir, cap ?? '02-before')
else if (mode === 'kept') await kept(runDir, cap ?? '02-before')
else throw new Error(`unknown mode ${mode}`)
