/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { captures } from '../../test/helpers/procfs.ts'
import { parseVmstat } from './vmstat.ts'
import { ParseError } from './types.ts'


describe('parseVmstat on real captures', () => {
  for (const c of captures()) {
    it(`${c.name}: vmstat and node0_vmstat parse`, () => {
      const v = parseVmstat(c.read('vmstat'))
      expect(v.nr_free_pages).toBeGreaterThan(0)
      expect(v.pgmigrate_success).toBeGreaterThanOrEqual(0)
      expect(v.compact_stall).toBeGreaterThanOrEqual(0)
      expect(v.nr_unstable).toBe(0)
      // the page_owner kernel (tinyconfig) has no NUMA, hence no /sys/devices/system/node
      if (c.name.includes('page-owner')) return
      const n = parseVmstat(c.read('node0_vmstat'), 'node0_vmstat')
      expect(n.nr_free_pages).toBeGreaterThan(0)
      // the per-node file has node and zone state items only, no event counters
      expect(n.pgmigrate_success).toBeUndefined()
      expect(Object.keys(n).length).toBeLessThan(Object.keys(v).length)
    })
  }
})

describe('parseVmstat', () => {
  it('reads name value pairs', () => {
    expect(parseVmstat('nr_free_pages 512093\ncompact_stall 3\n')).toEqual({ nr_free_pages: 512093, compact_stall: 3 })
  })
  it('rejects malformed lines with their number', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['nr_free_pages 1\nnr_free_cma\n', 2, /'name value' line/],
      ['nr_free_pages 1\nnr_free_cma 1.5\n', 2, /value of nr_free_cma as a decimal integer/],
      ['nr_free_pages 1 kB\n', 1, /'name value' line/],
      ['MemTotal:        1000836 kB\n', 1, /'name value' line/],
      ['nr_free_pages 99999999999999999999\n', 1, /no larger than/],
      ['nr_free_pages 1\n\u0000\u0001\u0002\n', 2, /binary/],
    ]
    for (const [text, line, re] of cases) {
      let err: unknown
      try {
        parseVmstat(text, 'cap/vmstat')
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ParseError)
      expect((err as ParseError).line).toBe(line)
      expect((err as ParseError).message).toMatch(re)
      expect((err as ParseError).message).toContain('cap/vmstat')
    }
  })
  it('rejects an empty file', () => {
    expect(() => parseVmstat('')).toThrow(/vmstat: expected .*empty/)
  })
})

