/**
 * What free-scan-walk.ts and migrate-scan-walk.ts share: their arguments (`<run dir> <capture>
 * [--seeds N | --seed-list 1,7] [--no-exact] [--drop opts]`), the captured trigger that follows
 * the capture, and for each layout (the exact one unless --no-exact, then the synthesized seeds)
 * the loaded snapshot with the options `whatif compact` runs that trigger with, less --drop's.
 */
import { loadSnapshot, type LoadedSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'
import { seriesContext } from '../host/series.ts'
import { compactOptions } from '../host/whatif/compact.ts'
import { SYNTH_SEEDS } from '../host/fidelity.ts'

export interface WalkLayout {
  layout: 'exact' | 'synthesized'
  seed: number
  snap: LoadedSnapshot
  /** the what-if's engine options for this layout and seed */
  opts: Record<string, unknown>
}

export interface WalkSetup {
  args: string[]
  runDir: string
  cap: string
  /** the trigger step's /proc/vmstat deltas */
  deltas: Record<string, number>
  trigger: { node: number | null }
  layouts: () => AsyncGenerator<WalkLayout>
  /** releases the opened capture (its unpacked bundle) */
  close: () => Promise<void>
}

export async function walkSetup(script: string, usageTail: string): Promise<WalkSetup> {
  const args = process.argv.slice(2)
  const flag = (n: string): string | undefined => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
  const [runDir, cap] = args
  if (!runDir || !cap) throw new Error(`usage: ${script} <run dir> <capture> [--seeds N | --seed-list 1,7] [--no-exact] [--drop opts]${usageTail}`)
  const seeds = flag('--seed-list')?.split(',').map(Number) ?? Array.from({ length: Number(flag('--seeds') ?? 4) }, (_, i) => i + 1)
  const drop = (flag('--drop') ?? '').split(',').filter(Boolean)
  const o = new OpenedPath(runDir, [])
  const ctx = await seriesContext(o, cap)
  if (!ctx?.trigger) throw new Error(`${cap} is not followed by a compaction trigger`)
  const trigger = ctx.trigger
  const list: Array<['exact' | 'synthesized', number]> = [...(args.includes('--no-exact') ? [] : [['exact', 1] as ['exact', number]]), ...seeds.map((s): ['synthesized', number] => ['synthesized', s])]
  async function* layouts(): AsyncGenerator<WalkLayout> {
    for (const [layout, seed] of list) {
      const snap = await loadSnapshot(o, { capture: cap!, layout, seed })
      const plan = compactOptions(snap, ctx, { seeds: SYNTH_SEEDS, pinned: 'auto', ...(trigger.node !== null ? { node: trigger.node } : {}) }, 1)
      const opts: Record<string, unknown> = { ...(await plan.options(seed)) }
      for (const k of drop) delete opts[k]
      yield { layout, seed, snap, opts }
    }
  }
  return { args, runDir, cap, deltas: trigger.deltas, trigger, layouts, close: () => o.close() }
}
