/**
 * The service's diff methods (what the app calls over IPC or the WebSocket): getDiff of two open
 * captures of one machine, getDiffPageblock of a block, and the refusals in plain words.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import { PAGEBLOCK_CHANGES as CONTRACT_CHANGES, PAGE_CHANGES as CONTRACT_PAGE_CHANGES, type CaptureDiffDto, type PagesDiffDto, type SnapshotView } from '../../contract/index.ts'
import { PAGEBLOCK_CHANGES, PAGE_CHANGES } from '../../engine/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let host: BuddyscopeService
const done = new Map<string, (v: { event: string; payload: unknown }) => void>()

async function open(path: string, capture?: string): Promise<SnapshotView> {
  const { runId } = (await host.handle('startOpenPath', { path, ...(capture ? { capture } : {}) })) as { runId: string }
  const r = await new Promise<{ event: string; payload: unknown }>((ok) => done.set(runId, ok))
  if (r.event !== 'run:done') throw new Error(JSON.stringify(r.payload))
  return (r.payload as { snapshot: SnapshotView }).snapshot
}

let a: SnapshotView
let b: SnapshotView
let other: SnapshotView
beforeAll(async () => {
  host = new BuddyscopeService({
    transport: 'browser', version: 'test', pool: new EnginePool(), recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
    emit: (event, payload) => {
      const id = (payload as { runId?: string }).runId
      if (id && (event === 'run:done' || event === 'run:failed')) done.get(id)?.({ event, payload })
    },
  })
  const series = join(FIXTURES, 'x86-2G-s13-fewpin')
  a = await open(series, '02-before')
  b = await open(series, '03-after-compact-memory')
  other = await open(join(FIXTURES, 'x86-512M-s1-compact'))
}, 90000)
afterAll(async () => {
  await host?.dispose()
})

describe('the service diffs two open captures', () => {
  it('the contract names the changes as the engine does, in the same bit order', () => {
    expect([...CONTRACT_CHANGES]).toEqual([...PAGEBLOCK_CHANGES])
    expect([...CONTRACT_PAGE_CHANGES]).toEqual([...PAGE_CHANGES])
  })

  it('getDiff: the captured deltas and every pageblock\'s change', async () => {
    const d = (await host.handle('getDiff', { a: a.id, b: b.id })) as CaptureDiffDto
    expect(d.a).toBe(a.id)
    const dma32 = d.zones.find((z) => z.zone === 'DMA32')!
    expect(dma32.sources.freeBlocks).toBe('buddyinfo')
    expect(dma32.freeBlocksDelta.slice(9)).toEqual([98, 101])
    expect(d.kinds.length).toBe(a.pageblockCount)
    expect(d.changedCount).toBe(d.kinds.filter((k) => k !== 0).length)
    expect(dma32.changeCounts!['became-free']).toBeGreaterThanOrEqual(300)
    const block = d.kinds.findIndex((k) => (k & (1 << PAGEBLOCK_CHANGES.indexOf('became-free'))) !== 0)
    const p = (await host.handle('getDiffPageblock', { a: a.id, b: b.id, pageblock: block })) as PagesDiffDto
    expect(p.pageblock).toBe(block)
    expect(p.counts.freed).toBeGreaterThan(0)
    expect(p.counts.allocated).toBe(0)
    expect(p.change.length).toBe(512)
    // each changed page with its captured kpageflags on both sides
    expect(p.pages[0]!.flagsBefore).toMatch(/\b(LRU|SLAB|ANON)\b/)
    expect(p.pages[0]!.flagsAfter).toMatch(/\bBUDDY\b/)
  })

  it('refuses two machines, one snapshot twice, and a pageblock outside the map', async () => {
    await expect(host.handle('getDiff', { a: a.id, b: other.id })).rejects.toMatchObject({
      code: 'bad-input', message: expect.stringMatching(/x86-2G-s13-fewpin\/02-before\/zoneinfo:\d+ but .* in .*x86-512M-s1-compact\/02-before\/zoneinfo:\d+: these are captures of two machines/),
    })
    await expect(host.handle('getDiff', { a: a.id, b: a.id })).rejects.toMatchObject({ code: 'bad-argument' })
    await expect(host.handle('getDiffPageblock', { a: a.id, b: b.id, pageblock: 99999 })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringMatching(/outside 0\.\.1023/) })
    await expect(host.handle('getDiff', { a: a.id, b: 'nope' })).rejects.toMatchObject({ code: 'not-found' })
  })
})
