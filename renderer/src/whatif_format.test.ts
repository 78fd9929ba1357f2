import { describe, expect, it } from 'vitest'
import { sampleWhatif } from './test-utils/whatif_sample.ts'
import {
  bandCoverage,
  bandSentence, counterRows, eventText, formatRelError, formatSigned, highOrderPages, relError, resultPhrase, triggerPath, triggerSentence, vsRealRows, whatifVerdict,
} from './whatif_format.ts'

const ctx = { pageSize: 4096, pageblockOrder: 9 }

describe('what-if words', () => {
  it('counts free pages at and above an order', () => {
    expect(highOrderPages([18267, 6284, 591, 15, 2, 1, 2, 2, 3, 2, 10], 9)).toBe(2 * 512 + 10 * 1024)
    expect(highOrderPages([0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 3], 9)).toBe(3584)
    expect(highOrderPages([1, 1], 0)).toBe(3)
  })

  it('full compaction: the verdict in one sentence with the ≥ pageblock-order free memory before and after', () => {
    const v = sampleWhatif({ pagesMigrated: 16477, bytesCopied: 16477 * 4096 })
    expect(whatifVerdict(v, ctx)).toBe('Full compaction completes: 16,477 pages migrated (64.4 MiB copied); free memory in ≥ 2 MiB blocks goes from 1,536 to 2,048 pages')
    expect(whatifVerdict(v, ctx, { node: 0 })).toContain('Full compaction of node 0 completes')
    expect(whatifVerdict(v, ctx, { node: 0, zone: 'DMA32' })).toContain('Full compaction of Node 0, zone DMA32 completes')
    expect(whatifVerdict({ ...v, result: 'partial_skipped' }, ctx)).toContain('stops early')
  })

  it('for an order: says whether the allocation would now succeed', () => {
    const base = sampleWhatif({ kind: 'direct', order: 10, result: 'success', allocationWouldSucceed: true })
    expect(whatifVerdict(base, ctx)).toBe('Compaction for order 10 succeeds: an order-10 (4 MiB) allocation would now succeed; 350 pages migrated (1.37 MiB copied); free memory in ≥ 4 MiB blocks goes from 1,024 to 1,024 pages')
    const fail = { ...base, result: 'complete', allocationWouldSucceed: false }
    expect(whatifVerdict(fail, ctx)).toContain('an order-10 (4 MiB) allocation would still fail')
    const nothing = { ...base, order: 9, pagesMigrated: 0, bytesCopied: 0 }
    expect(whatifVerdict(nothing, ctx)).toBe('Compaction for order 9 succeeds without moving a page: free ≥ 2 MiB blocks already exist (1,536 pages), so an order-9 allocation would succeed now')
  })

  it('the band of N runs holds one more run (N + 1 − 2k) / (N + 1) of the time: 90 % from 19', () => {
    expect([1, 2, 8, 16, 19, 39].map((n) => Math.round(1000 * bandCoverage(n)) / 1000)).toEqual([0, 0.333, 0.778, 0.882, 0.9, 0.9])
  })

  it('the ensemble band of the high-order free memory, per zone that has any', () => {
    expect(bandSentence(sampleWhatif(), ctx)).toBeNull()
    const z = (lo: number, median: number, hi: number) => ({ median: [], p5: [], p95: [], highOrderPages: { median, p5: lo && lo + 512, p95: hi && hi - 512, lo, hi } })
    const band = { seeds: [1, 2, 3, 4], zones: { 'Node 0, zone DMA': z(0, 0, 0), 'Node 0, zone Normal': z(2030000, 2034176, 2040000) }, counters: {} }
    expect(bandSentence(sampleWhatif({ band }), ctx)).toBe('Across 4 seeds, free memory in ≥ 2 MiB blocks after the run, 60 % band: Node 0, zone Normal 2,030,000–2,040,000 pages (median 2,034,176)')
  })

  it('names the trigger file of a captured trigger', () => {
    expect(triggerPath({ file: 'compact_memory', node: null })).toBe('/proc/sys/vm/compact_memory')
    expect(triggerPath({ file: 'node_compact', node: 1 })).toBe('/sys/devices/system/node/node1/compact')
    expect(triggerSentence(sampleWhatif().real!)).toBe('capture 03-after-compact-node was taken after a write to /sys/devices/system/node/node0/compact')
  })

  it('prints tracepoint events as the kernel names them', () => {
    expect(eventText({ name: 'mm_compaction_isolate_migratepages', startPfn: 2048, endPfn: 2080, nrScanned: 32, nrTaken: 32 }))
      .toBe('mm_compaction_isolate_migratepages 2048..2080 scanned 32 taken 32')
    expect(eventText({ name: 'mm_compaction_migratepages', nrMigrated: 30, nrFailed: 2, migratePfn: 1, freePfn: 2 })).toBe('mm_compaction_migratepages migrated 30 failed 2')
    const end = sampleWhatif().events.at(-1)!
    expect(eventText(end)).toBe('mm_compaction_end Node 0, zone DMA32: migrate 2048, free 2048, status complete')
    expect(eventText({ name: 'mm_compaction_suitable', zone: 'Node 0, zone DMA', order: 9, ret: 'skipped' })).toBe('mm_compaction_suitable Node 0, zone DMA: order 9, ret skipped')
  })

  it('relative errors and signed numbers', () => {
    expect(relError(110, 100)).toBeCloseTo(0.1)
    expect(relError(1, 0)).toBeNull()
    expect(formatRelError(0.0589)).toBe('+5.9 %')
    expect(formatRelError(-0.007)).toBe('−0.7 %')
    expect(formatRelError(0)).toBe('0.0 %')
    expect(formatRelError(null)).toBe('—')
    expect(formatSigned(29)).toBe('+29')
    expect(formatSigned(-1024)).toBe('−1,024')
    expect(formatSigned(0)).toBe('0')
    expect(resultPhrase('made_up')).toBe('ends with made_up')
  })

  it('counter rows: predicted, band, real and error; real-only counters join at the end', () => {
    const rows = counterRows(sampleWhatif())
    expect(rows.map((r) => r.name)).toEqual([
      'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated', 'pgmigrate_success', 'pgmigrate_fail',
      'compact_stall', 'compact_fail', 'compact_success', 'nr_free_pages',
    ])
    const mig = rows.find((r) => r.name === 'pgmigrate_success')!
    expect(mig).toMatchObject({ predicted: 350, real: 340, band: null })
    expect(mig.error).toBeCloseTo(10 / 340)
    expect(rows.find((r) => r.name === 'compact_stall')).toMatchObject({ predicted: 0, real: null, error: null })
    // nr_free_pages: the change of the zones' free pages
    expect(rows.find((r) => r.name === 'nr_free_pages')).toMatchObject({ predicted: 1028 - 1200, real: -10 })
    const banded = counterRows(sampleWhatif({ real: null, band: { seeds: [1, 2], zones: {}, counters: { pgmigrate_success: { median: 350, p5: 310, p95: 390, lo: 300, hi: 400 } } } }))
    expect(banded.find((r) => r.name === 'pgmigrate_success')!.band).toEqual({ lo: 300, median: 350, hi: 400 })
    expect(banded.map((r) => r.name)).not.toContain('nr_free_pages')
  })

  it('predicted vs real per zone, with the ensemble band of the high-order pages', () => {
    const v = sampleWhatif()
    const rows = vsRealRows(v)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ zone: 'Node 0, zone DMA32', highOrderPredicted: 2048, highOrderReal: 2048, highOrderError: 0, highOrderBand: null })
    expect(rows[0]!.error[0]).toBe(-1)
    const band = { seeds: [1, 2, 3], zones: { 'Node 0, zone DMA32': { median: [], p5: [], p95: [], highOrderPages: { median: 2048, p5: 1600, p95: 2500, lo: 1536, hi: 2560 } } }, counters: {} }
    expect(vsRealRows({ ...v, band })[0]!.highOrderBand).toEqual({ lo: 1536, hi: 2560 })
    expect(vsRealRows({ ...v, real: null })).toEqual([])
  })
})
