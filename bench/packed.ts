/**
 * The exact layout's packedAboveMeet rule (engine/reconstruct/exact.ts): a capture that follows a
 * full compaction in its series gets one more pass over each zone's pageblocks, which keeps the
 * ones above the scanners' meeting point holding free pages and no movable page off Movable.
 * Measured side by side on a real 24 GiB capture of that kind: the exact open with the rule on
 * and off after a warm-up open, alternated (on first in even rounds, off first in odd ones), each
 * after a full GC.
 */
import { join } from 'node:path'
import { loadSnapshot, setPackedAboveMeetRule } from '../host/load.ts'
import { fmtMs, gc, median, now } from './util.ts'

export const PACKED_CAPTURE = 'host-24G-k618-r'
export const PACKED_LABEL = '02-after-compact-memory'

export interface PackedBench {
  onMs: number[]
  offMs: number[]
}

export async function benchPackedAboveMeet(fixtures: string, log: (s?: string) => void, rounds = 5): Promise<PackedBench> {
  const path = join(fixtures, PACKED_CAPTURE)
  const onMs: number[] = []
  const offMs: number[] = []
  try {
    await loadSnapshot(path, { capture: PACKED_LABEL, layout: 'exact' })
    for (let i = 0; i < rounds; i++) {
      for (const on of i % 2 === 0 ? [true, false] : [false, true]) {
        setPackedAboveMeetRule(on)
        gc()
        const t0 = now()
        await loadSnapshot(path, { capture: PACKED_LABEL, layout: 'exact' })
        ;(on ? onMs : offMs).push(now() - t0)
      }
      log(`  round ${i + 1}/${rounds}: rule on ${fmtMs(onMs[i]!)}, off ${fmtMs(offMs[i]!)}`)
    }
  } finally {
    setPackedAboveMeetRule(true)
  }
  log(`  median: on ${fmtMs(median(onMs))}, off ${fmtMs(median(offMs))} (${(median(onMs) / median(offMs)).toFixed(2)}×)`)
  return { onMs, offMs }
}
