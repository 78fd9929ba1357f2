import { beforeEach, describe, expect, it } from 'vitest'
import { sampleView, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { whatifStoreHost } from '../test-utils/whatif_setup.ts'
import { sampleWhatif } from '../test-utils/whatif_sample.ts'
import { defaultDraft, draftToArgs, HISTORY, parseTarget, requestTitle, targetOptions, useWhatifStore, type WhatifDraft } from './whatif.ts'
import { useSnapshotStore } from './snapshots.ts'

const tick = () => new Promise((r) => setTimeout(r, 0))
const snap = sampleView('s1')

let host: ScriptedApi
beforeEach(() => {
  host = whatifStoreHost('startWhatifCompact', 'w')
})

function draft(over: Partial<WhatifDraft> = {}): WhatifDraft {
  return { ...defaultDraft(snap), ...over }
}

describe('what-if requests', () => {
  it('defaults: full compaction of all nodes, sync, the kernel strategy, pinned auto, one seed', () => {
    const d = defaultDraft(snap)
    expect(d).toMatchObject({ target: 'all', kind: 'full', order: 9, mode: 'sync', pinned: 'auto', seeds: 1 })
    expect(draftToArgs(snap, d)).toEqual({
      ok: true,
      args: {
        id: 's1', mode: 'sync', pinned: 'auto', seeds: 1,
        strategy: { fastIsolateFreepages: true, fastFindMigrateblock: true, honourSkipBits: true, scanUnmovableForSmallOrders: false },
      },
    })
  })

  it('targets: a node, a zone (full compaction only), an order', () => {
    expect(draftToArgs(snap, draft({ target: 'node:0' }))).toMatchObject({ ok: true, args: { node: 0 } })
    expect(draftToArgs(snap, draft({ target: 'zone:0:DMA32' }))).toMatchObject({ ok: true, args: { node: 0, zone: 'DMA32' } })
    const direct = draftToArgs(snap, draft({ target: 'zone:0:DMA32', kind: 'order', order: 4, mode: 'async' }))
    expect(direct).toMatchObject({ ok: true, args: { node: 0, order: 4, mode: 'async' } })
    expect(direct.ok && 'zone' in direct.args).toBe(false)
    expect(parseTarget('zone:1:Normal')).toEqual({ node: 1, zone: 'Normal' })
    expect(parseTarget('all')).toEqual({})
    const opts = targetOptions(snap, 'order')
    expect(opts.map((o) => o.value)).toEqual(['all', 'node:0', 'zone:0:DMA32'])
    expect(opts.find((o) => o.value === 'zone:0:DMA32')!.disabled).toBe(true)
    expect(targetOptions(snap, 'full')[0]!.label).toBe('All nodes (compact_memory)')
  })

  it('pinned assumption: pages or a share of anonymous pages', () => {
    expect(draftToArgs(snap, draft({ pinned: 'none' }))).toMatchObject({ args: { pinned: 'none' } })
    expect(draftToArgs(snap, draft({ pinned: 'pages', pinnedValue: 2048 }))).toMatchObject({ args: { pinned: { pages: 2048 } } })
    expect(draftToArgs(snap, draft({ pinned: 'percent', pinnedValue: 5 }))).toMatchObject({ args: { pinned: { fraction: 0.05 } } })
  })

  it('refuses what the host would refuse, in plain words', () => {
    expect(draftToArgs(snap, draft({ seeds: 0 }))).toEqual({ ok: false, error: 'seeds must be a whole number from 1 to 32' })
    expect(draftToArgs(snap, draft({ seeds: 33 })).ok).toBe(false)
    expect(draftToArgs(snap, draft({ kind: 'order', order: 11 }))).toEqual({ ok: false, error: 'the order must be a whole number from 1 to 10' })
    expect(draftToArgs(snap, draft({ pinned: 'percent', pinnedValue: 150 })).ok).toBe(false)
    expect(draftToArgs(snap, draft({ pinned: 'pages', pinnedValue: 1.5 })).ok).toBe(false)
    expect(draftToArgs(snap, draft({ target: 'zone:0:Normal' }))).toEqual({ ok: false, error: 'the snapshot has no zone Normal on node 0' })
    expect(draftToArgs(snap, draft({ target: 'node:3' })).ok).toBe(false)
  })

  it('titles', () => {
    expect(requestTitle({ id: 's1' })).toBe('full compaction (compact_memory)')
    expect(requestTitle({ id: 's1', node: 1 })).toBe('full compaction of node 1')
    expect(requestTitle({ id: 's1', node: 0, zone: 'DMA32' })).toBe('full compaction of Node 0, zone DMA32')
    expect(requestTitle({ id: 's1', order: 9 })).toBe('compaction for order 9')
  })
})

describe('useWhatifStore', () => {
  it('starts a run, tracks its progress, keeps the result for the snapshot', async () => {
    const ws = useWhatifStore()
    ws.draftOf(snap).seeds = 4
    const runId = await ws.start(snap)
    expect(runId).toBe('w1')
    expect(host.calls.find((c) => c.method === 'startWhatifCompact')!.args).toMatchObject({ id: 's1', seeds: 4, mode: 'sync' })
    expect(ws.runOf('s1')).toMatchObject({ runId: 'w1', title: 'full compaction (compact_memory)', phase: 'starting' })
    host.emit('run:progress', { runId: 'w1', phase: 'compacting', done: 1, total: 4 })
    host.emit('run:progress', { runId: 'other', phase: 'reading', done: 1, total: 2 })
    expect(ws.runOf('s1')).toMatchObject({ phase: 'compacting', done: 1, total: 4 })
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif({ runId: 'w1' }) })
    expect(ws.runOf('s1')).toBeNull()
    expect(ws.shownOf('s1')!.view.result).toBe('complete')
    expect(ws.shownOf('s1')!.args.seeds).toBe(4)
    expect(ws.resultsOf('other')).toEqual([])
  })

  it('one run per snapshot at a time', async () => {
    const ws = useWhatifStore()
    await ws.start(snap)
    expect(await ws.start(snap)).toBeNull()
    expect(host.calls.filter((c) => c.method === 'startWhatifCompact')).toHaveLength(1)
    expect(await ws.start(sampleView('s2'))).toBe('w2')
  })

  it('keeps a short history, newest first; an earlier result can be shown again', async () => {
    const ws = useWhatifStore()
    for (let i = 1; i <= HISTORY + 2; i++) {
      await ws.start(snap)
      host.emit('whatif:done', { runId: `w${i}`, whatif: sampleWhatif({ runId: `w${i}`, pagesMigrated: i }) })
    }
    expect(ws.resultsOf('s1').map((e) => e.runId)).toEqual(['w7', 'w6', 'w5', 'w4', 'w3'])
    ws.select('s1', 'w5')
    expect(ws.shownOf('s1')!.view.pagesMigrated).toBe(5)
    ws.select('s1', 'w1') // no longer kept
    expect(ws.shownOf('s1')!.runId).toBe('w5')
    // a new result is shown when it arrives
    await ws.start(snap)
    host.emit('whatif:done', { runId: 'w8', whatif: sampleWhatif({ runId: 'w8' }) })
    expect(ws.shownOf('s1')!.runId).toBe('w8')
  })

  it('a failed run: its error in plain words; the results and the open snapshot stay', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => snap)
    const snaps = useSnapshotStore()
    await snaps.init()
    const ws = useWhatifStore()
    await ws.start(snap)
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif() })
    await ws.start(snap)
    host.emit('run:failed', { runId: 'w2', error: { code: 'internal', message: 'no zone Normal on node 0; the model has Node 0, zone DMA32' } })
    expect(ws.errors.s1).toEqual({ title: 'The what-if (full compaction (compact_memory)) failed', message: 'no zone Normal on node 0; the model has Node 0, zone DMA32', code: 'internal' })
    expect(ws.runOf('s1')).toBeNull()
    expect(ws.shownOf('s1')!.runId).toBe('w1')
    expect(snaps.current?.id).toBe('s1')
    expect(snaps.errors).toHaveLength(0)
    // the next start clears it
    await ws.start(snap)
    expect(ws.errors.s1).toBeUndefined()
  })

  it('a start call that fails, and a draft the host would refuse', async () => {
    host.handle('startWhatifCompact', () => { throw { code: 'not-found', message: 'no open snapshot "s1"' } })
    const ws = useWhatifStore()
    expect(await ws.start(snap)).toBeNull()
    expect(ws.errors.s1).toMatchObject({ message: 'no open snapshot "s1"', code: 'not-found' })
    expect(ws.runOf('s1')).toBeNull()
    expect(await ws.start(snap, draft({ seeds: 99 }))).toBeNull()
    expect(ws.errors.s1).toMatchObject({ title: 'Cannot run this what-if', code: 'bad-argument' })
  })

  it('cancel: calls cancelRun; a cancelled run is a notice, not an error', async () => {
    const ws = useWhatifStore()
    await ws.start(snap)
    await ws.cancel('s1')
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'w1' })
    expect(ws.runOf('s1')!.cancelling).toBe(true)
    host.emit('run:failed', { runId: 'w1', error: { code: 'cancelled', message: 'opening /captures/s1 was cancelled' } })
    expect(ws.runOf('s1')).toBeNull()
    expect(ws.errors.s1).toBeUndefined()
    expect(ws.notices.s1).toBe('Cancelled full compaction (compact_memory).')
  })

  it('cancel that comes too late: the run finishes normally', async () => {
    host.handle('cancelRun', () => ({ cancelled: false }))
    const ws = useWhatifStore()
    await ws.start(snap)
    await ws.cancel('s1')
    expect(ws.runOf('s1')!.cancelling).toBe(false)
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif() })
    expect(ws.shownOf('s1')).not.toBeNull()
  })

  it('events that arrive before the start call returns', async () => {
    let release: (v: { runId: string }) => void = () => {}
    host.handle('startWhatifCompact', () => new Promise((r) => (release = r)))
    const ws = useWhatifStore()
    const p = ws.start(snap)
    await tick()
    host.emit('run:progress', { runId: 'w9', phase: 'compacting', done: 0, total: 0 })
    host.emit('whatif:done', { runId: 'w9', whatif: sampleWhatif({ runId: 'w9' }) })
    expect(ws.shownOf('s1')).toBeNull()
    release({ runId: 'w9' })
    expect(await p).toBe('w9')
    expect(ws.runOf('s1')).toBeNull()
    expect(ws.shownOf('s1')!.runId).toBe('w9')

    host.handle('startWhatifCompact', () => new Promise((r) => (release = r)))
    const q = ws.start(snap)
    await tick()
    host.emit('run:failed', { runId: 'w10', error: { code: 'bad-input', message: 'the capture has no buddyinfo' } })
    release({ runId: 'w10' })
    await q
    expect(ws.runOf('s1')).toBeNull()
    expect(ws.errors.s1!.message).toBe('the capture has no buddyinfo')
  })

  it('Cancel before the run has an id cancels it once it has one', async () => {
    let release: (v: { runId: string }) => void = () => {}
    host.handle('startWhatifCompact', () => new Promise((r) => (release = r)))
    const ws = useWhatifStore()
    const p = ws.start(snap)
    await tick()
    await ws.cancel('s1')
    expect(host.calls.filter((c) => c.method === 'cancelRun')).toHaveLength(0)
    release({ runId: 'w3' })
    await p
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'w3' })
  })

  it('closing the snapshot forgets its results and stops its run', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/a', label: null }, { id: 's2', path: '/b', label: null }])
    host.handle('getSnapshot', (a) => sampleView((a as { id: string }).id))
    const snaps = useSnapshotStore()
    await snaps.init()
    const ws = useWhatifStore()
    await ws.start(snap)
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif() })
    await ws.start(snap)
    await snaps.close('s1')
    expect(ws.resultsOf('s1')).toEqual([])
    expect(ws.runOf('s1')).toBeNull()
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'w2' })
    // its late result is ignored
    host.emit('whatif:done', { runId: 'w2', whatif: sampleWhatif({ runId: 'w2' }) })
    expect(ws.resultsOf('s1')).toEqual([])
  })

  it('what-if runs do not show up as snapshot runs', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/a', label: null }])
    host.handle('getSnapshot', () => snap)
    const snaps = useSnapshotStore()
    await snaps.init()
    const ws = useWhatifStore()
    await ws.start(snap)
    host.emit('run:progress', { runId: 'w1', phase: 'compacting', done: 0, total: 0 })
    host.emit('run:failed', { runId: 'w1', error: { code: 'internal', message: 'boom' } })
    expect(snaps.runs).toHaveLength(0)
    expect(snaps.errors).toHaveLength(0)
    expect(ws.errors.s1!.message).toBe('boom')
  })
})
