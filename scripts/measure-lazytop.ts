/**
 * Where the wholly free pageblocks of a zone the kernel initialises on demand (this machine's
 * deferred_init=lazy) lie against the top of its initialised part, and the counts a capture has
 * beside them (docs/fidelity.md synthesized (x)):
 *
 *   node --import tsx scripts/measure-lazytop.ts fixtures [run-prefix, default host-]
 *
 * Per capture with kpageflags, zone Normal on the exact layout: its initialised part in pageblocks
 * (up to the last pageblock not uninitialised) and zoneinfo's managed pages in pageblocks; the
 * run of wholly free pageblocks (in a free block of pageblock order or more) down from the top of
 * the initialised part, strict and the longest top part at least 90 % wholly free (its wholly free
 * pageblocks, their share of the zone's and of the initialised part); the zone's wholly free
 * pageblocks, buddyinfo's order-9 and order-10 blocks and nr_free_pages in pageblocks; with
 * `--map`, each pageblock of the initialised part as a character (`.` wholly free, `o` LRU and
 * free pages, `#` LRU pages without a free page, `k` other used pages in a Movable pageblock, `K`
 * the same without a free page, `U` a non-Movable pageblock with free pages, `N` without), 128 to a line.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { PageKind, isFreeHead } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'

const args = process.argv.slice(2)
const [root, prefix = 'host-'] = args.filter((a) => !a.startsWith('--'))
if (!root) throw new Error('usage: measure-lazytop.ts <fixtures dir> [run-prefix] [--map]')
const showMap = args.includes('--map')
const isLru = (v: number): boolean => v === PageKind.ANON || v === PageKind.FILE || (v & 0xf0) === 0x40 || (v & 0xf0) === 0x60

for (const run of readdirSync(root).filter((d) => d.startsWith(prefix)).sort()) {
  const runDir = join(root, run)
  for (const cap of readdirSync(runDir).filter((d) => /^\d\d-/.test(d) && existsSync(join(runDir, d, 'kpageflags.gz'))).sort()) {
    const o = new OpenedPath(runDir, [])
    const s = await loadSnapshot(o, { capture: cap, layout: 'exact', seed: 1 })
    const m = s.model
    const z = m.zones.find((zz) => zz.name === 'Normal' && zz.managed > 0)
    if (!z) { await o.close(); continue }
    const pb = m.pageblockNrPages, pbo = Math.log2(pb)
    let initEnd = z.startPfn + z.spanned
    while (initEnd > z.startPfn && m.memMap[initEnd - 1 - m.basePfn] === PageKind.UNINIT) initEnd--
    const nInit = Math.floor((initEnd - z.startPfn) / pb)
    const whole = new Uint8Array(nInit), lru = new Int32Array(nInit), free = new Int32Array(nInit), other = new Int32Array(nInit)
    for (let p = z.startPfn; p < z.startPfn + nInit * pb; p++) {
      const v = m.memMap[p - m.basePfn]!
      const i = Math.floor((p - z.startPfn) / pb)
      if (isFreeHead(v)) {
        const ord = v & 0xf
        if (ord >= pbo) for (let j = 0; j < 2 ** (ord - pbo) && i + j < nInit; j++) { whole[i + j] = 1; free[i + j] = pb }
        else free[i]! += 2 ** ord
        p += 2 ** ord - 1
        continue
      }
      if (isLru(v)) lru[i]!++
      else other[i]!++
    }
    let nWhole = 0
    for (const w of whole) nWhole += w
    let strict = 0
    while (strict < nInit && whole[nInit - 1 - strict]) strict++
    let bad = 0, t90 = 0
    for (let t = 1; t <= nInit; t++) { if (!whole[nInit - t]) bad++; if (bad <= 0.1 * t) t90 = t }
    let w90 = 0
    for (let t = 1; t <= t90; t++) w90 += whole[nInit - t]!
    const zi = readFileSync(join(runDir, cap, 'zoneinfo'), 'utf8')
    const sec = zi.slice(zi.search(/zone\s+Normal/))
    const field = (k: string): number => Number(new RegExp(`\\n\\s+${k}\\s+(\\d+)`).exec(sec)?.[1])
    const bi = readFileSync(join(runDir, cap, 'buddyinfo'), 'utf8').split('\n').find((l) => /zone\s+Normal/.test(l))!.trim().split(/\s+/).slice(4).map(Number)
    const pct = (a: number, b: number): string => (b > 0 ? (100 * a / b).toFixed(0) : '-') + ' %'
    console.log(`${run}/${cap}: initialised ${nInit} pageblocks (to 0x${initEnd.toString(16)}; managed ${(field('managed') / pb).toFixed(0)}), wholly free ${nWhole}, top run ${strict}, top part ≥ 90 % wholly free ${t90} (${w90} wholly free: ${pct(w90, nWhole)} of the zone's, ${pct(t90, nInit)} of the initialised part); buddyinfo order 9 ${bi[9]}, order 10 ${bi[10]}; nr_free_pages ${(field('nr_free_pages') / pb).toFixed(0)} pageblocks (${pct(field('nr_free_pages'), field('managed'))} of managed)`)
    if (showMap) {
      let line = ''
      for (let i = 0; i < nInit; i++) {
        const movable = m.getPageblockMigratetype(z.startPfn + i * pb) === m.migratetypes.movable
        line += whole[i] ? '.' : !movable ? (free[i]! > 0 ? 'U' : 'N') : lru[i]! > 0 ? (free[i]! > 0 ? 'o' : '#') : free[i]! > 0 ? 'k' : 'K'
      }
      for (let i = 0; i < nInit; i += 128) console.log('  ' + (z.startPfn + i * pb).toString(16).padStart(7) + ' ' + line.slice(i, i + 128))
    }
    await o.close()
  }
}
