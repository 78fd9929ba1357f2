/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { captures, parseError } from '../../test/helpers/procfs.ts'
import fc from 'fast-check'
import { formatBuddyinfo, parseBuddyinfo } from './buddyinfo.ts'
import { type Buddyinfo } from './types.ts'



describe('parseBuddyinfo on real captures', () => {
  const caps = captures()
  it('finds the fixture captures', () => {
    expect(caps.length).toBeGreaterThanOrEqual(16)
  })
  for (const c of caps) {
    it(`${c.name}: parses and re-formats byte for byte`, () => {
      const text = c.read('buddyinfo')
      const b = parseBuddyinfo(text)
      expect(b.nrOrders).toBe(11)
      expect(b.rows.length).toBeGreaterThan(0)
      expect(b.rows[0]?.zone).toBe('DMA')
      expect(formatBuddyinfo(b)).toBe(text)
    })
  }
})

describe('parseBuddyinfo', () => {
  const twoNodes =
    'Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n' +
    'Node 0, zone    DMA32    312    201    140     98     61     40     22     12      6      4    602 \n' +
    'Node 0, zone   Normal  12043   5512   2210    803    301    110     41     17      5      2      0 \n' +
    'Node 1, zone   Normal 1234567   4410   1991    702    244     97     33     12      9      3     11 \n'

  it('reads a two-node file, with a count wider than 6 digits', () => {
    const b = parseBuddyinfo(twoNodes)
    expect(b.nrOrders).toBe(11)
    expect(b.rows.map((r) => [r.node, r.zone])).toEqual([[0, 'DMA'], [0, 'DMA32'], [0, 'Normal'], [1, 'Normal']])
    expect(b.rows[3]?.nrFree[0]).toBe(1234567)
    expect(b.rows[1]?.nrFree).toEqual([312, 201, 140, 98, 61, 40, 22, 12, 6, 4, 602])
    expect(formatBuddyinfo(b)).toBe(twoNodes)
  })

  it('derives the order count from the columns (arm64 64K: 14, ppc64 64K: 9)', () => {
    const row14 = 'Node 0, zone   Normal' + '      1'.repeat(14) + ' \n'
    expect(parseBuddyinfo(row14).nrOrders).toBe(14)
    const row9 = 'Node 0, zone   Normal' + '      2'.repeat(9) + ' \n'
    expect(parseBuddyinfo(row9).nrOrders).toBe(9)
  })

  it('accepts a missing trailing newline and trailing blank lines', () => {
    const b = parseBuddyinfo('Node 0, zone      DMA      1      2 \n\n')
    expect(b.rows[0]?.nrFree).toEqual([1, 2])
    expect(parseBuddyinfo('Node 0, zone      DMA      1      2').rows[0]?.nrFree).toEqual([1, 2])
  })

  it('rejects rows with a different column count, naming the line', () => {
    const e = parseError(() => parseBuddyinfo('Node 0, zone      DMA      1      2      3 \nNode 0, zone    DMA32      1      2 \n', 'cap/buddyinfo'))
    expect(e.line).toBe(2)
    expect(e.file).toBe('cap/buddyinfo')
    expect(e.message).toContain('cap/buddyinfo:2')
    expect(e.expected).toContain('3 numeric columns')
  })

  it('names the first bad line: a bad count on line 1 before a malformed row on line 3', () => {
    const e = parseError(() => parseBuddyinfo('Node 0, zone      DMA      1 x \nNode 0, zone    DMA32      1      2 \nnot a row\n'))
    expect(e.line).toBe(1)
    expect(e.found).toBe('x')
  })

  it.each([
    ['1e5'], ['-3'], ['12abc'], ['1.5'], ['0x10'], ['+4'],
  ])('rejects the count %s', (tok) => {
    const e = parseError(() => parseBuddyinfo(`Node 0, zone      DMA      1 ${tok} \n`))
    expect(e.line).toBe(1)
    expect(e.expected).toMatch(/non-negative decimal integer/)
    expect(e.found).toBe(tok)
  })

  it('rejects counts beyond Number.MAX_SAFE_INTEGER', () => {
    const e = parseError(() => parseBuddyinfo('Node 0, zone      DMA      1 \nNode 0, zone    DMA32 9007199254740993 \n'))
    expect(e.line).toBe(2)
    expect(e.expected).toMatch(/no larger than 9007199254740991/)
  })

  it('rejects an empty file', () => {
    for (const t of ['', '\n', '  \n\n']) {
      const e = parseError(() => parseBuddyinfo(t, 'buddyinfo'))
      expect(e.line).toBeNull()
      expect(e.message).toMatch(/^buddyinfo: .*empty/)
    }
  })

  it('rejects a repeated zone', () => {
    const e = parseError(() => parseBuddyinfo('Node 0, zone      DMA      1 \nNode 0, zone      DMA      2 \n'))
    expect(e.line).toBe(2)
  })
})

describe('formatBuddyinfo (property)', () => {
  const zone = fc.constantFrom('DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device')
  it('parse(format(b)) == b', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }).chain((n) =>
          fc.array(
            fc.record({
              node: fc.nat(64),
              zone,
              nrFree: fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { minLength: n, maxLength: n }),
            }),
            { minLength: 1, maxLength: 6 },
          ).map((rows): Buddyinfo => ({ rows, nrOrders: n })),
        ),
        (b) => {
          // distinct (node, zone) pairs, as the kernel prints them
          const keys = new Set(b.rows.map((r) => `${r.node}/${r.zone}`))
          fc.pre(keys.size === b.rows.length)
          const text = formatBuddyinfo(b)
          expect(parseBuddyinfo(text)).toEqual(b)
          expect(formatBuddyinfo(parseBuddyinfo(text))).toBe(text)
        },
      ),
    )
  })
})
