/**
 * This machine's 6.18 (fixtures/host-24G-k618-a and -b, ext4 root), opened without kpageflags:
 * the capture's own output files as page-cache folios out of the free lists
 * (engine/reconstruct/synthesize.ts placeWrittenFolios; docs/fidelity.md, synthesized (p)).
 *
 * test/harness/capture-host.sh writes kpageflags.gz and kpagecount.gz after /proc/kpageflags was
 * read; zoneinfo's write-pending pages rise by as much between the first read and the re-read
 * after kpagecount (-a 4 → 187, -b 0 → 172). 6.18's ext4 writes them as large folios
 * (filemap_alloc_folio), dirty with buffers until writeback, so their split fails, and the
 * compaction that meets one without a free block of its order left among its targets ends
 * (COMPACT_CONTENDED; compaction_capfiles_k618.test.ts places the after-capture's ones by hand in
 * the exact layout). Those folios come off the Movable free lists (rmqueue_buddy →
 * __rmqueue_smallest; the per-cpu lists' refills, rmqueue_bulk, through the same): in the
 * after-captures they lie over free blocks of their own order in the capture before
 * (scripts/measure-capfolios.ts). The synthesized layout, built from the re-read (whose free
 * counts already lack those blocks), drew them over its page cache at random as a share of all
 * the write-pending pages; it now lays one free block per written folio out and takes them off
 * the lists as the allocator hands them out, the block heading each order's list drawn per seed.
 * -a's band then reaches its early end (pgmigrate_success 26273, was below 42016–51590), and -b's
 * ≥ 2 MiB value lies in its band (was 512 pages below it).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { parseBuddyinfo, parseZoneinfo } from '../../engine/index.ts'
import { synthBandRow, type SynthBandRow } from '../../host/fidelity.ts'
import { openForSynthesis } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { writtenFolioOrders } from '../../engine/reconstruct/synthesize.ts'
import { FOLIO_HEAD, headOrder } from '../../engine/mm/page.ts'

const rows: Record<string, SynthBandRow> = {}

beforeAll(async () => {
  for (const run of ['host-24G-k618-a', 'host-24G-k618-b']) rows[run] = (await synthBandRow(FIXTURES, run, '01-before'))!
}, 600_000)

describe('host-24G-k618 (6.18), synthesized layouts: the folios written after the first read come off the free lists', () => {
  it('-b: the layout holds them in blocks of their order taken off the Movable lists, and the re-read\'s free counts', async () => {
    const src = await openForSynthesis(join(FIXTURES, 'host-24G-k618-b'), { capture: '01-before' })
    const dir = join(FIXTURES, 'host-24G-k618-b', '01-before')
    const reread = parseBuddyinfo(readFileSync(join(dir, 'after-kpage', 'buddyinfo'), 'utf8'), 'after-kpage/buddyinfo').rows.find((r) => r.zone === 'Normal')!
    const wp = (file: string): number => parseZoneinfo(readFileSync(join(dir, file), 'utf8'), file).zones.find((z) => z.zone === 'Normal')!.stats['nr_zone_write_pending']!
    // the layout is made from the re-read after kpageflags and kpagecount (172 write-pending pages), the first read holds none
    expect([wp('zoneinfo'), wp('after-kpage/zoneinfo')]).toEqual([0, 172])
    for (const seed of [1, 2, 3]) {
      const { model } = src.layout(seed)
      const zone = model.zones.find((z) => z.name === 'Normal')!
      // the re-read's buddyinfo, every order (the blocks laid out for the folios were taken again)
      const nt = model.migratetypes.names.length
      const perOrder = reread.nrFree.map((_, o) => { let n = 0; for (let mt = 0; mt < nt; mt++) n += zone.free.nrFreeMt[o * nt + mt]!; return n })
      const orders = writtenFolioOrders(seed, zone.idx + 16 * zone.node, 172 - 0)
      expect(orders.length, `seed ${seed}`).toBeGreaterThan(0)
      // large folios of page cache whose split fails, aligned, in Movable pageblocks
      const written = [...model.unsplittable].filter((h) => (model.memMap[h - model.basePfn]! & 0xf0) === FOLIO_HEAD)
      expect(written.length, `seed ${seed}`).toBe(orders.length)
      const pages = written.reduce((n, h) => n + 2 ** headOrder(model.memMap[h - model.basePfn]!), 0)
      expect(pages, `seed ${seed}`).toBe(orders.reduce((n, o) => n + 2 ** o, 0))
      expect(pages).toBeGreaterThanOrEqual(Math.floor(0.52 * 172))
      expect(pages).toBeLessThanOrEqual(Math.ceil(0.97 * 172))
      for (const h of written) {
        expect(zone.spans(h)).toBe(true)
        expect(h % 2 ** headOrder(model.memMap[h - model.basePfn]!)).toBe(0)
        expect(model.pageblockMt[model.pbIndex(h)]).toBe(model.migratetypes.movable)
      }
      expect(perOrder, `seed ${seed}: the model's free blocks per order are the re-read's`).toEqual(reread.nrFree)
    }
  }, 120_000)

  it('-a: the band reaches the kernel\'s early end (its counters in band), and -b\'s ≥ 2 MiB value is in its band', () => {
    const a = rows['host-24G-k618-a']!
    for (const k of ['pgmigrate_success', 'compact_free_scanned', 'compact_isolated'] as const) {
      const c = a.cells[k]
      expect(c.inBand, `-a ${k}: ${c.real} against ${c.lo}–${c.hi}`).toBe(true)
    }
    // the seeds that meet no written folio without a target still run to the end
    expect(a.cells['pgmigrate_success'].hi).toBeGreaterThan(1.5 * a.cells['pgmigrate_success'].real)
    const b = rows['host-24G-k618-b']!.cells['≥2MiB']
    expect(b.inBand, `-b ≥2MiB: ${b.real} against ${b.lo}–${b.hi}`).toBe(true)
  })
})
