/**
 * Block by block: what the real kernel did to each pageblock during a compaction trigger, next to
 * what the model does. Reads the raw kpageflags/kpagecount of a capture and of the capture after
 * the trigger, runs `whatif compact` as `npm run fidelity` does (exact layout, pins from the
 * workload log, the given CPU), and prints which pageblocks each made wholly free, and what the
 * pageblocks the model frees but the kernel did not still hold in the real after-capture.
 *
 *   node --import tsx scripts/compare-blocks.ts fixtures/<run> <capture> [--cpu N] [--tools-cpu N] [--seed S] [--list] [--list-kernel] [--no-reread]
 */
import { join } from 'node:path'
import { readKpageBin, kpageClass } from './kpage-classes.ts'
import { runCompactWhatIf, PageKind, isFreeHead } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'
import { compactOptions } from '../host/whatif/compact.ts'
import type { WhatifCompactRequest } from '../contract/schemas.ts'

const args = process.argv.slice(2)
const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
const [runDir, cap] = args
if (!runDir || !cap) throw new Error('usage: compare-blocks.ts <run dir> <capture> [--cpu N] [--seed S] [--list]')
const cpu = flag('--cpu') !== undefined ? Number(flag('--cpu')) : undefined
const seed = Number(flag('--seed') ?? 1)
/** the CPU the capture's tools ran on (default: steps.log's `cap … cpu=C`, else the what-if's default) */
const toolsCpu = flag('--tools-cpu') !== undefined ? Number(flag('--tools-cpu')) : undefined
/** the CPU the workload made its last frees on (default: workload.log's `cpu phase4=… last=L`) */
const wlCpu = flag('--workload-cpu') !== undefined ? Number(flag('--workload-cpu')) : undefined

function readBin(dir: string, name: string): BigUint64Array {
  const words = readKpageBin(dir, name)
  if (!words) throw new Error(`${join(dir, name)}: no such file (nor .gz)`)
  return words
}
const cls = kpageClass

