/**
 * Second compactions (a compaction right after a full one): the pages the harness wrote between
 * the capture and the trigger. The capture's own output after its page maps were read
 * (kpageflags.gz, kpagecount.gz, the re-read files: nr_shmem grew by 22–32 pages from a capture's
 * vmstat to its after-kpage/vmstat) is page cache on tmpfs, taken off the head of the writer's
 * per-cpu list (rmqueue_pcplist: the newest pages, the capture's tools' pages freed when they
 * exited); after a full compaction those pages lie in the part of the zone the migrate scanner
 * vacated, so each is a single LRU page the next compaction isolates there. The traces of
 * fixtures/arm64-1G-s6-cma-compact-ctrace-sleep-cpu1 (and -ctrace-cpu1, x86-1G-s12-wl0-ctrace-cpu0,
 * -ctrace-sleep-cpu0) show the kernel's first migrate batches so: single pages low in the zone (4,
 * 13, 16 and 1 batches), per-cpu or tools' pages in the capture; so its free scanner's first calls
 * take one or two targets each and stop inside the topmost pageblock with free pages, and every
 * later call starts there at stride 1. Without them the model's first batch took 32 pages and
 * scanned that pageblock at stride 2 (docs/fidelity.md).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { setPagesWrittenBeforeTrigger } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const ROWS: Array<[string, string]> = [
  ['arm64-1G-s6-cma-compact-ctrace-sleep-cpu1', '03-after-compact-node'],
  ['arm64-1G-s18-nopin', '03-after-compact-node'],
]
const on = new Map<string, FidelityRow>()
const off = new Map<string, FidelityRow>()

beforeAll(async () => {
  for (const [run, cap] of ROWS) on.set(run, (await fidelityRow(FIXTURES, run, cap))!)
  setPagesWrittenBeforeTrigger(false)
  try {
    for (const [run, cap] of ROWS) off.set(run, (await fidelityRow(FIXTURES, run, cap))!)
  } finally {
    setPagesWrittenBeforeTrigger(true)
  }
}, 600_000)
afterAll(() => setPagesWrittenBeforeTrigger(true))

const mig = (r: FidelityRow): { predicted: number; error: number } => {
  const c = r.counters['pgmigrate_success']!
  return { predicted: c.predicted!, error: c.error! }
}

describe('pages written between the capture and the trigger, off the writer\'s per-cpu list', () => {
  it('arm64-1G-s6-cma-compact-ctrace-sleep-cpu1 second compaction: pgmigrate_success within 10 % of the real 234 (27 without them)', () => {
    const r = on.get(ROWS[0]![0])!
    expect(r.counters['pgmigrate_success']!.real).toBe(234)
    expect(Math.abs(mig(r).error), `predicted ${mig(r).predicted}`).toBeLessThanOrEqual(0.1)
    expect(mig(off.get(ROWS[0]![0])!).error).toBeLessThan(-0.5)
  })
  it('arm64-1G-s18-nopin second compaction: pgmigrate_success within 25 % of the real 50 (33 without them)', () => {
    const r = on.get(ROWS[1]![0])!
    expect(r.counters['pgmigrate_success']!.real).toBe(50)
    expect(Math.abs(mig(r).error), `predicted ${mig(r).predicted}`).toBeLessThanOrEqual(0.25)
    expect(mig(off.get(ROWS[1]![0])!).error).toBeLessThan(-0.25)
  })
})
