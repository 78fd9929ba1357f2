/**
 * The service's getTraceSteals: a real trace of the developers' 6.18 VM (fixtures/imports/trace)
 * on the pageblock map of that VM's sosreport: each stolen pageblock at its map index, with who
 * stole it and when, as `buddyscope trace` lists the blocks; a capture of another machine gets
 * them all as outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import { loadTrace } from '../../host/trace.ts'
import type { SnapshotView, TraceStealsDto } from '../../contract/dto.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const TRACE = join(FIXTURES, 'imports', 'trace', 'vm-k618-extfrag.ftrace.txt')
const done = new Map<string, (e: { event: string; payload: unknown }) => void>()
let host: BuddyscopeService

async function open(path: string): Promise<SnapshotView> {
  const { runId } = (await host.handle('startOpenPath', { path })) as { runId: string }
  const r = await new Promise<{ event: string; payload: unknown }>((res) => done.set(runId, res))
  if (r.event !== 'run:done') throw new Error(JSON.stringify(r.payload))
  return (r.payload as { snapshot: SnapshotView }).snapshot
}

let vm: SnapshotView
let other: SnapshotView
beforeAll(async () => {
  host = new BuddyscopeService({
    transport: 'browser', version: 'test', pool: new EnginePool(undefined, { minThreads: 1, maxThreads: 2 }), recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
    emit: (event, payload) => {
      const id = (payload as { runId?: string }).runId
      if (id && (event === 'run:done' || event === 'run:failed')) done.get(id)?.({ event, payload })
    },
  })
  vm = await open(join(FIXTURES, 'imports', 'sosreport-vm-k618'))
  other = await open(join(FIXTURES, 'x86-512M-s1-compact', '02-before'))
}, 90000)
afterAll(async () => {
  await host?.dispose()
})

describe('getTraceSteals', () => {
  it('places each stolen pageblock of the trace on the map of its machine, with who stole it and when', async () => {
    const t = await loadTrace(TRACE, { maxBlocks: 1e9 })
    const d = (await host.handle('getTraceSteals', { id: vm.id, path: TRACE })) as TraceStealsDto
    expect(d.fallbacks).toBe(137)
    expect(d.blocks.length + d.outside).toBe(t.blocks.length)
    expect(d.blocks.length).toBeGreaterThan(0)
    for (const b of d.blocks) {
      expect(b.pageblock).toBe((b.pfn - vm.basePfn) / vm.pagesPerBlock)
      expect(b.pageblock).toBeLessThan(vm.pageblockCount)
      expect(b.events).toEqual(t.blocks.find((x) => x.pfn === b.pfn)!.events)
    }
    // the first fallback of the trace: find's, Movable → Reclaimable, pfn 0x129000
    const first = d.blocks.find((b) => b.pfn === 0x129000)!
    expect(first.events[0]).toMatchObject({ task: 'find', from: 'Movable', to: 'Reclaimable', claimed: true, ts: 2707.35882 })
  })

  it('another machine\'s capture: the blocks beyond its memory are outside; a missing trace is a clear error', async () => {
    const d = (await host.handle('getTraceSteals', { id: other.id, path: TRACE })) as TraceStealsDto
    expect(d.blocks.every((b) => b.pfn < other.basePfn + other.pageblockCount * other.pagesPerBlock)).toBe(true)
    expect(d.outside).toBeGreaterThan(0)
    await expect(host.handle('getTraceSteals', { id: vm.id, path: '/nonexistent/trace.txt' })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('cannot read') })
  })
})
