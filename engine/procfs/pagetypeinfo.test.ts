/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { captures, parseError } from '../../test/helpers/procfs.ts'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { formatPagetypeinfo, parsePagetypeinfo } from './pagetypeinfo.ts'
import { type Pagetypeinfo } from './types.ts'



const X86 = readFileSync(new URL('../../fixtures/x86-1G-s2-hugetlb/03-after-hugetlb-2M-fragmented/pagetypeinfo', import.meta.url), 'utf8')
const ARM64 = readFileSync(new URL('../../fixtures/arm64-1G-s6-cma-compact/02-before/pagetypeinfo', import.meta.url), 'utf8')

/** Lines of a constructed file, each as the kernel would print it. */
const HDR11 = 'Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 '
function freeRow(node: number, zone: string, type: string, counts: number[]): string {
  return `Node ${String(node).padStart(4)}, zone ${zone.padStart(8)}, type ${type.padStart(12)} ${counts.map((c) => `${String(c).padStart(6)} `).join('')}`
}
function blockHeader(title: string, types: string[]): string {
  return `${title} `.padEnd(23) + types.map((t) => `${t.padStart(12)} `).join('')
}
function blockRow(node: number, zone: string, counts: number[]): string {
  return `Node ${node}, zone ${zone.padStart(8)} ${counts.map((c) => `${String(c).padStart(12)} `).join('')}`
}
const Z11 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

describe('parsePagetypeinfo on real captures', () => {
  for (const c of captures()) {
    it(`${c.name}: parses and re-formats byte for byte`, () => {
      const text = c.read('pagetypeinfo')
      const p = parsePagetypeinfo(text)
      expect(p.pageblockOrder).toBe(9)
      expect(p.pagesPerBlock).toBe(512)
      expect(p.nrOrders).toBe(11)
      // only a page_owner kernel prints the "Number of mixed blocks" table (fixtures/README.md)
      if (c.name.includes('page-owner')) expect(p.mixed?.length).toBe(p.blocks.length)
      else expect(p.mixed).toBeNull()
      expect(p.migratetypes.slice(0, 4)).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic'])
      expect(p.free.length).toBe(p.blocks.length * p.migratetypes.length)
      // pagetypeinfo stops counting a free list at 100000 (the 4 GiB capture reaches it)
      for (const r of p.free) r.capped.forEach((x, o) => { if (x) expect(r.counts[o]).toBe(100000) })
      expect(formatPagetypeinfo(p)).toBe(text)
    })
  }

  it('x86 (no CMA): 5 columns; arm64 with cma=128M: 6 columns incl. CMA', () => {
    expect(parsePagetypeinfo(X86).migratetypes).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'])
    const a = parsePagetypeinfo(ARM64)
    expect(a.migratetypes).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate'])
    expect(a.blocks).toEqual([{ node: 0, zone: 'DMA', counts: [57, 385, 6, 0, 64, 0] }])
    const cma = a.free.find((r) => r.migratetype === 'CMA')
    expect(cma?.counts).toEqual([1849, 1313, 283, 17, 0, 0, 1, 0, 0, 0, 23])
  })
})

