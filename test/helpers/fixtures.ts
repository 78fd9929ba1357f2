/**
 * Test helpers: read a fixture capture directory into a CaptureInput (texts + binary names),
 * and parse it once per process (cached, like DevTools' TraceLoader).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCapture, type Capture, type CaptureInput } from '../../engine/snapshot.ts'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures')

export const RUNS = ['x86-512M-s1-compact', 'x86-1G-s2-hugetlb', 'arm64-1G-s6-cma-compact'] as const

/** every capture directory of every real run: [run, capture] */
export function allCaptures(): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const run of RUNS) {
    for (const d of readdirSync(join(FIXTURES, run)).sort()) if (/^\d\d-/.test(d)) out.push([run, d])
  }
  return out
}

const BINARY = new Set(['kpageflags', 'kpagecount'])

export function readCaptureInput(run: string, capture: string): CaptureInput {
  const dir = join(FIXTURES, run, capture)
  const texts: Record<string, string> = {}
  const binaries: string[] = []
  for (const f of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)) {
    const name = f.replace(/\.gz$/, '')
    if (BINARY.has(name)) binaries.push(name)
    else texts[name] = readFileSync(join(dir, f), 'utf8')
  }
  return { source: dir, label: capture, texts, binaries, describe: (n) => join(dir, n) }
}

const cache = new Map<string, Capture>()
export function loadCapture(run: string, capture: string): Capture {
  const key = `${run}/${capture}`
  let c = cache.get(key)
  if (!c) {
    c = parseCapture(readCaptureInput(run, capture))
    cache.set(key, c)
  }
  return c
}

/** raw bytes of kpageflags / kpagecount (gunzipped) */
export function readKpage(run: string, capture: string, name: 'kpageflags' | 'kpagecount'): Uint8Array {
  const p = join(FIXTURES, run, capture, name)
  if (existsSync(p)) return readFileSync(p)
  return gunzipSync(readFileSync(p + '.gz'))
}

/** a capture's raw /proc/kpageflags or /proc/kpagecount (`name`.gz in `dir`/`cap`): one 64-bit word per pfn */
export function readKpageRaw(dir: string, cap: string, name: 'kpageflags' | 'kpagecount'): BigUint64Array {
  const b = gunzipSync(readFileSync(join(dir, cap, `${name}.gz`)))
  return new BigUint64Array(b.buffer, b.byteOffset, b.byteLength / 8)
}

/** whether bit `b` (a KPF_* number) of a kpageflags word is set */
export const kpfBit = (f: bigint, b: number): boolean => ((f >> BigInt(b)) & 1n) === 1n
