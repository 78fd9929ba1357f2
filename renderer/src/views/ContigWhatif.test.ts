// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import type { ScriptedApi } from '../test-utils/scripted_api.ts'
import { whatifApp, whatifViewHost } from '../test-utils/whatif_setup.ts'
import { contigView, sampleCma, sampleHugetlb, sampleThp } from '../test-utils/contig_sample.ts'
import { useUiStore } from '../stores/ui.ts'

let host: ScriptedApi
const app = whatifApp()
const { $, $$, openWhatif } = app

beforeEach(() => {
  host = whatifViewHost({ pageblockDetail: true })
  let run = 0
  host.handle('startWhatifContig', () => ({ runId: `c${++run}` }))
})

describe('contiguous what-ifs in the What-if tab', () => {
  it('CMA: the panel sends what it shows; progress, then verdict, windows, blockers that open their pageblock', async () => {
    await openWhatif()
    expect($('whatif-panel').exists()).toBe(true)
    await $('whatif-what').setValue('cma')
    await flushPromises()
    expect($('whatif-panel').exists()).toBe(false)
    expect($('contig-panel').attributes('data-kind')).toBe('cma')
    await $('contig-cma-size').setValue('4M')
    await $('contig-cma-area-name').setValue(true)
    await flushPromises()
    await $('contig-cma-area').setValue('reserved')
    await $('contig-migrate-before-pin').setValue('on')
    await $('contig-run').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'startWhatifContig')!.args).toEqual({
      id: 's1', kind: 'cma', sizeBytes: 4 << 20, area: 'reserved', migrateBeforePin: true, pinned: 'auto', seeds: 1,
    })
    host.emit('run:progress', { runId: 'c1', phase: 'migrating', done: 1, total: 2 })
    await flushPromises()
    expect($('contig-progress').text()).toContain('50%')
    host.emit('whatif:contig-done', { runId: 'c1', whatif: contigView(sampleCma(), 'c1') })
    await flushPromises()
    expect($('contig-progress').exists()).toBe(false)
    const res = $('contig-result')
    expect(res.attributes('data-kind')).toBe('cma')
    expect($('contig-verdict').attributes('data-success')).toBe('true')
    expect($('contig-verdict').text()).toContain('would succeed at PFN 2048')
    expect(JSON.parse($('contig-map').attributes('data-windows')!)).toHaveLength(3)
    expect(JSON.parse($('contig-map').attributes('data-blocker-pageblocks')!)).toEqual([2, 3, 4])
    expect($$('contig-window').map((w) => w.attributes('data-result'))).toEqual(['busy', 'busy', 'success'])
    const rows = $$('contig-blocker-row')
    expect(rows.map((r) => [r.attributes('data-pfn'), r.attributes('data-kind'), r.attributes('data-pageblock')])).toEqual([['1030', 'pinned', '2'], ['1600', 'pinned', '3'], ['2100', 'slab', '4']])
    expect(rows[1]!.text()).toContain('0x640000')
    expect($('contig-yield').exists()).toBe(false)
    expect($('contig-vs-real').exists()).toBe(false)
    expect(JSON.parse($('contig-counters').attributes('data-counters')!).pgmigrate_success).toEqual({ predicted: 156, real: null })
    expect($('contig-assumptions').text()).toContain('vmsplice')
    expect(JSON.parse($('contig-free-chart').attributes('data-series')!)[0].after[10]).toBe(0)

    await rows[1]!.trigger('click')
    await flushPromises()
    expect($('contig-page').attributes('data-pageblock')).toBe('3')
    expect($('page-detail').attributes('data-pageblock')).toBe('3')
    await $('contig-open-pageblocks').trigger('click')
    await flushPromises()
    expect(useUiStore().view).toBe('pageblocks')
    expect($('page-detail').attributes('data-pageblock')).toBe('3')
  })

  it('hugetlb: yield curve and predicted vs real; THP: the cases; switching kinds keeps each result', async () => {
    await openWhatif()
    await $('whatif-what').setValue('hugetlb')
    await flushPromises()
    expect(app.wrapper.findAll('[data-testid="contig-huge-size"] option').map((o) => o.text())).toEqual(['2 MiB', '1 GiB'])
    await $('contig-huge-count').setValue('4')
    await $('contig-run').trigger('click')
    await flushPromises()
    expect(host.calls.find((c) => c.method === 'startWhatifContig')!.args).toMatchObject({ kind: 'hugetlb', count: 4, hugeSizeBytes: 2 << 20, compaction: true })
    host.emit('whatif:contig-done', { runId: 'c1', whatif: contigView(sampleHugetlb(), 'c1') })
    await flushPromises()
    expect($('contig-verdict').attributes('data-success')).toBe('false')
    expect(JSON.parse($('contig-yield').attributes('data-yield')!)).toHaveLength(3)
    const vr = $('contig-vs-real')
    expect([vr.attributes('data-predicted'), vr.attributes('data-real'), vr.attributes('data-capture')]).toEqual(['2', '2', '05-after-hugetlb-2M-x64'])
    expect(vr.text()).toContain('0.0 %')
    expect($('contig-blockers').exists()).toBe(false)

    await $('whatif-what').setValue('thp')
    await flushPromises()
    expect($('contig-result').exists()).toBe(false)
    await $('contig-defrag').setValue('always')
    await $('contig-run').trigger('click')
    await flushPromises()
    host.emit('whatif:contig-done', { runId: 'c2', whatif: contigView(sampleThp(), 'c2') })
    await flushPromises()
    expect($('contig-result').attributes('data-kind')).toBe('thp')
    expect($$('contig-thp-case').map((r) => r.attributes('data-success'))).toEqual(['true', 'false'])

    await $('whatif-what').setValue('hugetlb')
    await flushPromises()
    expect($('contig-result').attributes('data-kind')).toBe('hugetlb')
    await $('whatif-what').setValue('compact')
    await flushPromises()
    expect($('whatif-panel').exists()).toBe(true)
  })

  it('a failure shows in the panel, not in the window banner', async () => {
    await openWhatif()
    host.handle('startWhatifContig', () => { throw { code: 'unsupported', message: 'needs the real host' } })
    await $('whatif-what').setValue('contig')
    await flushPromises()
    await $('contig-run').trigger('click')
    await flushPromises()
    expect($('contig-error').attributes('data-code')).toBe('unsupported')
    expect($('contig-error-message').text()).toBe('needs the real host')
    expect($('error-banner').exists()).toBe(false)
  })
})
