/**
 * Issue 16: the kpageflags decode split over threads (host/workers/kpage_split.ts) gives the
 * same page map, the same large-folio heads whose split fails (MemoryModel.unsplittable, in the
 * same order) and, after finish(), the same layout as the single-thread stream decode
 * (ExactLayoutBuilder.flagsSink): on fixture captures, and on a synthetic file with heads under
 * writeback or dirty with fs-private data, cut into chunks that align with nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fc from 'fast-check'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import os from 'node:os'
import { join } from 'node:path'
import { ExactLayoutBuilder, KpageDecoder, parseCapture, synthesizeModel, type Capture } from '../../engine/index.ts'
import { decodeKpageflagsSplit, stopDecodeThreads, type SplitOptions } from '../../host/workers/kpage_split.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { kpageWords, plainDecode } from '../helpers/kpage_reference.ts'
import { writeKpageFiles } from '../../bench/kpage.ts'
import { syntheticMachine, captureOf } from '../../bench/capture.ts'

const WRITEBACK = 1 << 8, DIRTY = 1 << 4, HEAD = 1 << 15, ANON = 1 << 12, PRIVATE_HI = 1 << 3

/** a fixture capture's texts (parsed) and its kpageflags bytes */
function fixture(rel: string): { capture: Capture; flags: Uint8Array } {
  const dir = join(FIXTURES, rel)
  const texts: Record<string, string> = {}
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile() || e.name.startsWith('kpage')) continue
    const raw = readFileSync(join(dir, e.name))
    texts[e.name.replace(/\.gz$/, '')] = (e.name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')
  }
  const flags = existsSync(join(dir, 'kpageflags')) ? readFileSync(join(dir, 'kpageflags')) : gunzipSync(readFileSync(join(dir, 'kpageflags.gz')))
  return { capture: parseCapture({ source: rel, texts, binaries: ['kpageflags'] }), flags }
}

interface Decoded { map: Uint8Array; unsplittable: number[]; b: ExactLayoutBuilder }

function single(capture: Capture, flags: Uint8Array): Decoded {
  const b = new ExactLayoutBuilder(capture)
  const d = new KpageDecoder(b.flagsSink)
  for (let off = 0; off < flags.length; off += 65_536) d.push(flags.subarray(off, Math.min(flags.length, off + 65_536)))
  d.end()
  return { map: b.model.memMap.slice(), unsplittable: [...b.model.unsplittable], b }
}

async function split(capture: Capture, path: string, bytes: number, opts: SplitOptions): Promise<Decoded & { here: number; elsewhere: number }> {
  const b = new ExactLayoutBuilder(capture)
  const r = await decodeKpageflagsSplit(path, path, bytes, b.model, { minEntries: 0, ...opts })
  if (!r) throw new Error('not split')
  b.flagsDecoded(r.entries, r.unsplittable)
  return { map: b.model.memMap.slice(), unsplittable: [...b.model.unsplittable], b, here: r.chunksHere, elsewhere: r.chunksElsewhere }
}

