import { describe, expect, it } from 'vitest'
import { formatBytes, formatExtfrag, formatIndex, formatShortSize, hex, orderLabel, percent, zoneKey, zoneLabel } from './format.ts'

describe('format', () => {
  it('sizes in binary units', () => {
    expect(formatBytes(4096)).toBe('4 KiB')
    expect(formatBytes(2 * 1024 * 1024)).toBe('2 MiB')
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB')
    expect(formatBytes(1024 ** 4)).toBe('1 TiB')
    expect(formatBytes(0)).toBe('0 B')
    expect(formatShortSize(4096)).toBe('4K')
    expect(formatShortSize(4 * 1024 * 1024)).toBe('4M')
  })
  it('names an order with its block size', () => {
    expect(orderLabel(9, 4096)).toBe('order 9 = 2 MiB')
    expect(orderLabel(0, 4096)).toBe('order 0 = 4 KiB')
    expect(orderLabel(13, 65536)).toBe('order 13 = 512 MiB')
  })
  it('prints ×1000 indices as the kernel does', () => {
    expect(formatIndex(0)).toBe('0.000')
    expect(formatIndex(398)).toBe('0.398')
    expect(formatIndex(1000)).toBe('1.000')
    expect(formatIndex(-1000)).toBe('-1.000')
    expect(formatExtfrag(-1000)).toBe('−1 (block exists)')
    expect(formatExtfrag(512)).toBe('0.512')
  })
  it('hex, percent and zone names', () => {
    expect(hex(0x1000)).toBe('0x1000')
    expect(hex(255, 4)).toBe('0x00ff')
    expect(hex(2 ** 40)).toBe('0x10000000000')
    expect(percent(1, 4)).toBe('25.0%')
    expect(percent(1, 0)).toBe('—')
    expect(zoneLabel({ node: 1, zone: 'Normal' })).toBe('Node 1, zone Normal')
    expect(zoneKey({ node: 1, zone: 'Normal' })).toBe('1:Normal')
  })
})
