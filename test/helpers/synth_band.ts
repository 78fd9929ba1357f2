/**
 * One value's band of the synthesized-layout table (host/fidelity.ts synthBandRow), optionally
 * with a synthesis rule switched on or off for the run; the rule is switched back on afterwards
 * (every rule's default), whatever the run does.
 */
import { synthBandRow, type BandCell, type BAND_METRICS } from '../../host/fidelity.ts'
import { FIXTURES } from './fixtures.ts'

export async function bandCell(run: string, cap: string, metric: (typeof BAND_METRICS)[number], rule?: { set: (on: boolean) => void; on: boolean }): Promise<BandCell> {
  rule?.set(rule.on)
  try {
    const r = await synthBandRow(FIXTURES, run, cap)
    if (!r) throw new Error(`${run}/${cap} is not followed by a captured compaction trigger`)
    return r.cells[metric]
  } finally {
    rule?.set(true)
  }
}

/** How a band cell reads in an assertion's message. */
export function bandText(c: BandCell): string {
  return `${c.real} against ${c.lo}–${c.hi} (median ${c.median})`
}
