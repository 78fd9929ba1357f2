/**
 * Issue 16: the WebAssembly kpageflags decode (host/workers/kpage_wasm.ts), which the split
 * loader runs on every thread, gives the page map and the unsplittable large-folio heads of the
 * plain entry-by-entry classification (classifyKpageflags) and of the engine's decodeKpageflags:
 * on every fixture capture's kpageflags, in chunks of sizes that align with nothing, and on
 * random flag words at any offset, clipped to [basePfn, endPfn).
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { readdirSync, existsSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { decodeKpageflags } from '../../engine/index.ts'
import { chunkDecoder, kpageWasmDecoder } from '../../host/workers/kpage_wasm.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { kpageWords, plainDecode } from '../helpers/kpage_reference.ts'

/** every fixture capture's kpageflags (plain or gzip): [capture, path] */
function fixtureFlags(): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const e of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!e.isDirectory()) continue
    const run = e.name
    const dir = join(FIXTURES, run)
    const caps = readdirSync(dir).filter((d) => /^\d\d-/.test(d)).sort()
    for (const c of caps.length ? caps : ['']) {
      for (const f of ['kpageflags', 'kpageflags.gz']) if (existsSync(join(dir, c, f))) out.push([join(run, c), join(dir, c, f)])
    }
  }
  return out
}

function firstDiff(a: Uint8Array, b: Uint8Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `PFN ${i}: ${a[i]} vs ${b[i]}`
  return null
}

/** decode `flags` (whole file) in chunks of `chunk` entries through the WebAssembly decoder */
function wasmDecode(flags: Uint8Array, chunk: number, map: Uint8Array, basePfn: number, endPfn: number, simd: boolean): number[] {
  const d = kpageWasmDecoder(chunk, { simd })
  if (!d) throw new Error('WebAssembly is not available')
  const total = flags.length / 8
  const heads: number[] = []
  for (let first = 0; first < total; first += chunk) {
    const n = Math.min(chunk, total - first)
    d.input.set(flags.subarray(first * 8, (first + n) * 8))
    heads.push(...(d.decode(n, first, map, basePfn, endPfn) ?? []))
  }
  return heads
}

describe('the WebAssembly kpageflags decode', () => {
  it('is the one the split loader picks here, with SIMD', () => {
    expect(kpageWasmDecoder(16)?.kind).toBe('simd')
    expect(kpageWasmDecoder(16, { simd: false })?.kind).toBe('wasm')
    expect(chunkDecoder(16).kind).toBe('simd')
    expect(chunkDecoder(16, 'js').kind).toBe('js')
  })

  const files = fixtureFlags()
  it('finds the fixtures\' kpageflags', () => {
    expect(files.length).toBeGreaterThan(50)
  })

  it('equals the plain classification on every fixture capture\'s kpageflags', () => {
    for (const [cap, path] of files) {
      const raw = readFileSync(path)
      const flags = path.endsWith('.gz') ? gunzipSync(raw) : raw
      const total = flags.length / 8
      const words = new Uint32Array(flags.buffer, flags.byteOffset, total * 2)
      // memMap from PFN 1 (the kernel's first PFN on x86; PFN 0 is clipped), to the file's end
      const basePfn = 1
      const want = new Uint8Array(total - basePfn).fill(0xee)
      const wantHeads = plainDecode(words, 0, want, basePfn, total)
      const js = new Uint8Array(total - basePfn).fill(0xee)
      expect(decodeKpageflags(words, 0, js, basePfn, total) ?? [], cap).toEqual(wantHeads)
      expect(firstDiff(js, want), `${cap}: decodeKpageflags`).toBeNull()
      for (const [chunk, simd] of [[131_072, true], [40_009, true], [4_093, true], [131_072, false], [4_093, false]] as const) {
        const got = new Uint8Array(total - basePfn).fill(0xee)
        expect(wasmDecode(flags, chunk, got, basePfn, total, simd), `${cap} chunk ${chunk} simd ${simd}`).toEqual(wantHeads)
        expect(firstDiff(got, want), `${cap} chunk ${chunk} simd ${simd}`).toBeNull()
      }
    }
  }, 300_000)

  it.each([true, false])('equals the plain classification on any flag words, at any offset, clipped (SIMD %s)', (simd) => {
    let heads = 0
    const d = kpageWasmDecoder(300, { simd })!
    fc.assert(fc.property(kpageWords(300), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), (words, firstPfn, base, span) => {
      const endPfn = base + span
      const n = words.length / 2
      d.input.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength))
      const got = new Uint8Array(span).fill(0xee)
      const want = new Uint8Array(span).fill(0xee)
      const wantHeads = plainDecode(words, firstPfn, want, base, endPfn)
      heads += wantHeads.length
      expect(d.decode(n, firstPfn, got, base, endPfn) ?? []).toEqual(wantHeads)
      expect(Array.from(got)).toEqual(Array.from(want))
    }), { numRuns: 500, seed: 16 })
    // the words include unsplittable folio heads
    expect(heads).toBeGreaterThan(20)
  })

  it('refuses more entries than it has room for', () => {
    const d = kpageWasmDecoder(8)!
    expect(() => d.decode(9, 0, new Uint8Array(9), 0, 9)).toThrow(/9 entries, room for 8/)
  })
})
