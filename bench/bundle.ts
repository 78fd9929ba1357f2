/**
 * A real capture opened as a .tar.gz bundle through the service (the app's host), next to the
 * same capture opened as a directory: open → run:done, a full-compaction what-if, and one with
 * 4 pin seeds on the worker pool; and how often the bundle was unpacked for it (once per open).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { c as tarCreate } from 'tar'
import { BuddyscopeService } from '../host/service.ts'
import { EnginePool } from '../host/workers/pool.ts'
import { median, now } from './util.ts'

const RUN = 'host-24G-k618-a'

export interface BundleBench {
  capture: string
  openMs: { bundle: number; directory: number }
  whatifMs: { bundle: number; directory: number }
  ensembleMs: { bundle: number; directory: number }
  /** temp copies of the bundle seen at once while it was open and its what-ifs ran */
  unpackedCopies: number
}

async function measure(path: string, watch: () => number): Promise<{ open: number; whatif: number; ensemble: number; copies: number }> {
  let done: ((v: [string, unknown]) => void) | null = null
  const host = new BuddyscopeService({
    transport: 'browser', version: 'bench', pool: new EnginePool(), recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
    emit: (event, payload) => {
      if (event === 'run:done' || event === 'run:failed' || event === 'whatif:done') done?.([event, payload])
    },
  })
  const next = (): Promise<[string, unknown]> => new Promise((ok) => { done = ok })
  let copies = 0
  const timer = setInterval(() => { copies = Math.max(copies, watch()) }, 20)
  try {
    // the pool's threads start first, as they would in a running app
    await new Promise((r) => setTimeout(r, 1500))
    let p = next()
    let t = now()
    await host.handle('startOpenPath', { path })
    const [e1, v1] = await p
    if (e1 !== 'run:done') throw new Error(`${path}: ${JSON.stringify(v1)}`)
    const open = now() - t
    const id = (v1 as { snapshot: { id: string } }).snapshot.id
    const times: number[] = []
    for (const seeds of [1, 4]) {
      p = next()
      t = now()
      await host.handle('startWhatifCompact', { id, seeds })
      const [e2, v2] = await p
      if (e2 !== 'whatif:done') throw new Error(`${path}: ${JSON.stringify(v2)}`)
      times.push(now() - t)
    }
    return { open, whatif: times[0]!, ensemble: times[1]!, copies }
  } finally {
    clearInterval(timer)
    await host.dispose()
  }
}

export async function benchBundle(fixtures: string, log: (l: string) => void): Promise<BundleBench> {
  const tmp = mkdtempSync(join(tmpdir(), 'buddyscope-bundlebench-'))
  try {
    const tgz = join(tmp, `${RUN}.tar.gz`)
    await tarCreate({ gzip: true, file: tgz, cwd: fixtures, portable: true }, [RUN])
    const copies = (): number => readdirSync(tmpdir()).filter((n) => /^buddyscope-\d+-[A-Za-z0-9]{6}$/.test(n)).length
    const base = copies()
    const runs = { bundle: [] as Array<Awaited<ReturnType<typeof measure>>>, directory: [] as Array<Awaited<ReturnType<typeof measure>>> }
    for (let i = 0; i < 2; i++) {
      runs.bundle.push(await measure(tgz, () => copies() - base))
      runs.directory.push(await measure(join(fixtures, RUN), () => 0))
    }
    const m = (k: 'open' | 'whatif' | 'ensemble', w: 'bundle' | 'directory'): number => median(runs[w].map((r) => r[k]))
    const out: BundleBench = {
      capture: RUN,
      openMs: { bundle: m('open', 'bundle'), directory: m('open', 'directory') },
      whatifMs: { bundle: m('whatif', 'bundle'), directory: m('whatif', 'directory') },
      ensembleMs: { bundle: m('ensemble', 'bundle'), directory: m('ensemble', 'directory') },
      unpackedCopies: Math.max(...runs.bundle.map((r) => r.copies)),
    }
    log(`  ${RUN} (.tar.gz vs directory, median of 2): open ${out.openMs.bundle.toFixed(0)} vs ${out.openMs.directory.toFixed(0)} ms; what-if ${out.whatifMs.bundle.toFixed(0)} vs ${out.whatifMs.directory.toFixed(0)} ms; 4 seeds ${out.ensembleMs.bundle.toFixed(0)} vs ${out.ensembleMs.directory.toFixed(0)} ms; unpacked copies at once: ${out.unpackedCopies}`)
    return out
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