const path = runDir
const o = new OpenedPath(path, [])
const ctx = await seriesContext(o, cap)
if (!ctx?.next || !ctx.trigger) throw new Error(`${cap} is not followed by a compaction trigger`)
const before = { f: readBin(join(path, cap), 'kpageflags'), c: readBin(join(path, cap), 'kpagecount') }
const after = { f: readBin(join(path, ctx.next), 'kpageflags'), c: readBin(join(path, ctx.next), 'kpagecount') }
const s = await loadSnapshot(o, { capture: cap, layout: 'exact', seed })
const m = s.model
// the options `whatif compact` runs the captured trigger with (host/whatif/compact.ts compactOptions),
// then this script's own overrides
const req: WhatifCompactRequest = { pinned: 'auto', ...(ctx.trigger.node !== null ? { node: ctx.trigger.node } : {}), ...(cpu !== undefined ? { cpu } : {}) }
const opts = await compactOptions(s, ctx, req, seed).options(seed)
if (toolsCpu !== undefined) opts.captureCpu = toolsCpu
// the CPU the workload made its last frees on (workload.log; --workload-cpu -1: deal as if not logged)
if (wlCpu !== undefined) {
  if (wlCpu >= 0) opts.workloadCpu = wlCpu
  else delete opts.workloadCpu
}
if (args.includes('--no-reread')) {
  delete opts.rereadFree
  delete opts.rereadCpu
  delete opts.rereadPcp
}
const r = runCompactWhatIf(m, s.allocator, opts, s.capture.machine.hpageOrder)
await o.close()
const pb = m.pageblockNrPages
const tally = (arr: string[]): string => {
  const t: Record<string, number> = {}
  for (const x of arr) t[x] = (t[x] ?? 0) + 1
  return Object.entries(t).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}${v}`).join(' ')
}
const sum = (recs: Record<string, number>[]): string => {
  const t: Record<string, number> = {}
  for (const r of recs) for (const [k, v] of Object.entries(r)) t[k] = (t[k] ?? 0) + v
  return Object.entries(t).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}${v}`).join(' ')
}
const classesOf = (d: { f: BigUint64Array; c: BigUint64Array }, start: number): Record<string, number> => {
  const t: Record<string, number> = {}
  for (let p = start; p < start + pb; p++) { const k = cls(d.f[p] ?? 0n, d.c[p] ?? 0n); t[k] = (t[k] ?? 0) + 1 }
  return t
}
const modelClasses = (start: number): Record<string, number> => {
  const t: Record<string, number> = {}
  for (let p = start; p < start + pb; p++) {
    const b = m.memMap[p - m.basePfn]!
    const k = isFreeHead(b) || b === PageKind.BUDDY_TAIL ? 'b' : b === PageKind.PCP ? 'pcp' : b === PageKind.ANON ? 'a' : b === PageKind.FILE ? 'f' : b === PageKind.PINNED ? 'pin' : b === PageKind.KERNEL ? 'k' : `x${b}`
    t[k] = (t[k] ?? 0) + 1
  }
  return t
}
const both: number[] = [], modelOnly: number[] = [], realOnly: number[] = []
for (const z of m.zones) {
  if (z.managed === 0) continue
  for (let st = z.startPfn - (z.startPfn % pb); st + pb <= z.endPfn; st += pb) {
    if (st < z.startPfn) continue
    const realFree = (classesOf(after, st)['b'] ?? 0) === pb
    const beforeFree = (classesOf(before, st)['b'] ?? 0) === pb
    const mb = m.memMap[st - m.basePfn]!
    const modelFree = isFreeHead(mb) && (mb & 0x0f) >= m.geometry.pageblockOrder || (mb === PageKind.BUDDY_TAIL && modelClasses(st)['b'] === pb)
    if (beforeFree) continue
    if (realFree && modelFree) both.push(st)
    else if (modelFree) modelOnly.push(st)
    else if (realFree) realOnly.push(st)
  }
}
console.log(`${path} ${cap} → ${ctx.next}; cpu ${cpu ?? 'default'}; pgmigrate_success model ${r.counters['pgmigrate_success']} real ${ctx.trigger.deltas['pgmigrate_success']}`)
for (const z of m.zones) if (z.pcpCpus.length) console.log(`  ${z.label}: pcp ${JSON.stringify(s.allocator.pcpState(z))}`)
console.log(`blocks made wholly free: both ${both.length}, model only ${modelOnly.length}, kernel only ${realOnly.length}`)
console.log(`model-only blocks, before (real): ${sum(modelOnly.map((st) => classesOf(before, st)))}`)
console.log(`model-only blocks, after (real):  ${sum(modelOnly.map((st) => classesOf(after, st)))}`)
console.log(`both blocks, before (real):       ${sum(both.map((st) => classesOf(before, st)))}`)
console.log(`kernel-only blocks, before (real): ${sum(realOnly.map((st) => classesOf(before, st)))}`)
console.log(`kernel-only blocks, after (model): ${sum(realOnly.map((st) => modelClasses(st)))}`)
// the non-free pages the real after-capture keeps in model-only blocks: what they were before
const kept: string[] = []
const keptN: number[] = []
for (const st of modelOnly) {
  let n = 0
  for (let p = st; p < st + pb; p++) {
    const a = cls(after.f[p] ?? 0n, after.c[p] ?? 0n)
    if (a === 'b') continue
    n++
    kept.push(`${cls(before.f[p] ?? 0n, before.c[p] ?? 0n)}→${a}`)
  }
  keptN.push(n)
}
console.log(`model-only blocks: pages the kernel kept, before→after: ${tally(kept)}`)
console.log(`model-only blocks: kept pages per block: ${tally(keptN.map(String))}`)
if (args.includes('--list')) {
  for (const st of modelOnly) {
    const ks: string[] = []
    for (let p = st; p < st + pb; p++) {
      const a = cls(after.f[p] ?? 0n, after.c[p] ?? 0n)
      if (a !== 'b') ks.push(`${p - st}:${cls(before.f[p] ?? 0n, before.c[p] ?? 0n)}→${a}`)
    }
    console.log(`  block ${st / pb} (pfn ${st}): ${ks.join(' ')}`)
  }
}
if (args.includes('--list-kernel')) {
  // the blocks the kernel made wholly free and the model did not: what the model still holds there
  for (const st of realOnly) console.log(`  kernel-only block ${st / pb} (pfn ${st}): model ${JSON.stringify(modelClasses(st))}; before (real) ${JSON.stringify(classesOf(before, st))}`)
}
// the kernel's own view, independent of the model: pageblocks it nearly vacated (≥ pb − 8 buddy
// pages after, fewer before) and what their leftover pages were before and are after
const nearly: string[] = []
let nearlyBlocks = 0
let whole = 0
for (const z of m.zones) {
  if (z.managed === 0) continue
  for (let st = z.startPfn - (z.startPfn % pb); st + pb <= z.endPfn; st += pb) {
    if (st < z.startPfn) continue
    const a = classesOf(after, st)['b'] ?? 0
    const b = classesOf(before, st)['b'] ?? 0
    if (a === pb && b < pb) whole++
    if (a >= pb - 8 && a < pb && b < a) {
      nearlyBlocks++
      for (let p = st; p < st + pb; p++) {
        const k = cls(after.f[p] ?? 0n, after.c[p] ?? 0n)
        if (k !== 'b') nearly.push(`${cls(before.f[p] ?? 0n, before.c[p] ?? 0n)}→${k}`)
      }
    }
  }
}
console.log(`kernel: ${whole} pageblocks made wholly free; ${nearlyBlocks} left with 1–8 pages: ${tally(nearly)}`)
// migrated-from pages: LRU (anon/file) before, free after, in the kernel and in the model, by pageblock
const isLruModel = (b: number): boolean => b === PageKind.ANON || b === PageKind.FILE || b === PageKind.UNEVICTABLE || b === PageKind.PINNED || b === PageKind.WRITEBACK
const movedReal = new Map<number, number>()
const movedModel = new Map<number, number>()
for (const z of m.zones) {
  if (z.managed === 0) continue
  for (let p = z.startPfn; p < z.endPfn; p++) {
    const kb = cls(before.f[p] ?? 0n, before.c[p] ?? 0n)
    if (kb !== 'a' && kb !== 'f') continue
    const ka = cls(after.f[p] ?? 0n, after.c[p] ?? 0n)
    const blk = Math.floor(p / pb)
    if (ka === 'b' || ka === 'z') movedReal.set(blk, (movedReal.get(blk) ?? 0) + 1)
    if (!isLruModel(m.memMap[p - m.basePfn]!)) movedModel.set(blk, (movedModel.get(blk) ?? 0) + 1)
  }
}
const sumMap = (x: Map<number, number>): number => [...x.values()].reduce((a, b) => a + b, 0)
console.log(`LRU pages vacated: kernel ${sumMap(movedReal)} in ${movedReal.size} blocks, model ${sumMap(movedModel)} in ${movedModel.size} blocks`)
if (args.includes('--moved')) {
  const blocks = [...new Set([...movedReal.keys(), ...movedModel.keys()])].sort((a, b) => a - b)
  for (const b of blocks) {
    const r = movedReal.get(b) ?? 0, mo = movedModel.get(b) ?? 0
    if (r !== mo) console.log(`  block ${b}: kernel ${r}, model ${mo}; before ${JSON.stringify(classesOf(before, b * pb))} after(real) ${JSON.stringify(classesOf(after, b * pb))}`)
  }
}
