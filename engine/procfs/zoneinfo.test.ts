/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { harnessCaptures, parseError } from '../../test/helpers/procfs.ts'
import { readFileSync } from 'node:fs'
import { parseZoneinfo } from './zoneinfo.ts'




/** 7.2 layout (constructed from zoneinfo_show_print): promo, 5 pageset keys, highatomic tail. */
const Z72 = `Node 0, zone      DMA
  per-node stats
      nr_inactive_anon 80211
      nr_active_anon 411023
      nr_anon_transparent_hugepages 12
      pgsteal_kswapd 0
  pages free     3840
        boost    0
        min      12
        low      15
        high     18
        promo    21
        spanned  4095
        present  3998
        managed  3840
        cma      0
        protection: (0, 1893, 7836, 7836, 7836)
      nr_free_pages 3840
      nr_free_pages_blocks 3584
      nr_zone_inactive_anon 0
      nr_free_cma  0
      numa_hit     3
      numa_other   0
  pagesets
    cpu: 0
              count:    0
              high:     0
              batch:    1
              high_min: 0
              high_max: 0
  vm stats threshold: 6
    cpu: 1
              count:    5
              high:     12
              batch:    1
              high_min: 4
              high_max: 40
  vm stats threshold: 6
  node_unreclaimable:  0
  start_pfn:           1
  reserved_highatomic: 0
  free_highatomic:     0
Node 0, zone   Normal
  pages free     512093
        boost    1024
        min      12292
        low      15109
        high     17926
        promo    20743
        spanned  3932160
        present  3932160
        managed  3849213
        cma      65536
        protection: (0, 0, 0, 0, 0)
      nr_free_pages 512093
      nr_free_cma  30012
  pagesets
    cpu: 0
              count:    315
              high:     378
              batch:    63
              high_min: 378
              high_max: 1512
  vm stats threshold: 125
  node_unreclaimable:  1
  start_pfn:           1048576
  reserved_highatomic: 2048
  free_highatomic:     117
Node 0, zone  Movable
  pages free     0
        boost    0
        min      0
        low      0
        high     0
        promo    0
        spanned  0
        present  0
        managed  0
        cma      0
        protection: (0, 0, 0, 0, 0)
Node 1, zone   Normal
  per-node stats
      nr_inactive_anon 5
  pages free     1000
        boost    0
        min      10
        low      20
        high     30
        promo    40
        spanned  262144
        present  262144
        managed  250000
        cma      0
        protection: (0, 0, 0, 0, 0)
      nr_free_pages 1000
  pagesets
    cpu: 0
              count:    1
              high:     2
              batch:    3
              high_min: 4
              high_max: 5
  vm stats threshold: 7
  node_unreclaimable:  0
  start_pfn:           4194304
  reserved_highatomic: 0
  free_highatomic:     0
`

describe('parseZoneinfo on real captures (6.1 and 6.12 layouts)', () => {
  for (const c of harnessCaptures()) {
    // 6.12 prints the promo watermark and reserved_highatomic/free_highatomic; 6.1 does not
    const newer = /^6\.(1[2-9]|[2-9]\d)/.test(c.read('uname_r'))
    it(`${c.name}: parses`, () => {
      const z = parseZoneinfo(c.read('zoneinfo'))
      const first = z.zones[0]
      expect(first?.zone).toBe('DMA')
      expect(first?.populated).toBe(true)
      expect(first?.nodeStats).not.toBeNull()
      expect(Object.keys(first?.nodeStats ?? {})).toContain('nr_inactive_anon')
      for (const zone of z.zones) {
        if (newer) expect(zone.promo).not.toBeNull()
        else expect(zone.promo).toBeNull() // 6.1 has no promo watermark
        expect(zone.cma).not.toBeNull()
        expect(zone.reservedHighatomic).toBeNull() // printed from 6.15 (this x86 6.12 build has none)
        if (zone.populated) {
          expect(zone.pagesets.length).toBe(2)
          for (const p of zone.pagesets) {
            expect(p.highMin).toBeUndefined()
            expect(p.statThreshold).toBeGreaterThan(0)
          }
          expect(zone.stats.nr_free_pages).toBe(zone.pagesFree)
          expect(zone.startPfn).not.toBeNull()
          expect(typeof zone.nodeUnreclaimable).toBe('boolean')
          expect(zone.managed).toBeLessThanOrEqual(zone.present)
        } else {
          expect(zone.present).toBe(0)
          expect(zone.pagesets).toEqual([])
          expect(zone.stats).toEqual({})
          expect(zone.startPfn).toBeNull()
        }
        expect(zone.protection.length).toBe(z.zones.length)
      }
    })
  }

  it('x86-1G-s2 reports node_unreclaimable 1 from the hugetlb step on (kswapd gave up: no swap)', () => {
    const z = parseZoneinfo(readFileSync(new URL('../../fixtures/x86-1G-s2-hugetlb/03-after-hugetlb-2M-fragmented/zoneinfo', import.meta.url), 'utf8'))
    expect(z.zones.filter((x) => x.populated).map((x) => x.nodeUnreclaimable)).toEqual([true, true])
  })

  it('x86 capture: DMA, DMA32 populated; Normal, Movable, Device not', () => {
    const text = readFileSync(new URL('../../fixtures/x86-512M-s1-compact/02-before/zoneinfo', import.meta.url), 'utf8')
    const z = parseZoneinfo(text)
    expect(z.zones.map((x) => `${x.zone}:${x.populated}`)).toEqual(['DMA:true', 'DMA32:true', 'Normal:false', 'Movable:false', 'Device:false'])
    const dma = z.zones[0]!
    expect(dma).toMatchObject({ pagesFree: 3808, boost: 0, min: 190, low: 237, high: 284, spanned: 4095, present: 3998, managed: 3840, cma: 0, startPfn: 1 })
    expect(dma.protection).toEqual([0, 442, 442, 442, 442])
    expect(dma.pagesets[0]).toEqual({ cpu: 0, count: 0, high: 118, batch: 1, statThreshold: 4 })
    expect(z.zones[1]?.nodeStats).toBeNull()
    expect(z.zones[1]?.pagesets[0]).toEqual({ cpu: 0, count: 934, high: 3506, batch: 31, statThreshold: 12 })
  })
})

