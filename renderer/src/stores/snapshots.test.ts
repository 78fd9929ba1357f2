import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import { sampleView, scriptedApi, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { useSnapshotStore } from './snapshots.ts'
import { usePageblockStore } from './pageblocks.ts'
import { useUiStore } from './ui.ts'

const tick = () => new Promise((r) => setTimeout(r, 0))

let host: ScriptedApi
beforeEach(() => {
  setActivePinia(createPinia())
  host = scriptedApi()
  setApiForTests(host.api)
})

describe('useSnapshotStore', () => {
  it('on first start with nothing open, opens the bundled capture', async () => {
    const s = useSnapshotStore()
    await s.init()
    expect(host.calls.map((c) => c.method)).toContain('startOpenBundled')
    expect(s.runs).toHaveLength(1)
    expect(s.runs[0]!.title).toBe('the bundled capture')
    host.emit('run:progress', { runId: 'r1', phase: 'parsing', done: 3, total: 10 })
    expect(s.runs[0]).toMatchObject({ phase: 'parsing', done: 3, total: 10 })
    host.emit('run:done', { runId: 'r1', snapshot: sampleView('s1') })
    expect(s.runs).toHaveLength(0)
    expect(s.current?.id).toBe('s1')
  })

  it('shows the Open UI when the bundled capture cannot be opened', async () => {
    host.handle('startOpenBundled', () => { throw { code: 'not-found', message: 'no bundled capture in this build' } })
    const s = useSnapshotStore()
    await s.init()
    expect(s.errors.at(-1)).toMatchObject({ message: 'no bundled capture in this build' })
    expect(useUiStore().openPanel).toBe(true)
    expect(s.current).toBeNull()
  })

  it('picks up snapshots the host already has open instead of opening the bundled one', async () => {
    host.handle('listSnapshots', () => [{ id: 's7', path: '/captures/s7', label: null }])
    host.handle('getSnapshot', (a) => sampleView((a as { id: string }).id))
    const s = useSnapshotStore()
    await s.init()
    expect(s.current?.id).toBe('s7')
    expect(host.calls.map((c) => c.method)).not.toContain('startOpenBundled')
  })

  it('a failed run shows its error in plain words and keeps the open snapshot', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    await s.init()
    const runId = await s.openPath('/data/broken')
    expect(runId).toBe('r1')
    expect(host.calls.find((c) => c.method === 'startOpenPath')!.args).toEqual({ path: '/data/broken' })
    host.emit('run:failed', { runId: 'r1', error: { code: 'bad-input', message: '/data/broken/buddyinfo line 3: expected a zone' } })
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]!.title).toBe('Could not open /data/broken')
    expect(s.errors[0]!.message).toBe('/data/broken/buddyinfo line 3: expected a zone')
    expect(s.current?.id).toBe('s1')
    expect(s.snapshots).toHaveLength(1)
    s.dismissError(s.errors[0]!.id)
    expect(s.errors).toHaveLength(0)
  })

  it('a later open that works clears the banner of the failed one; other errors stay', async () => {
    host.handle('getSnapshot', () => sampleView('s2'))
    const s = useSnapshotStore()
    await s.init()
    await s.openPath('/data/broken')
    host.emit('run:failed', { runId: 'r1', error: { code: 'bad-input', message: '/data/broken/buddyinfo line 3: expected a zone' } })
    s.reportError('Could not list open snapshots', { code: 'internal', message: 'x' })
    expect(s.errors).toHaveLength(2)
    await s.openPath('/data/good')
    host.emit('run:done', { runId: 'r2', snapshot: sampleView('s2') })
    expect(s.errors.map((e) => e.title)).toEqual(['Could not list open snapshots'])
  })

  it('cancel: calls cancelRun; a cancelled run is a notice, not an error', async () => {
    const s = useSnapshotStore()
    await s.init()
    await s.cancelRun('r1')
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'r1' })
    expect(s.runs[0]!.cancelling).toBe(true)
    host.emit('run:failed', { runId: 'r1', error: { code: 'cancelled', message: 'cancelled' } })
    expect(s.runs).toHaveLength(0)
    expect(s.errors).toHaveLength(0)
    expect(s.notice).toContain('Cancelled')
  })

  it('handles events that arrive before the start call returns', async () => {
    let release: (v: { runId: string }) => void = () => {}
    host.handle('startOpenPath', () => new Promise((r) => (release = r)))
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    await s.init()
    const p = s.openPath('/captures/fast')
    await tick()
    host.emit('run:done', { runId: 'r9', snapshot: sampleView('s2') })
    release({ runId: 'r9' })
    await p
    expect(s.runs).toHaveLength(0) // not resurrected
    expect(s.current?.id).toBe('s2')
  })

  it('a failure that arrives before the start call returns is still reported', async () => {
    let release: (v: { runId: string }) => void = () => {}
    host.handle('startOpenPath', () => new Promise((r) => (release = r)))
    const s = useSnapshotStore()
    await s.init()
    const p = s.openPath('/x/quick-fail')
    await tick()
    host.emit('run:progress', { runId: 'r5', phase: 'reading', done: 1, total: 2 })
    host.emit('run:failed', { runId: 'r5', error: { code: 'bad-input', message: 'no buddyinfo' } })
    expect(s.errors).toHaveLength(0)
    release({ runId: 'r5' })
    await p
    expect(s.runs.find((r) => r.runId === 'r5')).toBeUndefined()
    expect(s.errors.at(-1)).toMatchObject({ title: 'Could not open /x/quick-fail', message: 'no buddyinfo' })
  })

  it('ignores progress and failures of runs it did not start (e.g. what-if runs)', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/a', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    await s.init()
    host.emit('run:progress', { runId: 'w1', phase: 'compacting', done: 1, total: 9 })
    host.emit('run:failed', { runId: 'w1', error: { code: 'internal', message: 'what-if failed' } })
    expect(s.runs).toHaveLength(0)
    expect(s.errors).toHaveLength(0)
  })

  it('passes layout, seed and capture options; refuses an empty path', async () => {
    const s = useSnapshotStore()
    await s.init()
    await s.openPath('  /c/series ', { capture: '03-after', layout: 'synthesized', seed: 7 })
    expect(host.calls.filter((c) => c.method === 'startOpenPath').at(-1)!.args).toEqual({ path: '/c/series', capture: '03-after', layout: 'synthesized', seed: 7 })
    expect(await s.openPath('   ')).toBeNull()
    expect(s.errors.at(-1)!.title).toBe('Nothing to open')
  })

  it('switches to an already open capture of the series, else opens it', async () => {
    const a = sampleView('s1', { path: '/c/series', label: '02-before', series: ['01-boot', '02-before', '03-after'] })
    const b = sampleView('s2', { path: '/c/series', label: '03-after', series: a.series })
    host.handle('listSnapshots', () => [{ id: 's1', path: a.path, label: a.label }, { id: 's2', path: b.path, label: b.label }])
    host.handle('getSnapshot', (x) => ((x as { id: string }).id === 's1' ? a : b))
    const s = useSnapshotStore()
    await s.init()
    s.select('s1')
    await s.openCapture('03-after')
    expect(s.currentId).toBe('s2')
    s.select('s1')
    const runId = await s.openCapture('01-boot')
    expect(host.calls.filter((c) => c.method === 'startOpenPath').at(-1)!.args).toEqual({ path: '/c/series', capture: '01-boot' })
    // the new capture takes the tab of the one it was chosen from, which closes
    host.emit('run:done', { runId: runId!, snapshot: sampleView('s3', { path: '/c/series', label: '01-boot', series: a.series }) })
    expect(s.currentId).toBe('s3')
    await new Promise((r) => setTimeout(r, 0))
    expect(s.snapshots.map((x) => x.id)).toEqual(['s3', 's2'])
    expect(host.calls.some((c) => c.method === 'closeSnapshot' && (c.args as { id: string }).id === 's1')).toBe(true)
  })

  it('uploads files; too many files is an error before any call', async () => {
    const s = useSnapshotStore()
    await s.init()
    await s.openUpload([{ name: 'buddyinfo', data: new Uint8Array([1]) }])
    expect(host.calls.filter((c) => c.method === 'startOpenUpload')).toHaveLength(1)
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `f${i}`, data: new Uint8Array(0) }))
    expect(await s.openUpload(many)).toBeNull()
    expect(host.calls.filter((c) => c.method === 'startOpenUpload')).toHaveLength(1)
  })

  it('native dialog: unsupported opens the path panel; a chosen path opens', async () => {
    const s = useSnapshotStore()
    await s.init()
    expect(await s.pickAndOpen('directory')).toBe('unsupported')
    expect(useUiStore().openPanel).toBe(true)
    host.handle('pickSnapshotPath', () => ({ path: '/picked', supported: true }))
    expect(await s.pickAndOpen('directory')).toBe('started')
    expect(host.calls.filter((c) => c.method === 'startOpenPath').at(-1)!.args).toEqual({ path: '/picked' })
  })

  it('closing the current snapshot selects a neighbour and drops its map', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/a', label: null }, { id: 's2', path: '/b', label: null }])
    host.handle('getSnapshot', (x) => sampleView((x as { id: string }).id))
    host.handle('getPageblockMap', () => ({ id: 's2', mt: new Uint8Array(8), free: new Uint16Array(8), movable: new Uint16Array(8), unmovable: new Uint16Array(8), reclaimable: new Uint16Array(8), pinned: new Uint16Array(8), mixed: new Uint8Array(8) }))
    const s = useSnapshotStore()
    const pb = usePageblockStore()
    await s.init()
    s.select('s2')
    await pb.ensureMap('s2')
    expect(pb.maps.s2).toBeDefined()
    await s.close('s2')
    expect(s.currentId).toBe('s1')
    expect(pb.maps.s2).toBeUndefined()
  })

  it('menu commands: theme and close', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/a', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    const ui = useUiStore()
    await s.init()
    host.emit('menu:command', { command: 'theme-light' })
    expect(ui.theme).toBe('light')
    host.emit('menu:command', { command: 'how-to-capture' })
    expect(ui.dialog).toBe('how-to-capture')
    host.emit('menu:command', { command: 'close-snapshot' })
    await tick()
    expect(s.snapshots).toHaveLength(0)
  })
})

