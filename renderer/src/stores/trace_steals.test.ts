import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import type { TraceStealsDto } from '../api/types.ts'
import { scriptedApi, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { useTraceStealsStore } from './trace_steals.ts'

const steals: TraceStealsDto = {
  id: 's1', path: '/t/trace.txt', format: 'ftrace', fallbacks: 3, outside: 1, unplaced: 0,
  blocks: [{ pageblock: 7, pfn: 0x1000 + 7 * 512, events: [{ ts: 1.5, task: 'find', from: 'Movable', to: 'Reclaimable', order: 10, claimed: true }] }],
}

let host: ScriptedApi
beforeEach(() => {
  setActivePinia(createPinia())
  host = scriptedApi()
  setApiForTests(host.api)
})

describe('useTraceStealsStore', () => {
  it('loads a trace for one snapshot; the picked pageblock\'s fallbacks; clear forgets it', async () => {
    const asked: unknown[] = []
    host.handle('getTraceSteals', (a) => {
      asked.push(a)
      return steals
    })
    const s = useTraceStealsStore()
    await s.load('s1', ' /t/trace.txt ')
    expect(asked).toEqual([{ id: 's1', path: '/t/trace.txt' }])
    expect(s.byId['s1']).toMatchObject({ status: 'ready', steals })
    expect(s.eventsOf('s1', 7)?.events[0]?.task).toBe('find')
    expect(s.eventsOf('s1', 8)).toBeNull()
    expect(s.eventsOf('s2', 7)).toBeNull()
    s.clear('s1')
    expect(s.byId['s1']).toBeUndefined()
  })

  it('an empty path or the host\'s refusal shows in plain words', async () => {
    host.handle('getTraceSteals', () => { throw { code: 'bad-input', message: '/t/x: cannot read (no such file)' } })
    const s = useTraceStealsStore()
    await s.load('s1', '  ')
    expect(s.byId['s1']?.error?.code).toBe('bad-argument')
    await s.load('s1', '/t/x')
    expect(s.byId['s1']).toMatchObject({ status: 'failed', error: { code: 'bad-input', message: '/t/x: cannot read (no such file)' } })
  })
})
