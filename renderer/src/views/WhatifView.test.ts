// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { sampleView, type ScriptedApi } from '../test-utils/scripted_api.ts'
import { whatifApp, whatifViewHost } from '../test-utils/whatif_setup.ts'
import { sampleWhatif } from '../test-utils/whatif_sample.ts'

let host: ScriptedApi
const { $, openWhatif } = whatifApp()

beforeEach(() => {
  host = whatifViewHost()
  host.handle('startWhatifCompact', () => ({ runId: 'w1' }))
})

describe('What-if view', () => {
  it('the panel sends what it shows; progress and Cancel while it runs', async () => {
    await openWhatif()
    expect($('view-whatif').exists()).toBe(true)
    expect($('whatif-panel').exists()).toBe(true)
    expect($('whatif-result').exists()).toBe(false)
    const targets = $('whatif-target').findAll('option').map((o) => o.attributes('value'))
    expect(targets).toEqual(['all', 'node:0', 'zone:0:DMA32'])
    await $('whatif-target').setValue('zone:0:DMA32')
    await $('whatif-strategy-honourSkipBits').setValue(false)
    await $('whatif-pinned').setValue('pages')
    await $('whatif-pinned-value').setValue('2048')
    await $('whatif-seeds').setValue('3')
    await $('whatif-run').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'startWhatifCompact')!.args).toEqual({
      id: 's1', node: 0, zone: 'DMA32', mode: 'sync', seeds: 3, pinned: { pages: 2048 },
      strategy: { fastIsolateFreepages: true, fastFindMigrateblock: true, honourSkipBits: false, scanUnmovableForSmallOrders: false },
    })
    host.emit('run:progress', { runId: 'w1', phase: 'compacting', done: 1, total: 3 })
    await flushPromises()
    expect($('whatif-progress').text()).toContain('compacting')
    expect($('whatif-progress').text()).toContain('33%')
    expect($('whatif-run').exists()).toBe(false)
    await $('whatif-cancel').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'cancelRun')!.args).toEqual({ runId: 'w1' })
    host.emit('run:failed', { runId: 'w1', error: { code: 'cancelled', message: 'cancelled' } })
    await flushPromises()
    expect($('whatif-progress').exists()).toBe(false)
    expect($('whatif-notice').text()).toContain('Cancelled')
    expect($('whatif-run').exists()).toBe(true)
  })

  it('says which kernel\'s rules the model runs: 6.1, or the capture\'s release with each later change in the tooltip', async () => {
    await openWhatif()
    expect($('whatif-kernel-rules').text()).toContain('Runs the compaction model of Linux 6.1 on a copy')
  })

  it('a 6.18 capture: the panel names kernel 6.18 and lists the changes it follows', async () => {
    const rules = ['page allocator and compaction: Linux 6.1, with the changes up to kernel 6.18:', '6.4: scanned counts', '6.15: claim or steal']
    host.handle('getSnapshot', () => sampleView('s1', { label: '02-before', machine: { ...sampleView('s1').machine, kernelRelease: '6.18.44-fc-v1272' }, kernelRules: rules }))
    await openWhatif()
    expect($('whatif-kernel-rules').text()).toContain('for kernel 6.18 (Linux 6.1\'s, with the later releases\' changes it follows')
    expect($('whatif-kernel-rules').attributes('title')).toBe(rules.join('\n'))
  })

  it('for an order: the order and the mode go with it; a zone target becomes its node', async () => {
    await openWhatif()
    await $('whatif-target').setValue('zone:0:DMA32')
    await $('whatif-kind-order').setValue(true)
    await flushPromises()
    expect(($('whatif-mode').element as HTMLSelectElement).value).toBe('sync-light')
    await $('whatif-order').setValue('4')
    await $('whatif-mode').setValue('async')
    await $('whatif-run').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'startWhatifCompact')!.args).toMatchObject({ id: 's1', node: 0, order: 4, mode: 'async' })
    expect(host.calls.find((c) => c.method === 'startWhatifCompact')!.args).not.toHaveProperty('zone')
  })

  it('shows the result: verdict, free areas, predicted vs real, counters, assumptions, maps, replay', async () => {
    await openWhatif()
    await $('whatif-run').trigger('click')
    await flushPromises()
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif() })
    await flushPromises()
    expect($('whatif-result').attributes('data-result')).toBe('complete')
    expect($('whatif-verdict').text()).toBe('Full compaction completes: 350 pages migrated (1.37 MiB copied); free memory in ≥ 2 MiB blocks goes from 1,536 to 2,048 pages.')
    expect(JSON.parse($('whatif-free-chart').attributes('data-series')!)).toEqual([{
      node: 0, zone: 'DMA32', before: [10, 5, 0, 0, 0, 0, 0, 0, 0, 1, 1], after: [2, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1], real: [3, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1],
    }])
    const vs = $('whatif-vs-real')
    expect(vs.text()).toContain('capture 03-after-compact-node was taken after a write to /sys/devices/system/node/node0/compact')
    expect(JSON.parse(vs.attributes('data-high-order')!)).toEqual([{ zone: 'Node 0, zone DMA32', predicted: 2048, real: 2048, error: 0 }])
    expect($('whatif-high-order-error').text()).toBe('0.0 %')
    const counters = JSON.parse($('whatif-counters').attributes('data-counters')!)
    expect(counters.pgmigrate_success).toEqual({ predicted: 350, real: 340 })
    expect($('whatif-counters').find('[data-counter="compact_migrate_scanned"]').text()).toContain('+2.4 %')
    expect($('whatif-assumptions').text()).toContain('2048 pinned pages')
    // the CPU was not a guess (or one CPU only): no other CPU's outcome
    expect($('whatif-cpu-alternative').exists()).toBe(false)
    expect($('whatif-map').attributes('data-changed')).toBe('4')
    expect($('whatif-map-before').exists()).toBe(true)
    expect($('whatif-map-after').exists()).toBe(true)
    expect(JSON.parse($('whatif-map-after').attributes('data-counts')!)).toMatchObject({ Unmovable: 1, Movable: 7 })
    // the replay starts at the end: the scanners met
    const replay = $('whatif-replay')
    expect(replay.attributes('data-steps')).toBe('7')
    expect(replay.attributes('data-step')).toBe('6')
    expect(replay.attributes('data-met')).toBe('true')
    expect($('whatif-where').text()).toContain('the scanners met at PFN 2,048')
    await $('whatif-scrub').setValue('1')
    expect($('whatif-replay').attributes('data-step')).toBe('1')
    expect($('whatif-event').text()).toBe('mm_compaction_isolate_migratepages 0..512 scanned 512 taken 32')
    expect($('whatif-replay').attributes('data-migrate-pfn')).toBe('512')
    await $('whatif-step-forward').trigger('click')
    expect($('whatif-event').text()).toBe('mm_compaction_isolate_freepages 3584..3616 scanned 32 taken 32')
    await $('whatif-play').trigger('click')
    expect($('whatif-replay').attributes('data-playing')).toBe('true')
    await $('whatif-play').trigger('click')
    expect($('whatif-replay').attributes('data-playing')).toBe('false')
  })

  it('where the running CPU was a guess: the outcome on the other CPU beside the verdict', async () => {
    await openWhatif()
    await $('whatif-run').trigger('click')
    await flushPromises()
    const summary = 'Which CPU runs the compaction is not in the capture: this run took CPU 0, whose per-cpu lists held the most pages (--cpu picks one). On CPU 1 it would end with 1,536 free pages in ≥ 2 MiB blocks instead of 2,048 (300 pages migrated against 350): CPU 0\'s per-cpu pages stay on its list and keep the pageblocks they sit in from merging.'
    const after = sampleWhatif().after
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif({ cpuAlternative: { ranOn: 0, cpu: 1, result: 'complete', pagesMigrated: 300, after: { zones: after }, highOrderPages: { main: 2048, alternative: 1536 }, summary } }) })
    await flushPromises()
    expect($('whatif-cpu-alternative').text()).toBe(summary)
  })

  it('a failed run: the error in plain words; the earlier result and the snapshot stay', async () => {
    await openWhatif()
    await $('whatif-run').trigger('click')
    await flushPromises()
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif() })
    await flushPromises()
    host.handle('startWhatifCompact', () => ({ runId: 'w2' }))
    await $('whatif-run').trigger('click')
    await flushPromises()
    host.emit('run:failed', { runId: 'w2', error: { code: 'bad-input', message: 'the series has no capture after 02-before' } })
    await flushPromises()
    expect($('whatif-error-message').text()).toBe('the series has no capture after 02-before')
    expect($('whatif-result').exists()).toBe(true)
    expect($('error-banner').exists()).toBe(false)
    await $('tab-overview').trigger('click')
    expect($('view-overview').exists()).toBe(true)
    await $('tab-whatif').trigger('click')
    expect($('whatif-error').exists()).toBe(true)
    await $('whatif-error-dismiss').trigger('click')
    expect($('whatif-error').exists()).toBe(false)
  })

  it('earlier results: numbered newest first with their mode and seeds; picking one shows it', async () => {
    await openWhatif()
    await $('whatif-run').trigger('click')
    await flushPromises()
    host.emit('whatif:done', { runId: 'w1', whatif: sampleWhatif() })
    await flushPromises()
    expect($('whatif-history').exists()).toBe(false)
    host.handle('startWhatifCompact', () => ({ runId: 'w2' }))
    await $('whatif-seeds').setValue('3')
    await $('whatif-run').trigger('click')
    await flushPromises()
    host.emit('whatif:done', { runId: 'w2', whatif: sampleWhatif({ band: { seeds: [1, 2, 3], zones: {}, counters: {} } }) })
    await flushPromises()
    const options = $('whatif-history').findAll('option')
    expect(options.map((o) => o.attributes('value'))).toEqual(['w2', 'w1'])
    expect(options.map((o) => o.text())).toEqual([
      'latest: full compaction (compact_memory) · sync · 3 seeds',
      '#1: full compaction (compact_memory) · sync',
    ])
    await $('whatif-history').setValue('w1')
    expect(($('whatif-history').element as HTMLSelectElement).value).toBe('w1')
  })

  it('without a captured trigger there is no predicted-vs-real table; with seeds the band shows', async () => {
    await openWhatif()
    await $('whatif-run').trigger('click')
    await flushPromises()
    host.emit('whatif:done', {
      runId: 'w1',
      whatif: sampleWhatif({ real: null, band: { seeds: [1, 2, 3], zones: {}, counters: { pgmigrate_success: { median: 350, p5: 300, p95: 410, lo: 300, hi: 410 } } } }),
    })
    await flushPromises()
    expect($('whatif-vs-real').exists()).toBe(false)
    expect($('whatif-counters').text()).toContain('300 – 410')
    expect(JSON.parse($('whatif-free-chart').attributes('data-series')!)[0]).not.toHaveProperty('real')
  })
})
