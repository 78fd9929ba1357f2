import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import type { CaptureDiffDto } from '../api/types.ts'
import { sampleView, scriptedApi, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { defaultPair, matchCapture, useDiffStore } from './diff.ts'
import { useSnapshotStore } from './snapshots.ts'
import { useUiStore } from './ui.ts'

const tick = () => new Promise((r) => setTimeout(r, 0))
const SERIES = ['01-boot', '02-before', '03-after-compact-memory']

let host: ScriptedApi
beforeEach(() => {
  setActivePinia(createPinia())
  host = scriptedApi()
  setApiForTests(host.api)
  host.handle('getDiff', (a) => ({ ...(a as { a: string; b: string }), zones: [], kinds: new Uint16Array(8), notes: [], pageblocksCompared: true }) as unknown as CaptureDiffDto)
})

async function withSeries(): Promise<ReturnType<typeof useSnapshotStore>> {
  host.handle('listSnapshots', () => [{ id: 's1', path: '/c/series', label: '02-before' }])
  host.handle('getSnapshot', () => sampleView('s1', { path: '/c/series', label: '02-before', series: SERIES }))
  const s = useSnapshotStore()
  await s.init()
  return s
}

describe('useDiffStore', () => {
  it('names captures by label, number or name without the number', () => {
    expect(matchCapture(SERIES, '3')).toBe('03-after-compact-memory')
    expect(matchCapture(SERIES, 'after-compact-memory')).toBe('03-after-compact-memory')
    expect(matchCapture(SERIES, '02-before')).toBe('02-before')
    expect(matchCapture(SERIES, '9')).toBeNull()
    expect(matchCapture(null, '1')).toBeNull()
  })

  it('openDiff opens the capture that is not open yet, then diffs the two and shows the diff view', async () => {
    const s = await withSeries()
    const d = useDiffStore()
    const done = d.openDiff({ snapshotId: 's1' }, { snapshotId: 's1', capture: '3' })
    await tick()
    expect(useUiStore().view).toBe('diff')
    expect(d.opening).toBe('Opening 03-after-compact-memory…')
    const open = host.calls.find((c) => c.method === 'startOpenPath')!
    expect(open.args).toEqual({ path: '/c/series', capture: '03-after-compact-memory' })
    host.emit('run:done', { runId: 'r1', snapshot: sampleView('s2', { path: '/c/series', label: '03-after-compact-memory', series: SERIES }) })
    expect(await done).toBe(true)
    expect(host.calls.filter((c) => c.method === 'getDiff').map((c) => c.args)).toEqual([{ a: 's1', b: 's2' }])
    expect(d.pair).toEqual({ a: 's1', b: 's2' })
    expect(d.result?.a).toBe('s1')
    expect(s.currentId).toBe('s2')
    expect(d.opening).toBeNull()
    // both open now: no second open
    await d.openDiff({ snapshotId: 's2', capture: '02-before' }, { snapshotId: 's2' })
    expect(host.calls.filter((c) => c.method === 'startOpenPath')).toHaveLength(1)
    expect(d.pair).toEqual({ a: 's1', b: 's2' })
  })

  it('a capture that fails to open ends openDiff with an error; a refused diff says why', async () => {
    await withSeries()
    const d = useDiffStore()
    const done = d.openDiff({ snapshotId: 's1' }, { snapshotId: 's1', capture: '01-boot' })
    await tick()
    host.emit('run:failed', { runId: 'r1', error: { code: 'bad-input', message: '/c/series/01-boot/buddyinfo:2: expected a zone' } })
    expect(await done).toBe(false)
    expect(d.error).toMatch(/could not be opened/)
    expect(await d.openDiff({ snapshotId: 's1' }, { snapshotId: 's1', capture: 'nope' })).toBe(false)
    expect(d.error).toMatch(/has no capture "nope" \(its captures: 01-boot, 02-before/)
    host.handle('getDiff', () => { throw { code: 'bad-input', message: 'zone DMA32 of node 0 spans … : these are captures of two machines' } })
    expect(await d.compare('s1', 's9')).toBe(false)
    expect(d.error).toMatch(/two machines/)
  })

  it('the default pair: the previous open capture of the series, else another open snapshot; closing one side drops the diff', async () => {
    const a = sampleView('s1', { path: '/p', label: '01-boot', series: SERIES })
    const b = sampleView('s2', { path: '/p', label: '03-after-compact-memory', series: SERIES })
    const c = sampleView('s3', { path: '/p', label: '02-before', series: SERIES })
    expect(defaultPair(b, [a, b, c])).toEqual({ a: 's3', b: 's2' })
    expect(defaultPair(a, [a, sampleView('x')])).toEqual({ a: 'x', b: 's1' })
    expect(defaultPair(a, [a])).toBeNull()
    const s = await withSeries()
    const d = useDiffStore()
    await d.compare('s1', 's1')
    expect(d.error).toMatch(/two different captures/)
    await d.compare('s1', 's2')
    await s.close('s2')
    expect(d.pair).toBeNull()
    expect(d.result).toBeNull()
  })
})