describe('usePageblockStore', () => {
  it('fetches a map once and the latest clicked pageblock wins', async () => {
    let mapCalls = 0
    host.handle('getPageblockMap', () => {
      mapCalls++
      return { id: 's1', mt: new Uint8Array(8), free: new Uint16Array(8), movable: new Uint16Array(8), unmovable: new Uint16Array(8), reclaimable: new Uint16Array(8), pinned: new Uint16Array(8), mixed: new Uint8Array(8) }
    })
    const resolvers: Array<() => void> = []
    host.handle('getPageblockDetail', (a) => new Promise((r) => resolvers.push(() => r({ id: 's1', pageblock: (a as { pageblock: number }).pageblock }))))
    const pb = usePageblockStore()
    await Promise.all([pb.ensureMap('s1'), pb.ensureMap('s1')])
    await pb.ensureMap('s1')
    expect(mapCalls).toBe(1)
    const first = pb.selectPageblock('s1', 3)
    const second = pb.selectPageblock('s1', 5)
    await tick()
    resolvers[1]!()
    await second
    resolvers[0]!()
    await first
    expect(pb.detail?.pageblock).toBe(5)
    expect(pb.selected).toEqual({ id: 's1', pageblock: 5 })
  })

  it('reports a failed map load in plain words', async () => {
    host.handle('getPageblockMap', () => { throw { code: 'not-found', message: 'no open snapshot "s9"' } })
    const pb = usePageblockStore()
    expect(await pb.ensureMap('s9')).toBeNull()
    expect(pb.mapError).toBe('Could not load the pageblock map: no open snapshot "s9"')
  })
})

