import { describe, expect, it } from 'vitest'
import { chartTheme } from '../palette.ts'
import { indexValue, indicesOption, indicesTooltip } from './indices.ts'
import { dma32 } from './fixtures.test-helpers.ts'

type Series = { name: string; type: string; data: Array<number | null> }
const base = { pageSize: 4096, nrOrders: 11, extfragThreshold: 500, theme: chartTheme('light') }

describe('fragmentation index chart options', () => {
  it('shows ×1000 values on 0..1', () => {
    expect(indexValue(398, false)).toBe(0.398)
    expect(indexValue(1000, true)).toBe(1)
    expect(indexValue(-1000, true)).toBeNull()
    expect(indexValue(undefined, false)).toBeNull()
    const opt = indicesOption({ ...base, zone: dma32() })
    const y = opt.yAxis as { min: number; max: number }
    expect([y.min, y.max]).toEqual([0, 1])
    const [unusable] = opt.series as Series[]
    expect(unusable!.data).toEqual([0, 0.398, 0.673, 0.724, 0.727, 0.728, 0.728, 0.731, 0.737, 0.754, 0.776])
  })

  it('extfrag −1 ("a block exists") is a marker, not a value on the line', () => {
    const z = { ...dma32(), extfragIndex: [-1000, -1000, 120, 640, 880, 920, 950, 960, 970, 980, 990] }
    const series = indicesOption({ ...base, zone: z }).series as Series[]
    const extfrag = series.find((s) => s.name === 'extfrag index')!
    expect(extfrag.data.slice(0, 4)).toEqual([null, null, 0.12, 0.64])
    const exists = series.find((s) => s.type === 'scatter')!
    expect(exists.data.slice(0, 3)).toEqual([0, 0, null])
  })

  it('draws extfrag_threshold as a flat line at its value', () => {
    const series = indicesOption({ ...base, extfragThreshold: 700, zone: dma32() }).series as Series[]
    const th = series.find((s) => s.name.startsWith('extfrag_threshold'))!
    expect(th.name).toBe('extfrag_threshold 0.700')
    expect(new Set(th.data)).toEqual(new Set([0.7]))
    expect(th.data).toHaveLength(11)
  })

  it('tooltip explains the index against the threshold', () => {
    const z = { ...dma32(), extfragIndex: [-1000, 300, 900, 900, 900, 900, 900, 900, 900, 900, 900] }
    expect(indicesTooltip(z, 0, 4096, 500)).toContain('a free block of this order exists')
    expect(indicesTooltip(z, 1, 4096, 500)).toContain('lack of memory')
    expect(indicesTooltip(z, 2, 4096, 500)).toContain('fragmentation')
    expect(indicesTooltip(z, 2, 4096, 500)).toContain('order 2 = 16 KiB')
    expect(indicesTooltip(z, 2, 4096, 500)).toContain('0.900')
  })
})
