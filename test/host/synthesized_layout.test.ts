/**
 * The synthesized layout is seeded: a faster synthesizeModel must build, for the same capture and
 * seed, the very model the plain implementation built. Every capture directory in fixtures/
 * (opened summary-only, `--layout synthesized`, as the app and the CLI open it) and the bench's
 * generated 4 GiB and 64 GiB machines are synthesized, and a sha256 of the whole model (page map,
 * pageblock types and flags, every free list in list order, the per-zone counters, the build
 * notes) plus the load's zone summaries and findings is compared with the hashes the plain
 * implementation gave (synthesized_layout.hashes.json, recorded before the fast path existed).
 *
 * RECORD_SYNTH_HASHES=1 rewrites the file: only ever from the plain implementation.
 */
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { synthesizeModel, type MemoryModel } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { captureOf, syntheticMachine } from '../../bench/capture.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const HASHES = join(import.meta.dirname, 'synthesized_layout.hashes.json')
const RECORD = process.env['RECORD_SYNTH_HASHES'] === '1'

/** every capture directory under fixtures/ (a series' NN-* folders) that has buddyinfo */
function captureDirs(): string[] {
  const out: string[] = []
  for (const run of readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const d of readdirSync(join(FIXTURES, run), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      const dir = join(FIXTURES, run, d)
      if (/^\d\d-/.test(d) && (existsSync(join(dir, 'buddyinfo')) || existsSync(join(dir, 'buddyinfo.gz')))) out.push(`${run}/${d}`)
    }
  }
  return out
}

/** sha256 of everything a synthesized model holds */
export function modelHash(m: MemoryModel, extra: unknown = null): string {
  const h = createHash('sha256')
  const bytes = (a: ArrayBufferView): void => { h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) }
  bytes(m.memMap)
  bytes(m.pageblockMt)
  bytes(m.pageblockFlags)
  for (const z of m.zones) {
    const lists = (z.free as unknown as { lists: Array<{ items: Int32Array; length: number }> }).lists
    for (const l of lists) {
      h.update(`|${l.length}:`)
      bytes(l.items.subarray(0, l.length))
    }
    bytes(z.free.nrFreeMt)
    h.update(JSON.stringify({ n: z.name, f: z.nrFreePages, p: z.pcpPages, w: z.wmark }))
  }
  h.update(JSON.stringify(m.build))
  h.update(JSON.stringify(extra))
  return h.digest('hex')
}

const recorded: Record<string, string> = !RECORD && existsSync(HASHES) ? JSON.parse(readFileSync(HASHES, 'utf8')) as Record<string, string> : {}
const got: Record<string, string> = {}

describe('synthesized layouts are those of the plain implementation (same capture, same seed → same model)', () => {
  const dirs = captureDirs()
  it('finds the fixtures', () => {
    expect(dirs.length).toBeGreaterThan(50)
  })
  for (const key of dirs) {
    it(`fixtures/${key}`, async () => {
      for (const seed of [1, 42]) {
        const s = await loadSnapshot(join(FIXTURES, key), { layout: 'synthesized', seed })
        const k = `${key}#${seed}`
        got[k] = modelHash(s.model, { zones: s.zones, findings: s.findings })
        if (!RECORD) expect(got[k], k).toBe(recorded[k])
      }
    }, 60_000)
  }
  for (const gib of [4, 64]) {
    it(`the bench's generated ${gib} GiB machine, seed 7`, () => {
      const c = captureOf(syntheticMachine(gib * 2 ** 30, 20240611))
      const { model } = synthesizeModel(c, { seed: 7 })
      const k = `bench-${gib}G#7`
      got[k] = modelHash(model)
      if (!RECORD) expect(got[k], k).toBe(recorded[k])
    }, 120_000)
  }
  it('every recorded hash was checked', () => {
    if (RECORD) {
      writeFileSync(HASHES, JSON.stringify(got, null, 1) + '\n')
      return
    }
    expect(Object.keys(got).sort()).toEqual(Object.keys(recorded).sort())
  })
})
