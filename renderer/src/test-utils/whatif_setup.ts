/**
 * Test helper: the setup the what-if store and view tests share (a fresh Pinia, a scripted host
 * that starts runs, the App mounted at the What-if tab). Not part of the app bundle.
 */
import { afterEach } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { setApiForTests } from '../api/client.ts'
import App from '../App.vue'
import { sampleView, scriptedApi, type ScriptedApi } from './scripted_api.ts'

/** A fresh Pinia and a host whose `method` answers runIds `${prefix}1`, `${prefix}2`, … */
export function whatifStoreHost(method: 'startWhatifCompact' | 'startWhatifContig', prefix: string): ScriptedApi {
  setActivePinia(createPinia())
  const host = scriptedApi()
  let run = 0
  host.handle(method, () => ({ runId: `${prefix}${++run}` }))
  setApiForTests(host.api)
  return host
}

/** A fresh Pinia and a host with one open snapshot s1 ("02-before") and its pageblock map (and, if asked, pageblock detail). */
export function whatifViewHost(opts: { pageblockDetail?: boolean } = {}): ScriptedApi {
  setActivePinia(createPinia())
  const host = scriptedApi()
  host.handle('listSnapshots', () => [{ id: 's1', path: '/captures/s1', label: '02-before' }])
  host.handle('getSnapshot', () => sampleView('s1', { label: '02-before' }))
  const n = 8
  host.handle('getPageblockMap', () => ({
    id: 's1', mt: Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 1]), free: new Uint16Array(n), movable: new Uint16Array(n), unmovable: new Uint16Array(n),
    reclaimable: new Uint16Array(n), pinned: new Uint16Array(n), mixed: new Uint8Array(n),
  }))
  if (opts.pageblockDetail) {
    host.handle('getPageblockDetail', (a) => ({
      id: 's1', pageblock: (a as { pageblock: number }).pageblock, startPfn: 512 * (a as { pageblock: number }).pageblock, migratetype: 1,
      classes: new Uint8Array(512).fill(3), orders: new Int8Array(512).fill(-1),
    }))
  }
  setApiForTests(host.api)
  return host
}

/** Mount the App (charts stubbed: no canvas in happy-dom; their options are tested in charts/options). */
export function mountApp(): VueWrapper {
  return mount(App, { attachTo: document.body, global: { stubs: { EChart: true } } })
}

/** Let the App load, then open the What-if tab. */
export async function openWhatifTab(wrapper: VueWrapper): Promise<void> {
  await flushPromises()
  await wrapper.find('[data-testid="tab-whatif"]').trigger('click')
  await flushPromises()
}

/**
 * The App of a DOM test file: `openWhatif()` mounts it at the What-if tab, `$` / `$$` find by
 * data-testid; it is unmounted after each test.
 */
export function whatifApp(): {
  readonly wrapper: VueWrapper
  $: (id: string) => ReturnType<VueWrapper['find']>
  $$: (id: string) => ReturnType<VueWrapper['findAll']>
  openWhatif: () => Promise<void>
} {
  let wrapper: VueWrapper | null = null
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
  })
  return {
    get wrapper() {
      return wrapper!
    },
    $: (id) => wrapper!.find(`[data-testid="${id}"]`),
    $$: (id) => wrapper!.findAll(`[data-testid="${id}"]`),
    async openWhatif() {
      wrapper = mountApp()
      await openWhatifTab(wrapper)
    },
  }
}
