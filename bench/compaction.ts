/**
 * Full compaction of the largest zone of a fragmented synthetic machine (seeded), next to a bare
 * two-pointer sweep over a page-state array of the same size in the same process: the sweep
 * moves "used" bytes from the bottom into "free" bytes from the top until the pointers meet,
 * the least work any compactor must do. Target at 64 GiB: compaction ≤ 3 × the sweep; the other
 * sizes show how the cost grows. Each size runs in this process when small, in a child for
 * 256 GiB and 1 TiB (see compaction-child.ts). The garbage of the runs before is collected before
 * each timed pair (with --expose-gc, as npm run bench runs).
 */
import { Compactor, synthesizeModel } from '../engine/index.ts'
import { captureOf, syntheticMachine } from './capture.ts'
import { MACHINE_SEED } from './synth.ts'
import { gc, median, now } from './util.ts'

export interface CompactionBench {
  bytes: number
  zone: string
  zonePages: number
  compactMs: number[]
  sweepMs: number[]
  ratio: number
  migrated: number
  result: string
}

/** The reference: a used/free byte array compacted by two pointers. Returns pages moved. */
export function bareSweep(state: Uint8Array): number {
  let lo = 0
  let hi = state.length - 1
  let moved = 0
  for (;;) {
    while (lo < hi && state[lo] !== 1) lo++
    while (lo < hi && state[hi] !== 0) hi--
    if (lo >= hi) break
    state[hi] = 1
    state[lo] = 0
    moved++
  }
  return moved
}

export function benchCompactionSize(bytes: number, runs: number): CompactionBench {
  const machine = syntheticMachine(bytes, MACHINE_SEED)
  const capture = captureOf(machine)
  const compactMs: number[] = []
  const sweepMs: number[] = []
  let migrated = 0
  let result = ''
  let zoneName = ''
  let zonePages = 0
  for (let r = 0; r < runs; r++) {
    const { model, allocator } = synthesizeModel(capture, { seed: 7 })
    const zone = model.zones.reduce((a, z) => (z.spanned > a.spanned ? z : a))
    zoneName = zone.label
    zonePages = zone.spanned
    // the sweep's input: the same zone, 1 = movable page, 0 = free, 2 = anything else
    const state = new Uint8Array(zone.spanned)
    for (let i = 0; i < zone.spanned; i++) {
      const b = model.memMap[zone.startPfn + i - model.basePfn]!
      state[i] = b & 0x80 || b === 2 ? 0 : b >= 4 && b <= 8 ? 1 : 2
    }
    // the models of the runs before are garbage by now: collected here, so that no major GC of
    // theirs (V8 finishes one when its incremental marking completes) lands in the timed sweep or
    // compaction, which themselves allocate next to nothing
    gc()
    let t0 = now()
    bareSweep(state)
    sweepMs.push(now() - t0)
    const c = new Compactor(allocator)
    t0 = now()
    const res = c.compactZone(c.fullControl(zone))
    compactMs.push(now() - t0)
    migrated = res.migrated
    result = res.result
  }
  return { bytes, zone: zoneName, zonePages, compactMs, sweepMs, ratio: median(compactMs) / median(sweepMs), migrated, result }
}
