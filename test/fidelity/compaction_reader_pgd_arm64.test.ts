/**
 * fixtures/arm64-1G-s6-cma-compact-cpu0, 6.1 arm64: `cn@0` (a shell started on CPU 0 for the write,
 * which exits) and the next capture's tools on CPU 0, the configuration in which the x86 runs'
 * trigger CPU list went back to the buddy allocator after the compaction (6.1 free_high, set off
 * by the exited shell's order-1 page-global directory: PageAllocator.freeHighOrderAfterFreeRun,
 * x86-1G-s27-tools1's list 288 pages in the after-capture). arm64 frees a single-page directory
 * (pgd_alloc: __get_free_page where PGD_SIZE is PAGE_SIZE), which sets no free_high, and here CPU 0's
 * list holds 3194 pages (its high 3520) in the after-capture, the compaction's last-freed
 * migrated-from pages among them: the kernel kept 1–4 of them in each of the pageblocks
 * 716–723. With the list emptied the model freed them and the shape missed (16.1 %); with it kept
 * (host/whatif/compact.ts pgdFreeOrder) 12.6 %.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { runCompactWhatIf } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions, pgdFreeOrder } from '../../host/whatif/compact.ts'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const RUN = 'arm64-1G-s6-cma-compact-cpu0'
const CAP = '02-before'

describe('6.1 arm64: the exited trigger shell frees a single-page directory, which leaves the trigger CPU\'s list in place (arm64-1G-s6-cma-compact-cpu0)', () => {
  let row: FidelityRow
  let arch: string | null
  let readerCpu: number | undefined
  /** CPU 0's per-cpu count after the what-if, as the options give it and with readerCpu forced to 0 */
  let listKept = 0, listForced = 0
  beforeAll(async () => {
    const path = join(FIXTURES, RUN)
    const ctx = (await seriesContext(path, CAP))!
    const snap = await loadSnapshot(join(path, CAP), { layout: 'exact', seed: 1 })
    arch = snap.capture.machine.arch
    const opts = await compactOptions(snap, ctx, { pinned: 'auto' }, 1).options(1)
    readerCpu = opts.readerCpu
    runCompactWhatIf(snap.model, snap.allocator, opts, snap.capture.machine.hpageOrder)
    listKept = snap.model.zones.reduce((t, z) => t + (z.pcpCpus.length ? snap.allocator.pcpState(z).own : 0), 0)
    const snap2 = await loadSnapshot(join(path, CAP), { layout: 'exact', seed: 1 })
    const opts2 = await compactOptions(snap2, ctx, { pinned: 'auto' }, 1).options(1)
    runCompactWhatIf(snap2.model, snap2.allocator, { ...opts2, readerCpu: 0 }, snap2.capture.machine.hpageOrder)
    listForced = snap2.model.zones.reduce((t, z) => t + (z.pcpCpus.length ? snap2.allocator.pcpState(z).own : 0), 0)
    row = (await fidelityRow(FIXTURES, RUN, CAP))!
  }, 300_000)

  it('the directory an exiting process frees is order 1 on x86-64 and a single page on arm64', () => {
    expect(arch).toBe('arm64')
    expect(pgdFreeOrder('arm64')).toBe(0)
    expect(pgdFreeOrder('x86_64')).toBe(1)
    expect(pgdFreeOrder(null)).toBe(1)
  })

  it('no whole-list return: the trigger CPU keeps the compaction\'s last frees (the kernel\'s list: 3194 pages)', () => {
    expect(readerCpu).toBeUndefined()
    expect(listKept).toBeGreaterThan(2000)
    // the x86 rule, forced here, empties it
    expect(listForced).toBeLessThan(200)
  })

  it('the row holds every bound: shape 12.6 % (16.1 % with the list emptied), ≥ 2 MiB −3.5 %', () => {
    expect(row.shapeError).toBeLessThanOrEqual(0.15)
    expect(Math.abs(row.hiError!)).toBeLessThanOrEqual(0.10)
  })
})
