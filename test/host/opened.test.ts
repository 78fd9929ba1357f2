/**
 * An open snapshot unpacks its bundle once: loading, the series context and a what-if ensemble
 * (with its seeds on the worker pool, which adopt the unpacked copy) all read the same temp
 * copy, and the series' steps.log and workload.log are read from inside the bundle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { c as tarCreate } from 'tar'
import { OpenedPath } from '../../host/snapshot.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import { liveTempDirCount } from '../../host/sources/snapshot_bundle.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const RUN = 'x86-2G-s13-fewpin'
let work: string
let tgz: string
let pool: EnginePool

let privateTmp: string
const savedTmpdir = process.env.TMPDIR

/** temp copies of bundles in this test's own temp folder (ours and the workers'): other test runs
 * on the machine unpack into the system temp folder and are not counted */
const tempCopies = (): number => readdirSync(privateTmp).filter((n) => /^buddyscope-\d+-[A-Za-z0-9]{6}$/.test(n)).length

beforeAll(async () => {
  // os.tmpdir() follows TMPDIR; the pool's workers are created after this and inherit it
  privateTmp = mkdtempSync(join(tmpdir(), 'bs-opened-tmp-'))
  process.env.TMPDIR = privateTmp
  work = mkdtempSync(join(tmpdir(), 'bs-opened-test-'))
  tgz = join(work, `${RUN}.tar.gz`)
  await tarCreate({ gzip: true, file: tgz, cwd: FIXTURES, portable: true }, [RUN])
  pool = new EnginePool()
})
afterAll(async () => {
  await pool.destroy()
  rmSync(work, { recursive: true, force: true })
  if (savedTmpdir === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmpdir
  rmSync(privateTmp, { recursive: true, force: true })
})

describe('an open snapshot', () => {
  it('reads the series context of a .tar.gz from inside the bundle, as of its directory', async () => {
    const fromDir = await seriesContext(join(FIXTURES, RUN), '02-before')
    const fromTgz = await seriesContext(tgz, '02-before')
    expect(fromDir?.trigger?.file).toBe('compact_memory')
    expect(fromTgz?.trigger).toEqual(fromDir?.trigger)
    expect(fromTgz?.workloadPinnedPages).toBe(fromDir?.workloadPinnedPages)
    expect(fromTgz?.workloadPinnedPages).toBeGreaterThan(0)
    expect(fromTgz?.nextBuddyinfo).toEqual(fromDir?.nextBuddyinfo)
  })

  it('unpacks its bundle once for the load, the series context and an ensemble on the pool', async () => {
    const before = liveTempDirCount()
    const copies = tempCopies()
    const o = new OpenedPath(tgz)
    try {
      await loadSnapshot(o, { capture: '02-before', layout: 'exact' })
      await seriesContext(o, '02-before')
      expect(o.cache.extractions).toBe(1)
      let most = 0
      const watch = setInterval(() => { most = Math.max(most, tempCopies() - copies) }, 20)
      const j = await whatifCompact({ path: tgz, capture: '02-before', layout: 'exact', seed: 1 }, { seeds: 3 }, {
        opened: o, runSeeds: (jobs) => pool.runSeeds(jobs),
      })
      clearInterval(watch)
      expect(o.cache.extractions).toBe(1)
      // the workers read this thread's copy: no second copy ever appeared
      expect(most).toBe(1)
      expect(j.band?.seeds).toEqual([1, 2, 3])
      expect(j.real?.capture).toBe('03-after-compact-memory')
      expect(liveTempDirCount()).toBe(before + 1)
    } finally {
      await o.close()
    }
    expect(liveTempDirCount()).toBe(before)
  })

  it('an ensemble on the pool gives the same band as one run in this thread', async () => {
    const target = { path: join(FIXTURES, RUN), capture: '02-before', layout: 'exact' as const, seed: 1 }
    const pooled = await whatifCompact(target, { seeds: 3 }, { runSeeds: (jobs) => pool.runSeeds(jobs) })
    const inline = await whatifCompact(target, { seeds: 3 })
    expect(pooled.band).toEqual(inline.band)
    expect(pooled.counters).toEqual(inline.counters)
  })
})
