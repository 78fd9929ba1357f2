/**
 * A 32-seed ensemble of a full compaction on a 64 GiB machine (a summary capture: each seed is
 * its own synthesized layout), as the CLI runs it: `buddyscope whatif compact DIR --seeds 32`,
 * its seeds on the worker pool (one thread per core). Wall time from start to answer, the
 * process's peak RSS, and its CPU time (all threads; on an idle machine the wall time is about
 * this over the cores, plus the start-up).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { syntheticMachine } from './capture.ts'
import { MACHINE_SEED } from './synth.ts'
import { cli } from './cli.ts'

export interface EnsembleBench {
  seeds: number
  ms: number
  peakRss: number | null
  cpuMs: number | null
}

export async function benchEnsemble(log: (l: string) => void, seeds = 32): Promise<EnsembleBench> {
  const tmp = mkdtempSync(join(tmpdir(), 'buddyscope-ensemble-'))
  try {
    const dir = join(tmp, 'synthetic-64G')
    mkdirSync(dir)
    const m = syntheticMachine(64 * 2 ** 30, MACHINE_SEED)
    for (const [name, text] of Object.entries(m.texts)) writeFileSync(join(dir, name), text)
    const r = await cli(['whatif', 'compact', dir, '--seeds', String(seeds), '--json'])
    const j = JSON.parse(r.stdout) as { band: { seeds: number[] } | null }
    if (j.band?.seeds.length !== seeds) throw new Error(`the answer has ${j.band?.seeds.length ?? 0} seeds, expected ${seeds}`)
    log(`  64 GiB summary capture, whatif compact --seeds ${seeds}: ${r.ms.toFixed(0)} ms, peak RSS ${r.peakRss === null ? 'n/a' : `${(r.peakRss / 2 ** 20).toFixed(0)} MiB`}, CPU time ${r.cpuMs === null ? 'n/a' : `${r.cpuMs.toFixed(0)} ms`}`)
    return { seeds, ms: r.ms, peakRss: r.peakRss, cpuMs: r.cpuMs }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
