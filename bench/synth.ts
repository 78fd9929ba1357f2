/**
 * Part 1: synthesized reconstruction. For one machine size: generate the summary files, parse
 * them, time synthesizeModel N times, measure model memory and the process memory delta, check
 * that the model reproduces every captured count, and run checkModel.
 */
import { checkModel, modelBuddyinfo, synthesizeModel, zonePageblocks, type Capture, type MemoryModel } from '../engine/index.ts'
import { captureOf, syntheticMachine, MIGRATETYPES, NR_ORDERS, PB_PAGES, type SyntheticMachine } from './capture.ts'
import { fmtCount, fmtMiB, fmtMs, fmtRuns, fmtSignedMiB, median, memAfterGc, memDelta, now, peakRss, peakRssSinceReset, resetPeakRss, type MemSnapshot } from './util.ts'

export const MACHINE_SEED = 20240611
export const SYNTH_SEED = 7

export interface SynthResult {
  label: string
  bytes: number
  pages: number
  pageblocks: number
  freePages: number
  freeBlocks: number
  genMs: number
  parseMs: number
  runsMs: number[]
  medianMs: number
  memoryBytes: number
  breakdown: { memMap: number; pageblocks: number; lists: number }
  bytesPerPage: number
  mem: MemSnapshot
  /** highest RSS seen during a synthesizeModel call, and by how much it exceeded the RSS before it (null: not measurable here) */
  runPeakRss: number | null
  runPeakOverBase: number | null
  peakRss: number
  countsReproduced: boolean
  mismatches: string[]
  check: { ran: boolean; problems: number; ms: number; first: string | null }
  notes: string[]
}

export interface SynthOptions {
  runs: number
  runCheck: boolean
  log: (line: string) => void
}

/** Free blocks and free pages of the generated machine. */
export function machineTotals(m: SyntheticMachine): { freePages: number; freeBlocks: number; pageblocks: number } {
  let freePages = 0
  let freeBlocks = 0
  let pageblocks = 0
  for (const z of m.zones) {
    freePages += z.freePages
    for (const row of z.free) freeBlocks += row.reduce((a, b) => a + b, 0)
    pageblocks += z.blocks.reduce((a, b) => a + b, 0)
  }
  return { freePages, freeBlocks, pageblocks }
}

/**
 * What MemoryModel.memoryBytes() will report for this machine, from the capture's counts alone:
 * memMap (1 B/page, pageblock-aligned), 3 B per pageblock, nrFreeMt (8 B per list) and 4 B per
 * free-list stack slot, the stacks starting at 16 slots and doubling. Used only to project the
 * figure when the model cannot be built; checked against the measured models.
 */
export function projectedMemoryBytes(m: SyntheticMachine): number {
  const memMapBytes = Math.ceil(m.pages / PB_PAGES) * PB_PAGES
  let s = memMapBytes + (memMapBytes / PB_PAGES) * 3
  for (const z of m.zones) {
    s += NR_ORDERS * MIGRATETYPES.length * 8
    for (const row of z.free) {
      for (const n of row) {
        let cap = 16
        while (cap < n) cap *= 2
        s += cap * 4
      }
    }
  }
  return s
}

/** Compare the model with the counts the capture was generated from. */
export function compareCounts(model: MemoryModel, m: SyntheticMachine): string[] {
  const out: string[] = []
  const got = modelBuddyinfo(model)
  for (const row of m.buddyinfo.rows) {
    const r = got.rows.find((x) => x.node === row.node && x.zone === row.zone)
    if (!r) { out.push(`buddyinfo: zone ${row.zone} missing from the model`); continue }
    row.nrFree.forEach((n, o) => { if (r.nrFree[o] !== n) out.push(`buddyinfo ${row.zone} order ${o}: model ${r.nrFree[o]}, capture ${n}`) })
  }
  const mts = model.migratetypes
  for (const zt of m.zones) {
    const z = model.findZone(0, zt.name)
    if (!z) continue
    MIGRATETYPES.forEach((name, i) => {
      const mt = mts.names.indexOf(name)
      for (let o = 0; o < NR_ORDERS; o++) {
        const want = zt.free[i]![o]!
        const have = z.free.count(o, mt)
        if (want !== have) out.push(`pagetypeinfo ${zt.name} ${name} order ${o}: model ${have}, capture ${want}`)
      }
    })
    const blocks = new Array<number>(mts.count).fill(0)
    for (const pb of zonePageblocks(model, z)) blocks[model.pageblockMt[pb]!]! += 1
    MIGRATETYPES.forEach((name, i) => {
      const have = blocks[mts.names.indexOf(name)]!
      if (have !== zt.blocks[i]) out.push(`pageblocks ${zt.name} ${name}: model ${have}, capture ${zt.blocks[i]}`)
    })
    if (z.nrFreePages !== zt.freePages) out.push(`nr_free_pages ${zt.name}: model ${z.nrFreePages}, capture ${zt.freePages}`)
  }
  return out
}

/** Synthesize a small machine once so that the timed runs measure optimized code. */
export function warmUp(): number {
  const m = syntheticMachine(4 * 2 ** 30, MACHINE_SEED)
  const c = captureOf(m)
  const t0 = now()
  synthesizeModel(c, { seed: SYNTH_SEED })
  return now() - t0
}

/**
 * One timed synthesizeModel call; the model goes into `holder`. A separate (non-async) function
 * so that no register of the async caller keeps the previous model alive across its awaits.
 */
