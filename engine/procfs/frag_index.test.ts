/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { harnessCaptures, parseError } from '../../test/helpers/procfs.ts'
import fc from 'fast-check'
import { formatExtfragIndex, formatUnusableIndex, parseFragIndex } from './frag_index.ts'

describe('frag index files on real captures', () => {
  for (const c of harnessCaptures()) {
    it(`${c.name}: extfrag_index round-trips byte for byte`, () => {
      const text = c.read('extfrag_index')
      const f = parseFragIndex(text, 'extfrag_index')
      expect(f.rows.length).toBeGreaterThan(0)
      for (const r of f.rows) {
        expect(r.values).toHaveLength(11)
        for (const v of r.values) expect(v === -1000 || (v >= 0 && v <= 1000)).toBe(true)
      }
      expect(formatExtfragIndex(f.rows)).toBe(text)
    })
    it(`${c.name}: unusable_index round-trips byte for byte`, () => {
      const text = c.read('unusable_index')
      const f = parseFragIndex(text, 'unusable_index')
      for (const r of f.rows) for (const v of r.values) expect(v >= 0 && v <= 1000).toBe(true)
      expect(formatUnusableIndex(f.rows)).toBe(text)
    })
  }
})

describe('parseFragIndex', () => {
  it('reads values as integers x1000', () => {
    const ext = 'Node 0, zone   Normal -1.000 -1.000  0.000  0.987  1.000 \n'
    const f = parseFragIndex(ext)
    expect(f.rows).toEqual([{ node: 0, zone: 'Normal', values: [-1000, -1000, 0, 987, 1000] }])
    expect(formatExtfragIndex(f.rows)).toBe(ext)
    const unu = 'Node 1, zone      DMA 0.000 0.024 0.061 1.000 \n'
    const u = parseFragIndex(unu, 'unusable_index')
    expect(u.rows[0]?.values).toEqual([0, 24, 61, 1000])
    expect(formatUnusableIndex(u.rows)).toBe(unu)
  })

  it('formats -1000 as "-1.000" in both widths, and 5 as " 0.005" / "0.005"', () => {
    const rows = [{ node: 0, zone: 'DMA32', values: [-1000, 5, 1000] }]
    expect(formatExtfragIndex(rows)).toBe('Node 0, zone    DMA32 -1.000  0.005  1.000 \n')
    expect(formatUnusableIndex(rows)).toBe('Node 0, zone    DMA32 -1.000 0.005 1.000 \n')
  })

  it.each([
    ['0.98', 1], ['1', 1], ['abc', 1], ['0.9870', 1], ['1e3', 1], ['--1.000', 1],
  ])('rejects the value %s', (tok, line) => {
    const e = parseError(() => parseFragIndex(`Node 0, zone      DMA ${tok} \n`, 'extfrag_index'))
    expect(e.line).toBe(line)
    expect(e.message).toContain('extfrag_index:1')
  })

  it('rejects rows of different lengths and huge values', () => {
    expect(parseError(() => parseFragIndex('Node 0, zone DMA 0.000 0.100\nNode 0, zone DMA32 0.000\n')).line).toBe(2)
    expect(parseError(() => parseFragIndex('Node 0, zone DMA 99999999999999999.000\n')).expected).toMatch(/no larger than/)
  })

  it('formatted values parse back (property)', () => {
    const value = fc.oneof(fc.constant(-1000), fc.integer({ min: 0, max: 1000 }))
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 14 }), fc.nat(8), (values, node) => {
        const rows = [{ node, zone: 'Normal', values }]
        expect(parseFragIndex(formatExtfragIndex(rows)).rows).toEqual(rows)
        expect(parseFragIndex(formatUnusableIndex(rows)).rows).toEqual(rows)
      }),
    )
  })
})