describe('snapshot titles', () => {
  it('names an upload after what was uploaded, not the host temporary directory', async () => {
    setActivePinia(createPinia())
    const h = scriptedApi()
    setApiForTests(h.api)
    h.handle('listSnapshots', () => [{ id: 's1', path: '/a', label: null }])
    h.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    await s.init()
    await s.openUpload([{ name: 'buddyinfo', data: new Uint8Array(1) }, { name: 'zoneinfo', data: new Uint8Array(1) }], undefined, 'cap-host7')
    h.emit('run:done', { runId: 'r1', snapshot: sampleView('s2', { path: '/tmp/buddyscope-upload-x/u3' }) })
    expect(s.titleOf(s.current!)).toBe('cap-host7')
    expect(s.titleOf(s.snapshots[0]!)).toBe('s1')
  })

  it('names loose uploaded files by host, kernel and capture time', async () => {
    setActivePinia(createPinia())
    const h = scriptedApi()
    setApiForTests(h.api)
    const s = useSnapshotStore()
    await s.init()
    const files = Array.from({ length: 3 }, (_, i) => ({ name: `f${i}`, data: new Uint8Array(1) }))
    const runId = await s.openUpload(files, undefined, 'uploaded capture (3 files)')
    const view = sampleView('s3', { path: '/tmp/buddyscope-upload-x/u4' })
    view.machine = { ...view.machine, hostname: 'db7', kernelRelease: '6.12.48+deb13-amd64', captureTime: '2026-11-30T08:15:02.123Z' }
    h.emit('run:done', { runId: runId!, snapshot: view })
    expect(s.titleOf(s.current!)).toBe('db7 · 6.12.48+deb13-amd64 · 2026-11-30 08:15:02')
  })
})

