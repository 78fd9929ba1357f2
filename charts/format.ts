/** Number and size formatting shared by views and chart options (pure). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** Binary size: 4096 → "4 KiB", 2097152 → "2 MiB", 1.5 GiB → "1.5 GiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—'
  let v = Math.abs(bytes)
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  const s = v >= 100 || Number.isInteger(v) ? String(Math.round(v * 10) / 10) : v.toFixed(v >= 10 ? 1 : 2).replace(/\.?0+$/, '')
  return `${bytes < 0 ? '-' : ''}${s} ${UNITS[u]}`
}

/** Short size for axis labels: "4K", "2M", "1G". */
export function formatShortSize(bytes: number): string {
  const short = ['', 'K', 'M', 'G', 'T', 'P']
  let v = bytes
  let u = 0
  while (v >= 1024 && u < short.length - 1) {
    v /= 1024
    u++
  }
  return `${Math.round(v * 10) / 10}${short[u]}`
}

/** "order 9 = 2 MiB" */
export function orderLabel(order: number, pageSize: number): string {
  return `order ${order} = ${formatBytes(2 ** order * pageSize)}`
}

/** Thousands-separated integer. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** 0x-prefixed lowercase hex; pads to `width` digits when given. */
export function hex(n: number, width = 0): string {
  if (!Number.isFinite(n) || n < 0) return '—'
  return `0x${Math.floor(n).toString(16).padStart(width, '0')}`
}

/** A ×1000 index as the kernel prints it: 123 → "0.123". */
export function formatIndex(x1000: number): string {
  const sign = x1000 < 0 ? '-' : ''
  const v = Math.abs(x1000)
  return `${sign}${Math.floor(v / 1000)}.${String(v % 1000).padStart(3, '0')}`
}

/** An extfrag index ×1000; −1000 means "a free block of this order exists". */
export function formatExtfrag(x1000: number): string {
  return x1000 === -1000 ? '−1 (block exists)' : formatIndex(x1000)
}

export function percent(part: number, whole: number, digits = 1): string {
  if (!whole) return '—'
  return `${((part / whole) * 100).toFixed(digits)}%`
}

/** "Node 0, zone DMA32" */
export function zoneLabel(z: { node: number; zone: string }): string {
  return `Node ${z.node}, zone ${z.zone}`
}

/** Stable key of a zone for selectors. */
export function zoneKey(z: { node: number; zone: string }): string {
  return `${z.node}:${z.zone}`
}
