/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { captures } from '../../test/helpers/procfs.ts'
import { readFileSync } from 'node:fs'
import { parseMeminfo } from './meminfo.ts'
import { ParseError } from './types.ts'


describe('parseMeminfo', () => {
  for (const c of captures()) {
    it(`${c.name}: meminfo parses`, () => {
      const m = parseMeminfo(c.read('meminfo'))
      expect(m.values.MemTotal).toBeGreaterThan(0)
      expect(m.kb.has('MemTotal')).toBe(true)
      expect(m.kb.has('HugePages_Total')).toBe(false)
      expect(m.kb.has('Hugepagesize')).toBe(true)
      expect(m.values['Active(anon)']).toBeGreaterThanOrEqual(0)
    })
  }

  it('arm64 cma=128M capture: CmaTotal 131072 kB', () => {
    const m = parseMeminfo(readFileSync(new URL('../../fixtures/arm64-1G-s6-cma-compact/01-boot/meminfo', import.meta.url), 'utf8'))
    expect(m.values.CmaTotal).toBe(131072)
    expect(m.values.VmallocTotal).toBe(133143592960)
  })

  it('strips the "Node N " prefix of per-node files', () => {
    const m = parseMeminfo('Node 0 MemTotal:       1000836 kB\nNode 0 MemFree:         347584 kB\nNode 0 HugePages_Total:     0\n', 'node0/meminfo')
    expect(m.values).toEqual({ MemTotal: 1000836, MemFree: 347584, HugePages_Total: 0 })
    expect([...m.kb].sort()).toEqual(['MemFree', 'MemTotal'])
  })

  it('rejects malformed lines with their number', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['MemTotal:  1 kB\nMemFree  2 kB\n', 2, /'Key: value' or 'Key: value kB' line/],
      ['MemTotal:  1 MB\n', 1, /unit 'kB'/],
      ['MemTotal:  12x kB\n', 1, /value of MemTotal/],
      ['MemTotal:\n', 1, /'Key: value'/],
      ['nr_free_pages 86896\n', 1, /'Key: value'/],
      ['MemTotal:  1 kB\nMemFree: 99999999999999999 kB\n', 2, /no larger than/],
    ]
    for (const [text, line, re] of cases) {
      let err: unknown
      try {
        parseMeminfo(text, 'cap/meminfo')
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ParseError)
      expect((err as ParseError).line).toBe(line)
      expect((err as ParseError).message).toMatch(re)
      expect((err as ParseError).message).toContain('cap/meminfo')
    }
  })
})
