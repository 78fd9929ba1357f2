/**
 * The synthesized layout is seeded: a faster synthesizeModel must build, for the same capture and
 * seed, the very model the plain implementation built. Every capture directory in fixtures/
 * (opened summary-only, `--layout synthesized`, as the app and the CLI open it) and the bench's
 * generated 4 GiB and 64 GiB machines are synthesized, and a sha256 of the whole model (page map,
 * pageblock types and flags, every free list in list order, the per-zone counters, the build
 * notes) plus the load's zone summaries and findings is compared with the hashes the plain
 * implementation gave (synthesized_layout.hashes.json, recorded before the fast path existed;
 * recorded again when the layouts changed on purpose (non-Movable pageblocks at the zone ends,
 * the free-page density, packed layouts after a full compaction, memory not yet initialised; the
 * THPs lowest, the wholly free pageblocks high, the density's slope and scatter as measured; a
 * capture folder inside a series laid out as the series lays it out, so after a compaction too):
 * from that change's own plain implementation, before it was merged into the fast one, and the
 * fast one then gave the same hashes).
 *
 * RECORD_SYNTH_HASHES=1 rewrites the file: only from a plain implementation of the rules, never
 * to make the fast path pass.
 *
 * The open's other passes over every page (the pageblock map, the zone summaries' mixed
 * pageblocks) are table-driven; they are compared with plain page-by-page versions kept here.
 */
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  computePageblockMap, isFreeHead, pageMobility, summarizeZone, synthesizeModel, zonePageblocks, PageKind,
  type MemoryModel, type PageblockMap,
} from '../../engine/index.ts'
import { isOutsideBuddy } from '../../engine/mm/page.ts'
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

/** the pageblock map as the plain page-by-page classification computed it (the reference of the table-driven one) */
function plainPageblockMap(m: MemoryModel): PageblockMap {
  const n = m.nrPageblocks
  const out: PageblockMap = {
    mt: new Uint8Array(n), free: new Uint16Array(n), movable: new Uint16Array(n), unmovable: new Uint16Array(n),
    reclaimable: new Uint16Array(n), pinned: new Uint16Array(n), mixed: new Uint8Array(n),
  }
  const pbPages = m.pageblockNrPages
  const mts = m.migratetypes
  for (let pb = 0; pb < n; pb++) {
    const zi = m.zoneIndexOfPageblock(pb)
    if (zi < 0 || isOutsideBuddy(m.memMap[Math.max(pb * pbPages, m.zones[zi]!.startPfn - m.basePfn)]!)) { out.mt[pb] = 255; continue }
    const mt = m.pageblockMt[pb]!
    out.mt[pb] = mt
    const expect = mt // any allocated page mixes a CMA block (no gfp_migratetype() is CMA)
    let free = 0, movable = 0, unmovable = 0, reclaimable = 0, pinned = 0, mixed = 0
    for (let i = pb * pbPages; i < (pb + 1) * pbPages; i++) {
      const b = m.memMap[i]!
      const mob = pageMobility(m, b)
      if (isFreeHead(b) || b === PageKind.BUDDY_TAIL || b === PageKind.PCP) free++
      else if (b === PageKind.PINNED) { pinned++; movable++ }
      else if (b === PageKind.SLAB_RECLAIMABLE) reclaimable++
      else if (mob === mts.movable) movable++
      else if (mob === mts.unmovable || b === PageKind.RESERVED) unmovable++
      if (mob >= 0 && mob !== expect) mixed = 1
    }
    out.free[pb] = free; out.movable[pb] = movable; out.unmovable[pb] = unmovable; out.reclaimable[pb] = reclaimable; out.pinned[pb] = pinned; out.mixed[pb] = mixed
  }
  return out
}

/** mixed pageblocks per migratetype of a zone, page by page (pagetypeinfo_showmixedcount_print) */
function plainMixed(m: MemoryModel, z: MemoryModel['zones'][number]): Record<string, number> {
  const mts = m.migratetypes
  const mixed: Record<string, number> = Object.fromEntries(mts.names.map((n) => [n, 0]))
  const pbPages = m.pageblockNrPages
  for (const pb of zonePageblocks(m, z)) {
    if (isOutsideBuddy(m.memMap[Math.max((pb + m.pbBase) * pbPages, z.startPfn) - m.basePfn]!)) continue
    const mt = m.pageblockMt[pb]!
    const expect = mt
    for (let i = Math.max((pb + m.pbBase) * pbPages, z.startPfn) - m.basePfn; i < Math.min((pb + m.pbBase + 1) * pbPages, z.endPfn) - m.basePfn; i++) {
      const b = m.memMap[i]!
      if (isFreeHead(b) || b === PageKind.BUDDY_TAIL) continue
      const mob = pageMobility(m, b)
      if (mob >= 0 && mob !== expect) { const key = mt === mts.cma ? 'Movable' : mts.names[mt]!; mixed[key] = (mixed[key] ?? 0) + 1; break }
    }
  }
  return mixed
}

describe('the pageblock map and the zone summaries equal the plain page-by-page counts', () => {
  const cases: Array<[string, 'exact' | 'synthesized']> = [
    ['x86-512M-s1-compact/02-before', 'exact'], ['arm64-1G-s6-cma-compact/02-before', 'exact'], ['x86-1G-s2-hugetlb/03-after-hugetlb-2M-fragmented', 'exact'],
    ['x86-512M-s25-k61-page-owner-mix/01-before', 'exact'], ['arm64-1G-s6-cma-compact/02-before', 'synthesized'],
  ]
  for (const [key, layout] of cases) {
    it(`fixtures/${key} (${layout})`, async () => {
      const dir = join(FIXTURES, key)
      if (!existsSync(dir)) throw new Error(`${dir} is missing`)
      const s = await loadSnapshot(dir, { layout, seed: 1 })
      const map = computePageblockMap(s.model)
      expect(map).toEqual(plainPageblockMap(s.model))
      for (const z of s.model.zones) {
        const plain = plainMixed(s.model, z)
        expect(summarizeZone(s.model, z, s.capture.machine.hpageOrder).mixedPageblocks, z.label).toEqual(plain)
        // the summaries of the app's open take the interior pageblocks' mixed flags from the map
        expect(summarizeZone(s.model, z, s.capture.machine.hpageOrder, map).mixedPageblocks, z.label).toEqual(plain)
      }
    }, 60_000)
  }
  it("the bench's generated 64 GiB machine (synthesized, with THPs and pcp pages)", () => {
    const c = captureOf(syntheticMachine(64 * 2 ** 30, 20240611))
    const { model } = synthesizeModel(c, { seed: 3 })
    const map = computePageblockMap(model)
    expect(map).toEqual(plainPageblockMap(model))
    for (const z of model.zones) {
      expect(summarizeZone(model, z, 9).mixedPageblocks).toEqual(plainMixed(model, z))
      expect(summarizeZone(model, z, 9, map).mixedPageblocks).toEqual(plainMixed(model, z))
    }
  }, 120_000)
})
