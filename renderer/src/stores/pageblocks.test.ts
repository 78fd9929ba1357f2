import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import { scriptedApi, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { usePageblockStore } from './pageblocks.ts'

let host: ScriptedApi
beforeEach(() => {
  setActivePinia(createPinia())
  host = scriptedApi()
  setApiForTests(host.api)
})

describe('page classes for the semantic zoom', () => {
  it('fetches the visible pageblocks it lacks in one batch, caches them per snapshot, and asks again for none of them', async () => {
    const batches: number[][] = []
    host.handle('getPageClasses', (a) => {
      const { id, pageblocks } = a as { id: string; pageblocks: number[] }
      batches.push(pageblocks)
      const classes = new Uint8Array(pageblocks.length * 4)
      pageblocks.forEach((pb, k) => classes.fill(pb % 14, k * 4, k * 4 + 4))
      return { id, pageblocks, pagesPerBlock: 4, classes }
    })
    const s = usePageblockStore()
    const v0 = s.pagesVersion
    await s.ensurePageClasses('s1', [3, 4, 5])
    expect(batches).toEqual([[3, 4, 5]])
    expect([...s.pageClassesFor('s1', 4)!]).toEqual([4, 4, 4, 4])
    expect(s.pagesVersion).toBe(v0 + 1)
    // overlapping view: only the new ones; concurrent calls do not fetch a block twice
    await Promise.all([s.ensurePageClasses('s1', [4, 5, 6, 7]), s.ensurePageClasses('s1', [6, 7])])
    expect(batches).toEqual([[3, 4, 5], [6, 7]])
    expect(s.pageClassesFor('s2', 4)).toBeUndefined()
    s.forget('s1')
    expect(s.pageClassesFor('s1', 4)).toBeUndefined()
  })

  it('says when the pages cannot be loaded, and keeps working', async () => {
    host.handle('getPageClasses', () => { throw { code: 'not-found', message: 'no open snapshot "s9"' } })
    const s = usePageblockStore()
    await s.ensurePageClasses('s9', [1])
    expect(s.pagesError).toMatch(/Could not load the pages of the visible pageblocks: no open snapshot "s9"/)
    expect(s.pageClassesFor('s9', 1)).toBeUndefined()
  })
})