describe('parseZoneinfo: other layouts', () => {
  it('7.2: promo, high_min/high_max, reserved/free_highatomic, unpopulated zone, two nodes', () => {
    const z = parseZoneinfo(Z72)
    expect(z.zones.map((x) => `${x.node}/${x.zone}`)).toEqual(['0/DMA', '0/Normal', '0/Movable', '1/Normal'])
    const dma = z.zones[0]!
    expect(dma.promo).toBe(21)
    expect(dma.nodeStats).toEqual({ nr_inactive_anon: 80211, nr_active_anon: 411023, nr_anon_transparent_hugepages: 12, pgsteal_kswapd: 0 })
    expect(dma.stats).toEqual({ nr_free_pages: 3840, nr_free_pages_blocks: 3584, nr_zone_inactive_anon: 0, nr_free_cma: 0, numa_hit: 3, numa_other: 0 })
    expect(dma.pagesets).toEqual([
      { cpu: 0, count: 0, high: 0, batch: 1, highMin: 0, highMax: 0, statThreshold: 6 },
      { cpu: 1, count: 5, high: 12, batch: 1, highMin: 4, highMax: 40, statThreshold: 6 },
    ])
    expect(dma.protection).toEqual([0, 1893, 7836, 7836, 7836])
    const normal = z.zones[1]!
    expect(normal).toMatchObject({
      nodeStats: null, boost: 1024, min: 12292, promo: 20743, cma: 65536,
      nodeUnreclaimable: true, startPfn: 1048576, reservedHighatomic: 2048, freeHighatomic: 117,
    })
    const movable = z.zones[2]!
    expect(movable).toMatchObject({
      populated: false, pagesFree: 0, promo: 0, present: 0, protection: [0, 0, 0, 0, 0], stats: {}, pagesets: [],
      nodeUnreclaimable: null, startPfn: null, reservedHighatomic: null, freeHighatomic: null, nodeStats: null,
    })
    expect(z.zones[3]?.nodeStats).toEqual({ nr_inactive_anon: 5 })
    expect(z.zones[3]?.pagesets[0]).toEqual({ cpu: 0, count: 1, high: 2, batch: 3, highMin: 4, highMax: 5, statThreshold: 7 })
  })

  it('6.12: promo but the 6.1 pageset keys', () => {
    const text = `Node 0, zone   Normal
  per-node stats
      nr_inactive_anon 1
  pages free     100
        boost    0
        min      1
        low      2
        high     3
        promo    4
        spanned  200
        present  200
        managed  190
        cma      0
        protection: (0, 0, 0, 0)
      nr_free_pages 100
  pagesets
    cpu: 0
              count: 3
              high:  6
              batch: 1
  vm stats threshold: 2
  node_unreclaimable:  0
  start_pfn:           4096
`
    const zone = parseZoneinfo(text).zones[0]!
    expect(zone.promo).toBe(4)
    expect(zone.pagesets).toEqual([{ cpu: 0, count: 3, high: 6, batch: 1, statThreshold: 2 }])
    expect(zone.reservedHighatomic).toBeNull()
  })

  it('4.9-era layout: no boost/cma, counters before protection, node_scanned and node_inactive_ratio ignored', () => {
    const text = `Node 0, zone      DMA
  per-node stats
      nr_inactive_anon 1
  pages free     3975
        min      33
        low      41
        high     49
   node_scanned  0
        spanned  4095
        present  3998
        managed  3977
      nr_free_pages 3975
      nr_zone_inactive_anon 0
        protection: (0, 2910, 3856, 3856)
  pagesets
    cpu: 0
              count: 0
              high:  0
              batch: 1
  vm stats threshold: 6
  node_unreclaimable:  0
  start_pfn:           1
  node_inactive_ratio: 0
Node 0, zone   Normal
  pages free     0
        min      0
        low      0
        high     0
   node_scanned  0
        spanned  0
        present  0
        managed  0
      nr_free_pages 0
        protection: (0, 0, 0, 0)
`
    const z = parseZoneinfo(text)
    const dma = z.zones[0]!
    expect(dma).toMatchObject({ boost: 0, promo: null, cma: null, min: 33, protection: [0, 2910, 3856, 3856], startPfn: 1 })
    expect(dma.stats).toEqual({ nr_free_pages: 3975, nr_zone_inactive_anon: 0 })
    expect(z.zones[1]).toMatchObject({ populated: false, stats: { nr_free_pages: 0 } })
  })

  it('3.x layout: no per-node stats, scanned, all_unreclaimable, inactive_ratio', () => {
    const text = `Node 0, zone      DMA
  pages free     3977
        min      8
        low      10
        high     12
        scanned  0
        spanned  4095
        present  3998
        managed  3977
    nr_free_pages 3977
    nr_inactive_anon 0
        protection: (0, 2987, 3951, 3951)
  pagesets
    cpu: 0
              count: 0
              high:  0
              batch: 1
  vm stats threshold: 4
  all_unreclaimable: 1
  start_pfn:         1
  inactive_ratio:    1
`
    const dma = parseZoneinfo(text).zones[0]!
    expect(dma.nodeStats).toBeNull()
    expect(dma.stats).toEqual({ nr_free_pages: 3977, nr_inactive_anon: 0 })
    expect(dma.startPfn).toBe(1)
    expect(dma.nodeUnreclaimable).toBeNull()
  })
})

