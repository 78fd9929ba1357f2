import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import type { FleetDto, FleetRowDto } from '../api/types.ts'
import { scriptedApi, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { useFleetStore } from './fleet.ts'

function row(path: string, o: Partial<FleetRowDto> = {}): FleetRowDto {
  return {
    path, label: null, host: null, kernel: null, arch: null, captureTime: null, uptimeSeconds: null, layout: 'exact', memoryBytes: null, freeBytes: null,
    freeGe2MiBBytes: null, clean2MiB: null, ranges2MiB: null, clean1GiB: null, ranges1GiB: null, fragmentationScore: null, mixedBlockShare: null,
    unmovableMemoryShare: null, unmovableBlockShare: null, topPolluter: null, findings: null, warnings: null, error: null, ...o,
  }
}
const fleet: FleetDto = {
  input: '/captures',
  rows: [row('/captures/b', { host: 'b', fragmentationScore: 9 }), row('/captures/s', { host: 'a', label: '02-before', fragmentationScore: 30 }), row('/captures/x', { error: 'broken' })],
  errors: 1,
}

let host: ScriptedApi
beforeEach(() => {
  setActivePinia(createPinia())
  host = scriptedApi()
  setApiForTests(host.api)
})

describe('useFleetStore', () => {
  it('loads the fleet a path names and shows it, sorted by host; a header click sorts, a second turns the direction', async () => {
    const asked: unknown[] = []
    host.handle('getFleet', (a) => {
      asked.push(a)
      return fleet
    })
    const s = useFleetStore()
    expect(await s.load('  /captures ')).toBe(true)
    expect(asked).toEqual([{ path: '/captures' }])
    expect(s.shown).toBe(true)
    expect(s.rows.map((r) => r.host)).toEqual(['a', 'b', null])
    s.sort('score')
    expect(s.rows.map((r) => r.path)).toEqual(['/captures/b', '/captures/s', '/captures/x'])
    s.sort('score')
    expect(s.sortDir).toBe('desc')
    expect(s.rows.map((r) => r.path)).toEqual(['/captures/s', '/captures/b', '/captures/x'])
  })

  it('checked rows are the compared ones; a row opens its capture (of a series: its label) and hides the fleet', async () => {
    host.handle('getFleet', () => fleet)
    const opened: unknown[] = []
    host.handle('startOpenPath', (a) => {
      opened.push(a)
      return { runId: 'r1' }
    })
    const s = useFleetStore()
    await s.load('/captures')
    s.toggle(fleet.rows[1]!)
    s.toggle(fleet.rows[0]!)
    expect(s.selectedRows.map((r) => r.path)).toEqual(['/captures/s', '/captures/b'])
    s.toggle(fleet.rows[1]!)
    expect(s.selectedRows.map((r) => r.path)).toEqual(['/captures/b'])
    await s.openRow(fleet.rows[1]!)
    expect(opened).toEqual([{ path: '/captures/s', capture: '02-before' }])
    expect(s.shown).toBe(false)
    s.show()
    expect(s.shown).toBe(true)
  })

  it('a path that names no captures shows the host\'s error', async () => {
    host.handle('getFleet', () => { throw { code: 'not-found', message: '/nope: no such file or directory' } })
    const s = useFleetStore()
    expect(await s.load('/nope')).toBe(false)
    expect(s.status).toBe('failed')
    expect(s.error).toEqual({ code: 'not-found', message: '/nope: no such file or directory' })
  })
})