function timedSynthesis(capture: Capture, holder: MemoryModel[]): number {
  const t0 = now()
  const { model } = synthesizeModel(capture, { seed: SYNTH_SEED })
  const ms = now() - t0
  holder.push(model)
  return ms
}

/** Run part 1 for one machine size. Returns the result and the last model (for part 2). */
export async function benchSynthesis(bytes: number, opts: SynthOptions): Promise<{ result: SynthResult; model: MemoryModel; machine: SyntheticMachine; capture: Capture }> {
  const { log } = opts
  let t0 = now()
  const machine = syntheticMachine(bytes, MACHINE_SEED)
  const genMs = now() - t0
  t0 = now()
  const capture = captureOf(machine)
  const parseMs = now() - t0
  const tot = machineTotals(machine)
  log(`  capture: ${machine.zones.map((z) => z.name).join('/')} zones, ${fmtCount(tot.pageblocks)} pageblocks, ${fmtCount(tot.freeBlocks)} free blocks ` +
    `(${((100 * tot.freePages) / machine.pages).toFixed(1)} % of pages free), ${machine.cpus} cpus, ${fmtCount(machine.thps)} THPs; ` +
    `generated in ${fmtMs(genMs)}, parseCapture ${fmtMs(parseMs)}`)

  const runsMs: number[] = []
  // the previous run's model is dropped before measuring the baseline of the next
  const holder: MemoryModel[] = []
  let mem: MemSnapshot | null = null
  let runPeakRss: number | null = null
  let runPeakOverBase: number | null = null
  for (let i = 0; i < opts.runs; i++) {
    holder.length = 0
    const before = await memAfterGc()
    const canPeak = resetPeakRss()
    const ms = timedSynthesis(capture, holder)
    const peak = canPeak ? peakRssSinceReset() : null
    runsMs.push(ms)
    mem = memDelta(before, await memAfterGc())
    if (peak !== null) {
      runPeakRss = Math.max(runPeakRss ?? 0, peak)
      runPeakOverBase = Math.max(runPeakOverBase ?? 0, peak - before.rss)
    }
    log(`  run ${i + 1}/${opts.runs}: ${fmtMs(ms)}`)
  }
  const mdl = holder[0]!
  const memoryBytes = mdl.memoryBytes()
  const memMap = mdl.memMap.byteLength
  const pageblocks = mdl.pageblockMt.byteLength * 3
  const mismatches = compareCounts(mdl, machine)
  let check: SynthResult['check'] = { ran: false, problems: 0, ms: 0, first: null }
  if (opts.runCheck) {
    t0 = now()
    const problems = checkModel(mdl)
    check = { ran: true, problems: problems.length, ms: now() - t0, first: problems[0] ?? null }
  }
  const result: SynthResult = {
    label: machine.label, bytes, pages: machine.pages, ...tot, genMs, parseMs, runsMs, medianMs: median(runsMs),
    memoryBytes, breakdown: { memMap, pageblocks, lists: memoryBytes - memMap - pageblocks }, bytesPerPage: memoryBytes / machine.pages,
    mem: mem!, runPeakRss, runPeakOverBase, peakRss: peakRss(), countsReproduced: mismatches.length === 0, mismatches, check, notes: [...mdl.build.notes],
  }
  return { result, model: mdl, machine, capture }
}

/** The per-size report lines of part 1. */
export function describeSynth(r: SynthResult, projected: number): string[] {
  const L: string[] = []
  L.push(`  time: median ${fmtMs(r.medianMs)} of ${r.runsMs.length} runs (${fmtRuns(r.runsMs)})`)
  L.push(`  model memory: ${fmtMiB(r.memoryBytes)} = ${r.bytesPerPage.toFixed(4)} bytes/page over ${fmtCount(r.pages)} pages ` +
    `(memMap ${fmtMiB(r.breakdown.memMap)}, pageblock arrays ${fmtMiB(r.breakdown.pageblocks, 2)}, free-list stacks ${fmtMiB(r.breakdown.lists)}); ` +
    `projection from the counts ${projected === r.memoryBytes ? 'matches exactly' : `differs by ${projected - r.memoryBytes} B`}`)
  L.push(`  process delta with the model alive (after gc): RSS ${fmtSignedMiB(r.mem.rss)}, JS heap ${fmtSignedMiB(r.mem.heapUsed)}, ` +
    `ArrayBuffers ${fmtSignedMiB(r.mem.arrayBuffers)}`)
  if (r.runPeakRss !== null) L.push(`  peak RSS during a synthesizeModel call: ${fmtMiB(r.runPeakRss, 0)} (${fmtSignedMiB(r.runPeakOverBase!)} over the RSS before the call)`)
  L.push(`  counts reproduced: ${r.countsReproduced ? 'yes' : 'no'}` + (r.countsReproduced ? ' (buddyinfo, every free list, pageblock types, nr_free_pages)' : ''))
  for (const s of r.mismatches.slice(0, 8)) L.push(`    mismatch: ${s}`)
  if (r.check.ran) L.push(`  checkModel(model).length === 0: ${r.check.problems === 0 ? 'true' : `false (${r.check.problems}: ${r.check.first})`} (${fmtMs(r.check.ms)})`)
  const interesting = r.notes.filter((n) => !/hole pages|resolved from buddyinfo/.test(n))
  if (interesting.length > 0) for (const n of interesting.slice(0, 5)) L.push(`  note: ${n}`)
  return L
}
