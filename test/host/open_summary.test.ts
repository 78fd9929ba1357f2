/**
 * An open's summary stage: the service emits run:summary (the capture's free areas from its
 * buddyinfo and pagetypeinfo) before the model is built, and run:done's snapshot view carries
 * the same numbers. On a generated 64 GiB capture the summary comes before the layout is
 * synthesized, well ahead of run:done.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import type { EventName, OpenSummaryDto, SnapshotView } from '../../contract/index.ts'
import { syntheticMachine } from '../../bench/capture.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

interface Seen { event: EventName; payload: { runId?: string; phase?: string }; at: number }

let host: BuddyscopeService
let events: Seen[] = []
const settled = new Map<string, () => void>()
let tmp: string

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'buddyscope-summary-'))
  host = new BuddyscopeService({
    transport: 'browser', version: 'test', pool: new EnginePool(), recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
    emit: (event, payload) => {
      const p = payload as Seen['payload']
      events.push({ event, payload: p, at: performance.now() })
      if (p.runId && (event === 'run:done' || event === 'run:failed')) settled.get(p.runId)?.()
    },
  })
})
afterAll(async () => {
  await host?.dispose()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

async function open(args: { path: string; capture?: string; layout?: 'auto' | 'exact' | 'synthesized' }): Promise<{ summary: OpenSummaryDto | null; view: SnapshotView; mine: Seen[] }> {
  events = []
  const { runId } = (await host.handle('startOpenPath', args)) as { runId: string }
  await new Promise<void>((ok) => {
    if (events.some((e) => e.payload.runId === runId && (e.event === 'run:done' || e.event === 'run:failed'))) ok()
    else settled.set(runId, ok)
  })
  const mine = events.filter((e) => e.payload.runId === runId)
  const done = mine.find((e) => e.event === 'run:done')
  if (!done) throw new Error(JSON.stringify(mine.at(-1)?.payload))
  const s = mine.find((e) => e.event === 'run:summary')
  return { summary: s ? (s.payload as unknown as { summary: OpenSummaryDto }).summary : null, view: (done.payload as unknown as { snapshot: SnapshotView }).snapshot, mine }
}

/** the summary's numbers are the snapshot view's: the first chart does not change when the model arrives */
function expectSameNumbers(summary: OpenSummaryDto, view: SnapshotView): void {
  expect(summary.path).toBe(view.path)
  expect(summary.label).toBe(view.label)
  expect(summary.machine).toEqual(view.machine)
  expect(summary.migratetypes).toEqual(view.migratetypes)
  expect(summary.pageSize).toBe(view.pageSize)
  expect(summary.zones).toEqual(view.zones.map((z) => ({
    node: z.node, zone: z.zone, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed,
    freeBlocks: z.freeBlocks, freeBlocksByMigratetype: z.freeBlocksByMigratetype,
  })))
}

describe('opening a snapshot: the capture-derived summary first, then the model', () => {
  const cases: Array<{ name: string; args: { path: string; capture?: string; layout?: 'synthesized' }; method: 'exact' | 'synthesized' }> = [
    { name: 'a real 24 GiB capture, exact layout', args: { path: join(FIXTURES, 'host-24G-k618-a', '01-before') }, method: 'exact' },
    { name: 'a capture of a series, synthesized', args: { path: join(FIXTURES, 'x86-2G-s13-fewpin'), capture: '03-after-compact-memory', layout: 'synthesized' }, method: 'synthesized' },
    { name: 'an arm64 capture with CMA', args: { path: join(FIXTURES, 'arm64-1G-s6-cma-compact', '02-before') }, method: 'exact' },
  ]
  for (const c of cases) {
    it(`${c.name}: run:summary before run:done, with the view's numbers`, async () => {
      const { summary, view, mine } = await open(c.args)
      expect(view.layout.method).toBe(c.method)
      expect(summary).not.toBeNull()
      const order = mine.map((e) => e.event).filter((e) => e !== 'run:progress')
      expect(order).toEqual(['run:summary', 'run:done'])
      expectSameNumbers(summary!, view)
    }, 60000)
  }

  it('pagetypeinfo\'s ">100000": the summary and the view show the list resolved from buddyinfo, not the print cap', async () => {
    // x86-4G-s14-nopin/02-before: DMA32 Movable order 0 printed ">100000", buddyinfo's order-0 total 108509
    const { summary, view } = await open({ path: join(FIXTURES, 'x86-4G-s14-nopin', '02-before') })
    const z = summary!.zones.find((x) => x.zone === 'DMA32')!
    const others = Object.entries(z.freeBlocksByMigratetype).filter(([mt]) => mt !== 'Movable').reduce((s, [, c]) => s + c[0]!, 0)
    expect(z.freeBlocksByMigratetype.Movable![0]).toBe(108509 - others)
    expect(z.freeBlocksByMigratetype.Movable![0]).toBeGreaterThan(100000)
    expect(z.freeBlocksByMigratetype.Movable![1]).toBe(88371) // uncapped counts stay as printed
    expectSameNumbers(summary!, view)
  }, 60000)

  it('a generated 64 GiB machine: the summary comes before the layout is synthesized, long before the model', async () => {
    const m = syntheticMachine(64 * 2 ** 30, 7)
    const dir = join(tmp, 'synthetic-64G')
    mkdirSync(dir, { recursive: true })
    for (const [name, text] of Object.entries(m.texts)) writeFileSync(join(dir, name), text)
    const { summary, view, mine } = await open({ path: dir })
    expect(view.layout.method).toBe('synthesized')
    const iSummary = mine.findIndex((e) => e.event === 'run:summary')
    const iSynth = mine.findIndex((e) => e.event === 'run:progress' && e.payload.phase === 'synthesizing layout')
    const iDone = mine.findIndex((e) => e.event === 'run:done')
    expect(iSummary).toBeGreaterThanOrEqual(0)
    expect(iSynth).toBeGreaterThan(iSummary)
    expect(iDone).toBeGreaterThan(iSynth)
    expect(summary!.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal'])
    expectSameNumbers(summary!, view)
  }, 120000)
})