describe('an open in two stages: the summary, then the model', () => {
  const summary = (path: string) => ({
    path, label: null, migratetypes: ['Unmovable', 'Movable'], pageSize: 4096,
    machine: { ...sampleView('x').machine },
    zones: [{ node: 0, zone: 'Normal', startPfn: 0, spanned: 1024, present: 1024, managed: 1000, freeBlocks: [3, 2, 1], freeBlocksByMigratetype: { Unmovable: [1, 0, 0], Movable: [2, 2, 1] } }],
  })

  it('shows the summary of its own open until run:done brings the snapshot', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    await s.init()
    const runId = await s.openPath('/data/big')
    host.emit('run:summary', { runId: runId!, summary: summary('/data/big') })
    expect(s.preview?.summary.path).toBe('/data/big')
    expect(s.preview?.run.runId).toBe(runId)
    expect(s.current?.id).toBe('s1')
    host.emit('run:progress', { runId: runId!, phase: 'synthesizing layout', done: 0, total: 0 })
    expect(s.preview?.run.phase).toBe('synthesizing layout')
    host.emit('run:done', { runId: runId!, snapshot: sampleView('s2') })
    expect(s.preview).toBeNull()
    expect(s.current?.id).toBe('s2')
  })

  it('a summary that comes before the start call answers is shown once the run is known; a failure drops it', async () => {
    host.handle('listSnapshots', () => [])
    host.handle('startOpenBundled', () => ({ runId: 'r0' }))
    host.handle('startOpenPath', () => {
      host.emit('run:summary', { runId: 'r5', summary: summary('/data/early') })
      return { runId: 'r5' }
    })
    const s = useSnapshotStore()
    await s.init()
    await s.openPath('/data/early')
    expect(s.preview?.summary.path).toBe('/data/early')
    host.emit('run:failed', { runId: 'r5', error: { code: 'bad-input', message: '/data/early/zoneinfo line 9: expected a number' } })
    expect(s.preview).toBeNull()
    expect(s.errors.at(-1)?.title).toBe('Could not open /data/early')
  })

  it('another window\'s open is not shown, and picking a tab leaves the preview', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const s = useSnapshotStore()
    await s.init()
    host.emit('run:summary', { runId: 'r99', summary: summary('/elsewhere') })
    expect(s.preview).toBeNull()
    const runId = await s.openPath('/data/big')
    host.emit('run:summary', { runId: runId!, summary: summary('/data/big') })
    expect(s.preview).not.toBeNull()
    s.select('s1')
    expect(s.preview).toBeNull()
    expect(s.runs.map((r) => r.runId)).toContain(runId)
  })
})
