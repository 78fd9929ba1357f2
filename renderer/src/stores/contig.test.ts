import { beforeEach, describe, expect, it } from 'vitest'
import { sampleView, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { whatifStoreHost } from '../test-utils/whatif_setup.ts'
import { contigView, sampleCma, sampleHugetlb } from '../test-utils/contig_sample.ts'
import { contigDraftToArgs, contigTitle, defaultContigDraft, hugePageSizes, parseSize, useContigStore, type ContigDraft } from './contig.ts'
import { useWhatifStore } from './whatif.ts'

const tick = () => new Promise((r) => setTimeout(r, 0))
const snap = sampleView('s1')
const arm = sampleView('s2', { machine: { ...sampleView('s2').machine, arch: 'arm64' } })

let host: ScriptedApi
beforeEach(() => {
  host = whatifStoreHost('startWhatifContig', 'c')
})

function draft(over: Partial<ContigDraft> = {}): ContigDraft {
  return { ...defaultContigDraft(snap), ...over }
}

describe('contiguous what-if requests', () => {
  it('sizes', () => {
    expect(parseSize('64M')).toBe(64 << 20)
    expect(parseSize('1.5 GiB')).toBe(1.5 * 2 ** 30)
    expect(parseSize('4096')).toBe(4096)
    expect(parseSize('256k')).toBe(256 << 10)
    expect(parseSize('lots')).toBeNull()
    expect(parseSize('0')).toBeNull()
  })

  it('huge page sizes: 2M and 1G; arm64 (4 KiB pages) also 64K and 32M', () => {
    expect(hugePageSizes(snap)).toEqual([2 << 20, 1 << 30])
    expect(hugePageSizes(arm)).toEqual([64 << 10, 2 << 20, 32 << 20, 1 << 30])
  })

  it('CMA: size or pages, align, area by name or range, migrate-before-pin', () => {
    expect(contigDraftToArgs(snap, draft())).toEqual({ ok: true, args: { id: 's1', kind: 'cma', sizeBytes: 64 << 20, pinned: 'auto', seeds: 1 } })
    expect(contigDraftToArgs(snap, draft({ cmaAmount: 'pages', cmaPages: 1024, cmaAlign: 4, cmaArea: 'name', cmaAreaName: ' reserved ', migrateBeforePin: 'off' })))
      .toEqual({ ok: true, args: { id: 's1', kind: 'cma', pages: 1024, align: 4, area: 'reserved', migrateBeforePin: false, pinned: 'auto', seeds: 1 } })
    expect(contigDraftToArgs(snap, draft({ cmaArea: 'range', cmaBasePfn: 1024, cmaAreaCount: 2048 }))).toMatchObject({ ok: true, args: { basePfn: 1024, areaCount: 2048 } })
    expect(contigDraftToArgs(snap, draft({ cmaSize: 'big' }))).toMatchObject({ ok: false })
    expect(contigDraftToArgs(snap, draft({ cmaArea: 'name', cmaAreaName: '' }))).toMatchObject({ ok: false })
  })

  it('hugetlb, contig, THP and the common options', () => {
    expect(contigDraftToArgs(snap, draft({ kind: 'hugetlb', hugeCount: 64, compaction: false, pinned: 'percent', pinnedValue: 5 })))
      .toEqual({ ok: true, args: { id: 's1', kind: 'hugetlb', count: 64, hugeSizeBytes: 2 << 20, compaction: false, pinned: { fraction: 0.05 }, seeds: 1 } })
    expect(contigDraftToArgs(snap, draft({ kind: 'contig', contigSize: '2G', gfp: 'movable', node: '0', movable: 'size', movableSize: '1G', seeds: 4 })))
      .toEqual({ ok: true, args: { id: 's1', kind: 'contig', sizeBytes: 2 * 2 ** 30, gfp: 'movable', node: 0, pinned: 'auto', movablecore: { bytes: 1 << 30 }, seeds: 4 } })
    expect(contigDraftToArgs(snap, draft({ kind: 'contig', node: '3' }))).toMatchObject({ ok: false, error: 'the snapshot has no node 3' })
    expect(contigDraftToArgs(snap, draft({ kind: 'thp', defrag: 'always', madvised: false, movable: 'percent', movablePercent: 25 })))
      .toEqual({ ok: true, args: { id: 's1', kind: 'thp', defrag: 'always', madvised: false, pinned: 'auto', movablecore: { percent: 25 }, seeds: 1 } })
    // transparent_hugepage/enabled: as captured unless chosen
    expect(contigDraftToArgs(snap, draft({ kind: 'thp', enabled: 'never' }))).toMatchObject({ ok: true, args: { kind: 'thp', enabled: 'never' } })
    expect(contigDraftToArgs(snap, draft({ seeds: 0 }))).toMatchObject({ ok: false })
  })

  it('says the first thing wrong among the common options: pinned pages, then movablecore, then seeds', () => {
    const bad = { pinned: 'pages', pinnedValue: 1.5, movable: 'percent', movablePercent: 150, seeds: 0 } as const
    expect(contigDraftToArgs(snap, draft(bad))).toEqual({ ok: false, error: 'pinned pages must be a whole number, 0 or more' })
    expect(contigDraftToArgs(snap, draft({ ...bad, pinned: 'percent', pinnedValue: 101 }))).toEqual({ ok: false, error: 'the pinned share must be between 0 and 100 %' })
    expect(contigDraftToArgs(snap, draft({ ...bad, pinned: 'none' }))).toEqual({ ok: false, error: 'movablecore must be between 0 and 100 %' })
    expect(contigDraftToArgs(snap, draft({ ...bad, pinned: 'none', movable: 'none' }))).toEqual({ ok: false, error: 'seeds must be a whole number from 1 to 32' })
  })

  it('titles', () => {
    expect(contigTitle({ id: 's1', kind: 'cma', sizeBytes: 64 << 20 }, 4096)).toBe('a 64 MiB CMA allocation')
    expect(contigTitle({ id: 's1', kind: 'hugetlb', count: 64, hugeSizeBytes: 2 << 20 }, 4096)).toBe('growing the 2 MiB hugetlb pool by 64')
    expect(contigTitle({ id: 's1', kind: 'thp', defrag: 'always', madvised: true }, 4096)).toBe('a THP fault (defrag=always, madvised)')
  })
})

describe('contig store', () => {
  it('runs with progress, keeps the result per kind, and the kind shown per snapshot', async () => {
    const cs = useContigStore()
    expect(cs.whatOf('s1')).toBe('compact')
    cs.setWhat('s1', 'cma')
    expect(cs.draftOf(snap).kind).toBe('cma')
    const id = await cs.start(snap)
    expect(id).toBe('c1')
    expect(host.calls.find((c) => c.method === 'startWhatifContig')!.args).toMatchObject({ id: 's1', kind: 'cma' })
    // a second run waits for the first
    expect(await cs.start(snap)).toBeNull()
    host.emit('run:progress', { runId: 'c1', phase: 'isolating', done: 1, total: 4 })
    expect(cs.runOf('s1')).toMatchObject({ phase: 'isolating', done: 1, total: 4 })
    host.emit('whatif:contig-done', { runId: 'c1', whatif: contigView(sampleCma(), 'c1') })
    expect(cs.runOf('s1')).toBeNull()
    expect(cs.shownOf('s1', 'cma')!.view.result.kind).toBe('cma')
    expect(cs.shownOf('s1', 'hugetlb')).toBeNull()
    cs.setWhat('s1', 'hugetlb')
    await cs.start(snap)
    host.emit('whatif:contig-done', { runId: 'c2', whatif: contigView(sampleHugetlb(), 'c2') })
    expect(cs.shownOf('s1', 'hugetlb')!.runId).toBe('c2')
    expect(cs.shownOf('s1', 'cma')!.runId).toBe('c1')
    // the compaction store does not take it for its own
    expect(useWhatifStore().resultsOf('s1')).toEqual([])
  })

  it('events before the start call answers; cancel; failures in words', async () => {
    const cs = useContigStore()
    cs.setWhat('s1', 'cma')
    host.handle('startWhatifContig', async () => {
      await tick()
      host.emit('whatif:contig-done', { runId: 'c9', whatif: contigView(sampleCma(), 'c9') })
      return { runId: 'c9' }
    })
    await cs.start(snap)
    expect(cs.shownOf('s1', 'cma')!.runId).toBe('c9')

    host.handle('startWhatifContig', () => ({ runId: 'c10' }))
    await cs.start(snap)
    await cs.cancel('s1')
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'c10' })
    host.emit('run:failed', { runId: 'c10', error: { code: 'cancelled', message: 'cancelled' } })
    expect(cs.notices.s1).toContain('Cancelled a 64 MiB CMA allocation')

    host.handle('startWhatifContig', () => ({ runId: 'c11' }))
    await cs.start(snap)
    expect(cs.notices.s1).toBeUndefined()
    host.emit('run:failed', { runId: 'c11', error: { code: 'bad-input', message: 'the capture has no CMA area' } })
    expect(cs.errors.s1).toMatchObject({ code: 'bad-input', message: 'the capture has no CMA area' })

    host.handle('startWhatifContig', () => { throw { code: 'unsupported', message: 'no host' } })
    await cs.start(snap)
    expect(cs.errors.s1).toMatchObject({ code: 'unsupported' })
    expect(cs.runOf('s1')).toBeNull()

    cs.drafts.s1!.cmaSize = 'x'
    expect(await cs.start(snap)).toBeNull()
    expect(cs.errors.s1).toMatchObject({ code: 'bad-argument' })
  })

  it('forget drops a closed snapshot and stops its run', async () => {
    const cs = useContigStore()
    cs.setWhat('s1', 'thp')
    await cs.start(snap)
    cs.forget('s1')
    expect(cs.runOf('s1')).toBeNull()
    expect(cs.whatOf('s1')).toBe('compact')
    expect(host.calls.some((c) => c.method === 'cancelRun')).toBe(true)
  })
})
