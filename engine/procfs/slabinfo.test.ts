/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { harnessCaptures, parseError } from '../../test/helpers/procfs.ts'
import { FIXTURES } from '../../test/helpers/fixtures.ts'
import { parseSlabinfo, slabCompounds } from './slabinfo.ts'

describe('parseSlabinfo on real captures', () => {
  for (const c of harnessCaptures()) {
    let text: string
    try { text = c.read('slabinfo') } catch { continue }
    it(`${c.name}: parses`, () => {
      const s = parseSlabinfo(text)
      expect(s.caches.length).toBeGreaterThan(50)
      expect(s.caches.find((k) => k.name === 'kmalloc-8k')?.pagesPerSlab).toBe(8)
    })
  }

  it('x86-1G-s12-wl0-ctrace-cpu0/02-before: its slabs of more than one page are the compound slab heads kpageflags shows', () => {
    const dir = join(FIXTURES, 'x86-1G-s12-wl0-ctrace-cpu0', '02-before')
    const c = slabCompounds(parseSlabinfo(readFileSync(join(dir, 'slabinfo'), 'utf8')))
    const heads = c.slabsByOrder.reduce((a, n) => a + n, 0)
    const b = gunzipSync(readFileSync(join(dir, 'kpageflags.gz')))
    const f = new BigUint64Array(b.buffer, b.byteOffset, b.byteLength / 8)
    let kpfHeads = 0
    // KPF_SLAB (7) and KPF_COMPOUND_HEAD (15)
    for (const x of f) if (((x >> 7n) & 1n) === 1n && ((x >> 15n) & 1n) === 1n) kpfHeads++
    expect(Math.abs(heads - kpfHeads), `${heads} slabs of order > 0, ${kpfHeads} slab heads in kpageflags`).toBeLessThanOrEqual(2)
  })
})

describe('parseSlabinfo', () => {
  const HEAD = 'slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n'
  it('reads pages per slab and slabs, and sums the compound ones by order', () => {
    const s = parseSlabinfo(HEAD + 'kmalloc-8k            36     36   8192    4    8 : tunables    0    0    0 : slabdata      9      9      0\nkmalloc-64          2048   2048     64   64    1 : tunables    0    0    0 : slabdata     32     32      0\n')
    expect(s.caches).toEqual([{ name: 'kmalloc-8k', pagesPerSlab: 8, numSlabs: 9 }, { name: 'kmalloc-64', pagesPerSlab: 1, numSlabs: 32 }])
    expect(slabCompounds(s)).toEqual({ pages: 72 + 32, slabsByOrder: [0, 0, 0, 9] })
  })

  it('takes the statistics columns of CONFIG_DEBUG_SLAB, and an empty file as no cache', () => {
    const s = parseSlabinfo(HEAD.replace('2.1', '2.1 (statistics)') + 'kmalloc-8k 36 36 8192 4 8 : tunables 24 12 8 : slabdata 9 9 0 : globalstat 40 36 9 0 0 0 0 0 0 : cpustat 1 2 3 4\n')
    expect(s.caches).toEqual([{ name: 'kmalloc-8k', pagesPerSlab: 8, numSlabs: 9 }])
    expect(parseSlabinfo('')).toEqual({ caches: [] })
  })

  it('names the file and line of a malformed row, and a missing header', () => {
    expect(parseError(() => parseSlabinfo(HEAD + 'kmalloc-8k 36 36 8192 4 8 : tunables 0 0 0\n', 'x/slabinfo')).message).toMatch(/^x\/slabinfo:3: expected a cache row/)
    expect(parseError(() => parseSlabinfo(HEAD + 'kmalloc-8k 36 36 8192 4 3 : tunables 0 0 0 : slabdata 9 9 0\n', 'x/slabinfo')).message).toMatch(/^x\/slabinfo:3: expected <pagesperslab> as a power of two/)
    expect(parseError(() => parseSlabinfo('name x\n', 'x/slabinfo')).message).toMatch(/^x\/slabinfo:1: expected the header/)
  })
})