function firstDiff(a: Uint8Array, b: Uint8Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i}: ${a[i]} vs ${b[i]}`
  return null
}

let tmp = ''
beforeAll(() => { tmp = mkdtempSync(join(os.tmpdir(), 'buddyscope-ksplit-')) })
afterAll(async () => {
  await stopDecodeThreads()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

/** each way of splitting, with the single-thread decode as the reference, then finish() on both */
async function expectSame(capture: Capture, flags: Uint8Array, name: string, chunks: number[]): Promise<void> {
  const path = join(tmp, name)
  writeFileSync(path, flags)
  const ref = single(capture, flags)
  const refModel = ref.b.finish().model
  for (const chunkPfns of chunks) {
    // the WebAssembly decode (the default) on the decode threads only, and with this thread; the engine's decodeKpageflags
    for (const [thisThread, decoder] of [[false, 'wasm'], [true, 'wasm'], [true, 'js']] as const) {
      const s = await split(capture, path, flags.length, { chunkPfns, thisThread, threads: 2, decoder })
      if (!thisThread) {
        // every chunk decoded on the decode threads
        expect(s.here).toBe(0)
        expect(s.elsewhere).toBeGreaterThan(0)
      }
      expect(firstDiff(s.map, ref.map), `${name} chunk ${chunkPfns} thisThread ${thisThread} ${decoder}`).toBeNull()
      expect(s.unsplittable).toEqual(ref.unsplittable)
      const m = s.b.finish().model
      expect(firstDiff(m.memMap, refModel.memMap)).toBeNull()
      expect(Array.from(m.pageblockMt)).toEqual(Array.from(refModel.pageblockMt))
      expect(m.build.notes).toEqual(refModel.build.notes)
    }
  }
}

describe('the kpageflags decode split over threads equals the single-thread decode', () => {
  for (const rel of ['x86-1G-s2-hugetlb/03-after-hugetlb-2M-fragmented', 'x86-4G-s14-nopin/02-before', 'arm64-2G-s7-hugetlb-cma/02-before', 'host-24G-k618-a/01-before']) {
    it(`fixtures/${rel}`, async () => {
      if (!existsSync(join(FIXTURES, rel))) throw new Error(`fixture ${rel} is missing`)
      const { capture, flags } = fixture(rel)
      await expectSame(capture, flags, rel.replaceAll('/', '_'), [1 << 17, 40_009])
    }, 120_000)
  }

  it('a synthetic file with unsplittable folio heads, in chunks aligned to nothing', async () => {
    const machine = syntheticMachine(4 * 2 ** 30, 11)
    const capture = captureOf(machine, true)
    const model = synthesizeModel(captureOf(machine), { seed: 3 }).model
    const dir = mkdtempSync(join(tmp, 'syn-'))
    writeKpageFiles(model, join(dir, 'kpageflags'), join(dir, 'kpagecount'))
    const flags = readFileSync(join(dir, 'kpageflags'))
    const w = new Uint32Array(flags.buffer, flags.byteOffset, flags.length / 4)
    // every third compound head under writeback, every third file head dirty with fs-private data
    let heads = 0
    for (let p = 0; p < w.length / 2; p++) {
      if (!(w[2 * p]! & HEAD)) continue
      heads++
      if (heads % 3 === 0) w[2 * p] = w[2 * p]! | WRITEBACK
      else if (heads % 3 === 1 && !(w[2 * p]! & ANON)) { w[2 * p] = w[2 * p]! | DIRTY; w[2 * p + 1] = w[2 * p + 1]! | PRIVATE_HI }
    }
    const ref = single(capture, flags)
    expect(ref.unsplittable.length).toBeGreaterThan(10)
    await expectSame(capture, flags, 'synthetic', [1 << 17, 12_345, 999_999])
  }, 120_000)

  it('tiny files, chunks of any size, a page map that starts after PFN 0 and ends before or after the file', async () => {
    // random flag words (seeded), against the plain entry-by-entry classification
    const words = [1, 2, 3, 9, 100, 999, 5_003].map((n, i) => fc.sample(kpageWords(n, n), { numRuns: 1, seed: 16 + i })[0]!)
    words.push(Uint32Array.from([0, 0]), Uint32Array.from([1 << 5, 2, (1 << 15) | (1 << 5) | (1 << 8), 0]))
    let cases = 0
    let heads = 0
    for (const [i, w] of words.entries()) {
      const entries = w.length / 2
      const path = join(tmp, `edge-${i}`)
      writeFileSync(path, new Uint8Array(w.buffer, w.byteOffset, w.byteLength))
      for (const [basePfn, endPfn] of [[0, entries], [3, entries + 11], [1, Math.max(2, entries - 5)]] as const) {
        const want = new Uint8Array(endPfn - basePfn).fill(0xee)
        const wantHeads = plainDecode(w, 0, want, basePfn, endPfn)
        heads += wantHeads.length
        for (const chunkPfns of [1, 7, 13, 4_096]) {
          for (const [thisThread, decoder] of [[false, 'wasm'], [true, 'wasm'], [true, 'js']] as const) {
            const memMap = new Uint8Array(endPfn - basePfn).fill(0xee)
            const r = await decodeKpageflagsSplit(path, path, w.byteLength, { memMap, basePfn, endPfn }, { minEntries: 0, chunkPfns, thisThread, threads: 2, decoder })
            const what = `${entries} entries, map ${basePfn}..${endPfn}, chunk ${chunkPfns}, thisThread ${thisThread} ${decoder}`
            expect(r, what).not.toBeNull()
            expect(r!.entries, what).toBe(Math.min(entries, endPfn))
            expect(r!.unsplittable, what).toEqual(wantHeads)
            expect(firstDiff(memMap, want), what).toBeNull()
            cases++
          }
        }
      }
    }
    expect(cases).toBe(9 * 3 * 4 * 3)
    expect(heads).toBeGreaterThan(100)
  }, 120_000)

  it('files of one size back to back (the shared map is reused): nothing of the last file shows in the next', async () => {
    const n = 20_000
    const [a, b] = [1, 2].map((seed) => fc.sample(kpageWords(n, n), { numRuns: 1, seed })[0]!)
    const files = [a!, b!].map((w, i) => {
      const path = join(tmp, `same-size-${i}`)
      writeFileSync(path, new Uint8Array(w.buffer, w.byteOffset, w.byteLength))
      return path
    })
    // b's map is longer than b: the PFNs past its end keep the page map's bytes
    for (const [i, w] of [a!, b!, a!, b!].entries()) {
      const endPfn = n + 3_000
      const want = new Uint8Array(endPfn).fill(0xee)
      const wantHeads = plainDecode(w, 0, want, 0, endPfn)
      const memMap = new Uint8Array(endPfn).fill(0xee)
      const r = await decodeKpageflagsSplit(files[i % 2]!, files[i % 2]!, w.byteLength, { memMap, basePfn: 0, endPfn }, { minEntries: 0, chunkPfns: 999, thisThread: false, threads: 2 })
      expect(r!.chunksElsewhere).toBe(Math.ceil(n / 999))
      expect(r!.unsplittable).toEqual(wantHeads)
      expect(firstDiff(memMap, want), `file ${i}`).toBeNull()
    }
  })

  it('chunks a decode thread has not finished when this thread is done are decoded here too, the same', async () => {
    const n = 6_000
    const w = fc.sample(kpageWords(n, n), { numRuns: 1, seed: 5 })[0]!
    const path = join(tmp, 'redo')
    writeFileSync(path, new Uint8Array(w.buffer, w.byteOffset, w.byteLength))
    const want = new Uint8Array(n).fill(0xee)
    const wantHeads = plainDecode(w, 0, want, 0, n)
    expect(wantHeads.length).toBeGreaterThan(10)
    let redone = 0
    // chunks of 1 PFN: when this thread runs out, a decode thread is most often inside one
    for (let run = 0; run < 30 && redone < 3; run++) {
      const memMap = new Uint8Array(n).fill(0xee)
      const r = await decodeKpageflagsSplit(path, path, w.byteLength, { memMap, basePfn: 0, endPfn: n }, { minEntries: 0, chunkPfns: 1, threads: 2 })
      redone += r!.chunksRedone
      expect(r!.unsplittable).toEqual(wantHeads)
      expect(firstDiff(memMap, want), `run ${run}`).toBeNull()
    }
    expect(redone).toBeGreaterThan(0)
  }, 60_000)

  it('a file shorter than its stated size: an error naming the file, from this thread or a decode thread', async () => {
    const path = join(tmp, 'shrunk')
    writeFileSync(path, new Uint8Array(8 * 1000))
    for (const thisThread of [true, false]) {
      for (const decoder of ['wasm', 'js'] as const) {
        await expect(decodeKpageflagsSplit(path, 'capture/kpageflags', 8 * 1500, { memMap: new Uint8Array(1500), basePfn: 0, endPfn: 1500 }, { minEntries: 0, chunkPfns: 256, thisThread, threads: 2, decoder }))
          .rejects.toThrow(/^capture\/kpageflags: ended at byte (8000|8192|10240) while reading PFN (1000|1024|1280); the file shrank while it was read/)
      }
    }
  })

  it('falls back (null) for a short file, or one that does not hold whole entries', async () => {
    const { capture, flags } = fixture('x86-512M-s1-compact/02-before')
    const path = join(tmp, 'short')
    writeFileSync(path, flags)
    const b = new ExactLayoutBuilder(capture)
    expect(await decodeKpageflagsSplit(path, path, flags.length, b.model)).toBeNull() // below MIN_SPLIT_ENTRIES
    writeFileSync(path, flags.subarray(0, flags.length - 3))
    expect(await decodeKpageflagsSplit(path, path, flags.length - 3, b.model, { minEntries: 0 })).toBeNull()
  })
})