describe('parsePagetypeinfo: constructed layouts', () => {
  it('reads `>100000` as 100000 with capped=true, and a 4-column header (no CMA, no Isolate)', () => {
    const text = [
      'Page block order: 9',
      'Pages per block:  512',
      '',
      'Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 ',
      'Node    0, zone   Normal, type    Unmovable    921    402    130     41      9      2      0      0      0      0      0 ',
      'Node    0, zone   Normal, type      Movable >100000  31840   9921   2210    600    301    118     44     12      4    210 ',
      'Node    0, zone   Normal, type  Reclaimable     88     30     11      2      1      0      0      0      0      0      0 ',
      'Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 ',
      '',
      'Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic ',
      'Node 0, zone   Normal          412        14908          168            0 ',
      '',
    ].join('\n')
    const p = parsePagetypeinfo(text)
    expect(p.migratetypes).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic'])
    const mov = p.free[1]
    expect(mov?.migratetype).toBe('Movable')
    expect(mov?.counts[0]).toBe(100000)
    expect(mov?.capped).toEqual([true, false, false, false, false, false, false, false, false, false, false])
    expect(p.free[0]?.capped.some((x) => x)).toBe(false)
    expect(p.blocks[0]?.counts).toEqual([412, 14908, 168, 0])
    expect(formatPagetypeinfo(p)).toBe(text)
  })

  it('reads the optional "Number of mixed blocks" table (page_owner kernels)', () => {
    const text =
      X86 +
      '\nNumber of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n' +
      'Node 0, zone      DMA            1            0            0            0            0 \n' +
      'Node 0, zone    DMA32            3           17            1            0            0 \n'
    const p = parsePagetypeinfo(text)
    expect(p.mixed).toEqual([
      { node: 0, zone: 'DMA', counts: [1, 0, 0, 0, 0] },
      { node: 0, zone: 'DMA32', counts: [3, 17, 1, 0, 0] },
    ])
    expect(p.blocks).toHaveLength(2)
    expect(formatPagetypeinfo(p)).toBe(text)
  })

  it('merges a two-node file (the whole block repeats per node, no blank line between blocks)', () => {
    const node1 = X86.replace(/^Node {4}0,/gm, 'Node    1,').replace(/^Node 0,/gm, 'Node 1,')
    const text = X86 + node1
    expect(text).toContain('            0 \nPage block order: 9\n')
    const p = parsePagetypeinfo(text)
    expect(p.pageblockOrder).toBe(9)
    expect(p.free).toHaveLength(20)
    expect(p.blocks.map((b) => `${b.node}/${b.zone}`)).toEqual(['0/DMA', '0/DMA32', '1/DMA', '1/DMA32'])
    expect(new Set(p.free.map((r) => r.node))).toEqual(new Set([0, 1]))
    expect(formatPagetypeinfo(p)).toBe(text)
  })

  it('merges two nodes with different zones, each with a mixed table', () => {
    const types = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']
    const block = (node: number, zones: string[]): string =>
      [
        'Page block order: 9',
        'Pages per block:  512',
        '',
        HDR11,
        ...zones.flatMap((z) => types.map((t, k) => freeRow(node, z, t, Z11.map((_, o) => (node + 1) * (k + o))))),
        '',
        blockHeader('Number of blocks type', types),
        ...zones.map((z, k) => blockRow(node, z, [k, 7, 0, 0, node, 0])),
        '',
        blockHeader('Number of mixed blocks', types),
        ...zones.map((z) => blockRow(node, z, [1, 0, 0, 0, 0, 0])),
        '',
      ].join('\n')
    const text = block(0, ['DMA', 'DMA32', 'Normal']) + block(1, ['Normal'])
    const p = parsePagetypeinfo(text)
    expect(p.migratetypes).toEqual(types)
    expect(p.free).toHaveLength(24)
    expect(p.blocks.map((b) => `${b.node}/${b.zone}`)).toEqual(['0/DMA', '0/DMA32', '0/Normal', '1/Normal'])
    expect(p.mixed).toHaveLength(4)
    expect(p.free[18]).toEqual({ node: 1, zone: 'Normal', migratetype: 'Unmovable', counts: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20], capped: Z11.map(() => false) })
    expect(formatPagetypeinfo(p)).toBe(text)
  })

  it('reads the old (<= 4.3) migratetype order Unmovable Reclaimable Movable Reserve CMA Isolate', () => {
    const types = ['Unmovable', 'Reclaimable', 'Movable', 'Reserve', 'CMA', 'Isolate']
    const text = [
      'Page block order: 9',
      'Pages per block:  512',
      '',
      HDR11,
      ...types.map((t, k) => freeRow(0, 'DMA', t, Z11.map((_, o) => (t === 'Movable' && o >= 9 ? o - 8 : k)))),
      '',
      'Number of blocks type     Unmovable  Reclaimable      Movable      Reserve          CMA      Isolate ',
      'Node 0, zone      DMA            0            0            7            1            0            0 ',
      '',
    ].join('\n')
    const p = parsePagetypeinfo(text)
    expect(p.migratetypes).toEqual(types)
    expect(p.blocks[0]?.counts).toEqual([0, 0, 7, 1, 0, 0])
    expect(p.free.find((r) => r.migratetype === 'Movable')?.counts).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2])
    expect(formatPagetypeinfo(p)).toBe(text)
  })

  it('derives the order count from the free header (14 orders, arm64 64K pages)', () => {
    const hdr = 'Free pages count per migrate type at order  ' + Array.from({ length: 14 }, (_, o) => `${String(o).padStart(6)} `).join('')
    const types = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic']
    const text = [
      'Page block order: 13',
      'Pages per block:  8192',
      '',
      hdr,
      ...types.map((t) => freeRow(0, 'Normal', t, new Array<number>(14).fill(3))),
      '',
      blockHeader('Number of blocks type', types),
      blockRow(0, 'Normal', [1, 2, 3, 4]),
      '',
    ].join('\n')
    const p = parsePagetypeinfo(text)
    expect(p.nrOrders).toBe(14)
    expect(p.pageblockOrder).toBe(13)
    expect(p.pagesPerBlock).toBe(8192)
    expect(formatPagetypeinfo(p)).toBe(text)
  })
})


