/** Small helpers of the benchmark: timing, garbage collection, memory snapshots, formatting. */
import { readFileSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/** global.gc() when node runs with --expose-gc (npm run bench does), else a no-op. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) {
    g()
    g()
  }
}

export const gcExposed = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function'

export function now(): number {
  return performance.now()
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export interface MemSnapshot {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

/**
 * Process memory after a full collection. V8 frees ArrayBuffer backing stores (the model's
 * typed arrays) on a background sweeper after the GC, so wait a moment and collect again
 * before reading the counters.
 */
export async function memAfterGc(): Promise<MemSnapshot> {
  gc()
  await sleep(20)
  gc()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}

export function memDelta(a: MemSnapshot, b: MemSnapshot): MemSnapshot {
  return { rss: b.rss - a.rss, heapUsed: b.heapUsed - a.heapUsed, external: b.external - a.external, arrayBuffers: b.arrayBuffers - a.arrayBuffers }
}

/**
 * Reset this process's peak RSS (Linux: writing 5 to /proc/self/clear_refs resets VmHWM).
 * Returns false where that is not possible; peakRssSinceReset() then reports null.
 */
let peakBeforeResets = 0

export function resetPeakRss(): boolean {
  peakBeforeResets = Math.max(peakBeforeResets, peakRssSinceReset() ?? 0, process.resourceUsage().maxRSS * 1024)
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

/** VmHWM of this process (bytes): the peak RSS since the last resetPeakRss(), or null. */
export function peakRssSinceReset(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

/** peak resident set of this process over its whole life, bytes (resets of VmHWM included) */
export function peakRss(): number {
  return Math.max(peakBeforeResets, peakRssSinceReset() ?? 0, process.resourceUsage().maxRSS * 1024)
}

export const MiB = 2 ** 20

export function fmtMiB(bytes: number, digits = 1): string {
  return `${(bytes / MiB).toFixed(digits)} MiB`
}

export function fmtSignedMiB(bytes: number): string {
  const v = bytes / MiB
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)} MiB`
}

export function fmtMs(ms: number): string {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
}

export function fmtRuns(ms: number[]): string {
  return ms.map((x) => x.toFixed(0)).join(', ') + ' ms'
}

export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'FAIL'
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US')
}
