// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from './api/client.ts'
import { sampleView, scriptedApi, type ScriptedApi } from './test-utils/scripted_api.ts'
import App from './App.vue'

let host: ScriptedApi
let wrapper: VueWrapper | null = null
const $ = (id: string) => wrapper!.find(`[data-testid="${id}"]`)

beforeEach(() => {
  const pinia = createPinia()
  setActivePinia(pinia)
  host = scriptedApi()
  setApiForTests(host.api)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

async function mountApp(): Promise<void> {
  // ECharts' canvas renderer needs a real canvas (happy-dom has none): charts are stubbed here,
  // their options are tested in charts/options and the pixels in Chromium
  wrapper = mount(App, { attachTo: document.body, global: { stubs: { EChart: true } } })
  await flushPromises()
}

describe('App', () => {
  it('shows the open snapshot: layout badge, overview, findings', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1', { layout: { method: 'synthesized', seed: 7, source: null } }))
    await mountApp()
    expect($('layout-badge').text()).toContain('synthesized')
    expect($('layout-badge').text()).toContain('seed 7')
    expect($('view-overview').exists()).toBe(true)
    expect($('findings').text()).toContain('buddyinfo and pagetypeinfo disagree')
    expect($('zones-table').text()).toContain('DMA32')
  })

  it('while the bundled capture opens: progress with Cancel; then the snapshot', async () => {
    await mountApp()
    expect(host.calls.some((c) => c.method === 'startOpenBundled')).toBe(true)
    host.emit('run:progress', { runId: 'r1', phase: 'reading kpageflags', done: 1, total: 4 })
    await flushPromises()
    expect($('run-progress').text()).toContain('reading kpageflags')
    await $('cancel-run').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'r1' })
    host.emit('run:done', { runId: 'r1', snapshot: sampleView('s1') })
    await flushPromises()
    expect($('run-progress').exists()).toBe(false)
    expect($('layout-badge').text()).toContain('exact')
  })

  it('a failed open shows the error banner and keeps the snapshot usable', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    await mountApp()
    await wrapper!.find('[data-testid="open-button"]').trigger('click')
    await $('open-path-input').setValue('/nope')
    await $('open-path-button').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'startOpenPath')!.args).toEqual({ path: '/nope' })
    host.emit('run:failed', { runId: 'r1', error: { code: 'not-found', message: '/nope: no such file or directory' } })
    await flushPromises()
    expect($('error-banner').text()).toContain('/nope: no such file or directory')
    expect($('view-overview').exists()).toBe(true)
    await $('tab-indices').trigger('click')
    await $('tab-overview').trigger('click')
    expect($('view-overview').exists()).toBe(true)
    await $('error-dismiss').trigger('click')
    expect($('error-banner').exists()).toBe(false)
  })

  it('nothing open and no bundled capture: the Open UI, with the error', async () => {
    host.handle('startOpenBundled', () => { throw { code: 'not-found', message: 'no bundled capture' } })
    await mountApp()
    expect($('open-path-input').exists()).toBe(true)
    expect($('error-banner').text()).toContain('no bundled capture')
  })

  it('the pageblock view fetches the map and exposes per-migratetype counts', async () => {
    host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: null }])
    host.handle('getSnapshot', () => sampleView('s1'))
    const n = 8
    host.handle('getPageblockMap', () => ({
      id: 's1', mt: Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 1]), free: new Uint16Array(n), movable: new Uint16Array(n), unmovable: new Uint16Array(n),
      reclaimable: new Uint16Array(n), pinned: new Uint16Array(n), mixed: new Uint8Array(n),
    }))
    await mountApp()
    await $('tab-pageblocks').trigger('click')
    await flushPromises()
    expect($('view-pageblocks').exists()).toBe(true)
    const counts = JSON.parse($('pageblock-canvas').attributes('data-counts')!)
    expect(counts).toEqual({ Unmovable: 1, Movable: 7, Reclaimable: 0, HighAtomic: 0, Isolate: 0 })
  })
})