describe('parsePagetypeinfo: malformed input', () => {
  const lines = X86.split('\n') // 18 lines + '' after the final newline
  const withLine = (no: number, text: string): string => lines.map((l, i) => (i === no - 1 ? text : l)).join('\n')
  const check = (text: string, line: number | null, re: RegExp): void => {
    const e = parseError(() => parsePagetypeinfo(text, 'cap/pagetypeinfo'))
    expect(e.line).toBe(line)
    expect(e.file).toBe('cap/pagetypeinfo')
    expect(e.message.startsWith(line === null ? 'cap/pagetypeinfo: ' : `cap/pagetypeinfo:${line}: `)).toBe(true)
    expect(e.message).toMatch(re)
  }

  it('empty file', () => check('', null, /empty/))
  it('another kind of file (buddyinfo)', () => check('Node 0, zone      DMA      0      1 \n', 1, /Page block order/))
  it('truncated inside the free table', () => check(lines.slice(0, 7).join('\n') + '\n', 7, /ends early/))
  it('truncated right after a table header', () => {
    check(lines.slice(0, 4).join('\n') + '\n', 4, /ends early/)
    check(lines.slice(0, 16).join('\n') + '\n', 16, /at least one 'Node N, zone NAME' row under the 'Number of blocks type' header/)
    check(X86 + '\nNumber of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n', 20, /truncated/)
    // a cut after a complete row of the last table cannot be told from a shorter file
    expect(parsePagetypeinfo(lines.slice(0, 17).join('\n') + '\n').blocks).toHaveLength(1)
  })
  it('a free table without rows', () => check(lines.slice(0, 4).concat(lines.slice(14)).join('\n'), 4, /under the 'Free pages count/))
  it('a free row with 10 counts instead of 11', () => check(withLine(6, lines[5]!.replace(/\s+\d+ $/, ' ')), 6, /11 free counts/))
  it('a free row with an unknown migratetype', () => check(withLine(7, lines[6]!.replace('Reclaimable', 'Bogus')), 7, /among those of the header on line 16/))
  it('a block row with a wrong count', () => check(withLine(18, lines[17]! + '   5 '), 18, /5 block counts/))
  it('Pages per block not a power of the order', () => check(withLine(2, 'Pages per block:  500'), 2, /2\^9 = 512/))
  it('a >N count that is not a number', () => check(withLine(6, lines[5]!.replace(/ +\d+ $/, ' >abc ')), 6, /free count of order 10 as a non-negative decimal integer/))
  it('a capped count with letters', () => check(withLine(6, lines[5]!.replace(/^(.{49})\S+/, '$1>1e5')), 6, /non-negative decimal integer/))
  it('a count beyond 2^53', () => check(withLine(5, lines[4]!.replace(/ 0 $/, ' 99999999999999999 ')), 5, /no larger than/))
  it('garbage bytes', () => check(withLine(9, '\u0000\u0001\u00ff\ufffd\ufffd'), 9, /binary/))
  it('orders out of sequence', () => check(withLine(4, HDR11.replace('     3      4', '     4      3')), 4, /orders 0 1 2/))
  it('a block row in the free table position', () => check(withLine(5, 'Node 0, zone      DMA            1            7'), 5, /free-count row/))
  it('a free row in the block table', () => check(withLine(18, lines[4]!), 18, /block row/))
  it('a second node with another page block order', () => {
    check(X86 + X86.replace('order: 9', 'order: 10').replace(/^Node {4}0,/gm, 'Node    1,').replace(/^Node 0,/gm, 'Node 1,'), 19, /same page block order/)
  })
  it('a node listed in two blocks', () => check(X86 + X86, 23, /node not already listed/))
  it('rows of two nodes in one block', () => check(withLine(6, lines[5]!.replace('Node    0', 'Node    1')), 6, /rows of node 0 only/))
  it('a mixed table whose migratetypes differ', () => {
    check(X86 + '\nNumber of mixed blocks    Unmovable      Movable \n', 20, /migratetypes of the block-count header on line 16/)
  })
  it('a mixed table in one node block only', () => {
    const node1 = X86.replace(/^Node {4}0,/gm, 'Node    1,').replace(/^Node 0,/gm, 'Node 1,')
    const mixed = '\nNumber of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n' +
      'Node 0, zone      DMA            1            0            0            0            0 \n'
    check(X86 + mixed + node1, 22, /every node block with a 'Number of mixed blocks' table/)
  })
  it('a repeated (zone, type) row', () => check(withLine(6, lines[4]!), 6, /each zone and migratetype once/))
  it('zoneinfo text', () => check('Node 0, zone      DMA\n  per-node stats\n', 1, /Page block order/))
})

describe('formatPagetypeinfo (property)', () => {
  it('parse(format(p)) == p for generated single- and multi-node tables', () => {
    const types = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']
    const zones = ['DMA', 'DMA32', 'Normal', 'Movable']
    const arb = fc.record({
      nrOrders: fc.integer({ min: 1, max: 14 }),
      nTypes: fc.integer({ min: 1, max: 6 }),
      nodes: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 3 }),
      nZones: fc.integer({ min: 1, max: 4 }),
      mixed: fc.boolean(),
      seed: fc.array(fc.oneof(fc.nat(2_000_000), fc.constant(-1)), { minLength: 64, maxLength: 64 }),
    }).map(({ nrOrders, nTypes, nodes, nZones, mixed, seed }): Pagetypeinfo => {
      let k = 0
      const next = (): number => seed[k++ % seed.length] as number
      const mts = types.slice(0, nTypes)
      const free = nodes.flatMap((node) =>
        zones.slice(0, nZones).flatMap((zone) =>
          mts.map((migratetype) => {
            const raw = Array.from({ length: nrOrders }, next)
            return { node, zone, migratetype, counts: raw.map((v) => (v < 0 ? 100000 : v)), capped: raw.map((v) => v < 0) }
          }),
        ),
      )
      const rows = (): Pagetypeinfo['blocks'] =>
        nodes.flatMap((node) => zones.slice(0, nZones).map((zone) => ({ node, zone, counts: mts.map(() => Math.abs(next())) })))
      return { pageblockOrder: 9, pagesPerBlock: 512, nrOrders, migratetypes: mts, free, blocks: rows(), mixed: mixed ? rows() : null }
    })
    fc.assert(
      fc.property(arb, (p) => {
        const text = formatPagetypeinfo(p)
        expect(parsePagetypeinfo(text)).toEqual(p)
      }),
      { numRuns: 200 },
    )
  })
})
