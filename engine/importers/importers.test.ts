/**
 * The pure importers on small inputs: the exposition format's corners, range-query shapes,
 * mmtests' time stamps, trace lines of the three printers, crash kmem -f. Real samples are
 * exercised end to end in test/host/importers.test.ts and test/cli/trace_fleet.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { parseExposition, captureFromScrape, seriesFromRangeQuery } from './prometheus.ts'
import { splitStamped, pairMonitorBlocks, mmtestsLogName } from './mmtests.ts'
import { parseTraceText, summarizeTrace } from './trace_events.ts'
import { parseVmcoreText } from './crash_kmem.ts'
import { ParseError } from '../procfs/types.ts'

function perr(fn: () => unknown): ParseError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ParseError) return e
    throw e
  }
  throw new Error('no ParseError')
}

const SCRAPE = readFileSync(new URL('../../fixtures/imports/node_exporter/vm-k618.prom', import.meta.url), 'utf8')

describe('Prometheus exposition format', () => {
  it('labels with escapes, timestamps, special values', () => {
    const s = parseExposition('# HELP x y\nm{a="q\\"u\\\\o\\nte",b="2"} +Inf 1700000000000\nn NaN\no -1.5e3\n', 'f')
    expect(s[0]).toMatchObject({ name: 'm', labels: { a: 'q"u\\o\nte', b: '2' }, value: Infinity, timestampMs: 1700000000000, line: 2 })
    expect(Number.isNaN(s[1]?.value)).toBe(true)
    expect(s[2]?.value).toBe(-1500)
    expect(perr(() => parseExposition('ok 1\nm{a="x} 1\n', 'f')).message).toBe('f:2: expected a closing quote after the value of label a, found "m{a=\\"x} 1"')
    expect(perr(() => parseExposition('m{a=x} 1\n', 'f')).line).toBe(1)
    expect(perr(() => parseExposition('m 1 2 3\n', 'f')).message).toContain('f:1: expected a value (and optionally a timestamp in ms)')
  })

  it('a scrape missing an order of a zone is refused, naming it', () => {
    const cut = SCRAPE.split('\n').filter((l) => !l.startsWith('node_buddyinfo_blocks{node="0",size="5",zone="DMA32"}')).join('\n')
    expect(perr(() => captureFromScrape(cut, 's.prom')).message).toBe('s.prom: expected node_buddyinfo_blocks for every order 0..10 of node 0 zone DMA32, found "no sample with size=\\"5\\""')
  })

  it('meminfo: kB from bytes, renamed keys restored, MemTotal first', () => {
    const c = captureFromScrape(SCRAPE, 's.prom')
    const lines = (c.texts['meminfo'] as string).split('\n')
    expect(lines[0]).toMatch(/^MemTotal: \d+ kB$/)
    expect(lines).toContain('HugePages_Total: 0')
    expect(lines.some((l) => l.startsWith('Active(anon): '))).toBe(true)
  })

  it('range queries: an instant query, an error status, bad JSON', () => {
    expect(perr(() => seriesFromRangeQuery('{"status":"success","data":{"resultType":"vector","result":[]}}', 'q.json')).message).toContain('expected resultType "matrix"')
    expect(perr(() => seriesFromRangeQuery('{"status":"error","error":"bad_data"}', 'q.json')).message).toBe('q.json: expected a successful query result, found "status \\"error\\": bad_data"')
    expect(perr(() => seriesFromRangeQuery('{\n"status":\n}', 'q.json')).message).toMatch(/^q\.json(:3)?: expected the JSON of a Prometheus range query/)
  })
})

describe('mmtests monitor logs', () => {
  it('time stamps: blocks, going backwards is an error, names parsed', () => {
    const b = splitStamped('time: 10\nA\ntime: 12\nB\n', 'l')
    expect(b).toEqual([{ time: 10, line: 1, text: 'A\n' }, { time: 12, line: 3, text: 'B\n' }])
    expect(perr(() => splitStamped('time: 10\nA\ntime: 9\nB\n', 'l')).message).toBe('l:3: expected a time no earlier than the previous block\'s (10, line 1), found "time: 9"')
    expect(mmtestsLogName('proc-buddyinfo-fsmark-single-1.gz')).toEqual({ monitor: 'proc-buddyinfo', file: 'buddyinfo', run: 'fsmark-single-1' })
    expect(mmtestsLogName('vmstat-fsmark-1.gz')).toBeNull()
  })

  it('pairing: the nearest block within half the interval, else none', () => {
    const caps = pairMonitorBlocks([
      { name: 'buddyinfo', file: 'b', blocks: [{ time: 0, line: 1, text: 'b0' }, { time: 10, line: 5, text: 'b1' }] },
      { name: 'vmstat', file: 'v', blocks: [{ time: 1, line: 1, text: 'v0' }, { time: 30, line: 9, text: 'v1' }] },
    ])
    expect(caps.map((c) => Object.keys(c.files))).toEqual([['buddyinfo', 'vmstat'], ['buddyinfo']])
  })
})

describe('trace text', () => {
  const ext = 'pfn=0x1200 alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=1 change_ownership=0'
  it('ftrace, trace-cmd report and perf script lines', () => {
    const ftrace = `# tracer: nop\n            bash-101   [001] d..2.  12.000100: mm_page_alloc_extfrag: page=0000 ${ext}\n`
    const tcmd = `cpus=2\n  kworker/u4:2-events-77 [000]  13.500000: mm_page_alloc_extfrag: page=0xffffea ${ext}\n`
    const perf = `   node 42 [000]    14.250000: kmem:mm_page_alloc_extfrag: page=0x1200 ${ext}\n`
    expect(parseTraceText(ftrace, 'a').events[0]).toMatchObject({ task: 'bash', pid: 101, cpu: 1, ts: 12.0001, event: 'mm_page_alloc_extfrag' })
    const t = parseTraceText(tcmd, 'b')
    expect(t.format).toBe('trace-cmd')
    expect(t.events[0]).toMatchObject({ task: 'kworker/u4:2-events', pid: 77 })
    expect(parseTraceText(perf, 'c')).toMatchObject({ format: 'perf', events: [{ task: 'node', pid: 42, event: 'mm_page_alloc_extfrag' }] })
  })

  it('a fragmenting fallback and its pageblock; decimal PFNs of older kernels', () => {
    const old = '<idle>-0     [006] d.s.  1110.217281: mm_page_alloc_extfrag: page=ffffea0064142000 pfn=26235008 alloc_order=3 fallback_order=3 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=2 fragmenting=1 change_ownership=1\n'
    const s = summarizeTrace(old, 'lkml')
    expect(s.fallbacks).toMatchObject({ total: 1, fragmenting: 1, claimed: 1, byPair: { 'Unmovable<-Reclaimable': 1 } })
    expect(s.blocks[0]).toMatchObject({ pfn: 26235008 - (26235008 % 512), events: [{ task: '<idle>', ts: 1110.217281, claimed: true }] })
  })
})

describe('crash kmem -f', () => {
  it('zones of several nodes, an unpopulated zone left out', () => {
    const text = ['NODE', '  1', 'ZONE  NAME        SIZE    FREE  MEM_MAP   START_PADDR  START_MAPNR', '  0   Normal      0       0  0  0  0', '',
      'ZONE  NAME        SIZE    FREE  MEM_MAP   START_PADDR  START_MAPNR', '  1   Movable  4096  4  c0 0 0', 'AREA  SIZE  FREE_AREA_STRUCT  BLOCKS  PAGES',
      '  0     4k      c02eb004           2      2', '  1     8k      c02eb010           1      2', ''].join('\n')
    expect(parseVmcoreText(text, 'k').texts['buddyinfo']).toBe('Node 1, zone  Movable      2      1 \n')
  })
})
