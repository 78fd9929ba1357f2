/**
 * What the measure-*.ts scripts that survey the fixtures' series share: every capture of a run
 * with a steps.log (whose name holds `only`, if given) that a compaction trigger follows and that
 * `keep` accepts, with its opened run and series context. The run is closed when the caller moves
 * on to the next capture (closing it earlier is harmless).
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext, type SeriesContext } from '../host/series.ts'

export interface SeriesCapture {
  run: string
  cap: string
  o: OpenedPath
  ctx: SeriesContext & { trigger: NonNullable<SeriesContext['trigger']> }
}

export async function* triggerCaptures(dir: string, only: string, keep: (c: SeriesCapture) => boolean): AsyncGenerator<SeriesCapture> {
  for (const run of readdirSync(dir).sort()) {
    if (only && !run.includes(only)) continue
    if (!existsSync(join(dir, run, 'steps.log'))) continue
    for (const cap of readdirSync(join(dir, run)).filter((d) => /^\d\d-/.test(d)).sort()) {
      const o = new OpenedPath(join(dir, run), [])
      try {
        const ctx = await seriesContext(o, cap)
        if (!ctx?.trigger) continue
        const c: SeriesCapture = { run, cap, o, ctx: ctx as SeriesCapture['ctx'] }
        if (keep(c)) yield c
      } finally {
        await o.close()
      }
    }
  }
}