describe('parseZoneinfo: malformed input', () => {
  const lines = Z72.split('\n')
  const withLine = (no: number, text: string): string => lines.map((l, i) => (i === no - 1 ? text : l)).join('\n')
  const check = (text: string, line: number | null, re: RegExp): void => {
    const e = parseError(() => parseZoneinfo(text, 'cap/zoneinfo'))
    expect(e.file).toBe('cap/zoneinfo')
    expect(e.line).toBe(line)
    expect(e.message).toMatch(re)
    expect(e.message.startsWith(line === null ? 'cap/zoneinfo: ' : `cap/zoneinfo:${line}: `)).toBe(true)
  }
  it('empty file', () => check('', null, /empty/))
  it('buddyinfo text', () => check('Node 0, zone      DMA      0      1 \n', 1, /'Node N, zone NAME' header/))
  it('pagetypeinfo text', () => check('Page block order: 9\nPages per block:  512\n', 1, /'Node N, zone NAME' header/))
  it('a zone cut before protection', () => check(lines.slice(0, 16).join('\n'), 1, /'protection: \(...\)' line in zone 'Node 0, zone {6}DMA'/))
  it('a zone cut before pages free', () => check(lines.slice(0, 4).join('\n'), 1, /'pages free' line/))
  it('a populated zone cut right after protection', () => check(lines.slice(0, 17).join('\n'), 1, /truncated/))
  it('an unclosed protection list', () => check(withLine(17, '        protection: (0, 1893, 78'), 17, /protection: \(N, N, \.\.\.\)/))
  it('a bad protection entry', () => check(withLine(17, '        protection: (0, x, 7836)'), 17, /protection entry 1/))
  it('a non-numeric watermark', () => check(withLine(9, '        min      12abc'), 9, /'min' value as a non-negative decimal integer/))
  it('a huge counter', () => check(withLine(18, '      nr_free_pages 18446744073709551615'), 18, /no larger than 9007199254740991/))
  it('a pageset value before any cpu line', () => check(withLine(25, '              count:    0'), 25, /'cpu: N' pageset before 'count:'/))
  it('a pageset without batch', () => check(withLine(28, '              junk:     1'), 25, /'count:', 'high:' and 'batch:' lines for cpu 0/))
  it('garbage bytes', () => check(withLine(30, '\u0000\u0007\u00ff\ufffd'), 30, /binary/))
  it('a line with three words', () => check(withLine(20, '      nr_free_cma  0 0'), 20, /zoneinfo line/))
  it('a repeated zone', () => check(Z72 + 'Node 0, zone      DMA\n', 108, /each zone once/))
})
