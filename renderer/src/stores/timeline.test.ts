import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import type { TimelineDto } from '../api/types.ts'
import { sampleView, scriptedApi, type ScriptedApi } from '../test-utils/scripted_api.ts'
import sample from '../test-utils/timeline_sample.json'
import { useTimelineStore, type TimelinePair } from './timeline.ts'
import { useSnapshotStore } from './snapshots.ts'

const t = sample as unknown as TimelineDto
const PATH = '/captures/x86-1G-s2-hugetlb'

let host: ScriptedApi
beforeEach(() => {
  setActivePinia(createPinia())
  host = scriptedApi()
  setApiForTests(host.api)
})

describe('useTimelineStore', () => {
  it('loads the summary first, then the timeline with mixed pageblocks', async () => {
    const asked: unknown[] = []
    host.handle('getTimeline', (a) => {
      asked.push(a)
      return t
    })
    const s = useTimelineStore()
    await s.load([PATH])
    expect(asked).toEqual([{ paths: [PATH], summaryOnly: true }, { paths: [PATH] }])
    expect(s.entry([PATH])).toMatchObject({ status: 'ready', detailed: true })
    expect(s.zoneOf([PATH])).toBe('0:DMA32')
    await s.load([PATH])
    expect(asked).toHaveLength(2)
  })

  it('a trace: asks for the timeline with it (summary only), keeps its intervals per series; a refusal in plain words; clear forgets it', async () => {
    const asked: unknown[] = []
    const trace = { path: '/t/trace.txt', format: 'ftrace' as const, fallbacks: 0, intervals: [], notes: [] }
    host.handle('getTimeline', (a) => {
      asked.push(a)
      if ((a as { trace?: string }).trace === '/t/nope.txt') throw { code: 'bad-input', message: '/t/nope.txt: cannot read (no such file)' }
      return { ...t, trace }
    })
    const s = useTimelineStore()
    await s.loadTrace([PATH], ' /t/trace.txt ')
    expect(asked).toEqual([{ paths: [PATH], summaryOnly: true, trace: '/t/trace.txt' }])
    expect(s.traceOf([PATH])).toMatchObject({ status: 'ready', path: '/t/trace.txt', trace })
    expect(s.traceOf(['/other'])).toBeNull()
    await s.loadTrace([PATH], '/t/nope.txt')
    expect(s.traceOf([PATH])).toMatchObject({ status: 'failed', trace: null, error: { message: '/t/nope.txt: cannot read (no such file)' } })
    await s.loadTrace([PATH], '  ')
    expect(s.traceOf([PATH])?.error?.message).toMatch(/enter the path of a trace/)
    expect(asked).toHaveLength(2)
    s.clearTrace([PATH])
    expect(s.traceOf([PATH])).toBeNull()
  })

  it('a failure shows in plain words', async () => {
    host.handle('getTimeline', () => { throw { code: 'bad-input', message: '/x: is a single capture, not a series' } })
    const s = useTimelineStore()
    await s.load(['/x'])
    expect(s.entry(['/x'])).toMatchObject({ status: 'failed', error: { code: 'bad-input', message: '/x: is a single capture, not a series' } })
  })

  it('two clicks in compare mode select a pair, in time order, announced to listeners', () => {
    const s = useTimelineStore()
    const heard: TimelinePair[] = []
    const off = s.onPairSelected((p) => heard.push(p))
    expect(s.hasPairListener()).toBe(true)
    s.clickMode = 'compare'
    s.clickPoint(t, '05-after-compact-memory')
    expect(s.pending).toBe('05-after-compact-memory')
    s.clickPoint(t, '02-before')
    expect(heard).toEqual([{
      paths: [PATH],
      a: { label: '02-before', open: { path: PATH, capture: '02-before' } },
      b: { label: '05-after-compact-memory', open: { path: PATH, capture: '05-after-compact-memory' } },
    }])
    expect(s.pair).toEqual(heard[0])
    expect(s.pending).toBeNull()
    off()
    expect(s.hasPairListener()).toBe(false)
  })

  it('a click opens the capture of the point: the current tab switches to it', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: PATH, label: '02-before' }])
    host.handle('getSnapshot', () => ({ ...sampleView('s1'), path: PATH, label: '02-before', series: t.points.map((p) => p.label) }))
    const snaps = useSnapshotStore()
    await snaps.init()
    const s = useTimelineStore()
    s.clickPoint(t, '05-after-compact-memory')
    await new Promise((r) => setTimeout(r, 0))
    expect(host.calls.find((c) => c.method === 'startOpenPath')!.args).toMatchObject({ path: PATH, capture: '05-after-compact-memory' })
    // Shift+click compares even in open mode
    s.clickPoint(t, '01-boot', true)
    expect(s.pending).toBe('01-boot')
  })
})
