/**
 * The join on real page_owner output: fixtures/x86-512M-s25-k61-page-owner-mix, captured by the
 * harness on its own 6.1 kernel with CONFIG_PAGE_OWNER (docs/page_owner.md). The figures are
 * checked against the file read independently here (a plain scan of its lines) and against the
 * kernel's own count of mixed pageblocks in the same capture's pagetypeinfo.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { FIXTURES } from '../helpers/fixtures.ts'
import { loadPolluters, type PollutersResult } from '../../host/polluters.ts'
import { runCli } from '../helpers/cli_harness.ts'
import { loadSnapshot } from '../../host/load.ts'
import { computePageblockMap } from '../../engine/metrics/pageblock_map.ts'

const RUN = join(FIXTURES, 'x86-512M-s25-k61-page-owner-mix')
const TEXT = gunzipSync(readFileSync(join(RUN, '01-before', 'page_owner.gz'))).toString('utf8')

/** The file's records by a plain scan: pfn, order, page type, block number and type, stack text. */
function scan(): Array<{ pfn: number; order: number; type: string; block: number; blockType: string; stack: string }> {
  const out = []
  for (const rec of TEXT.split('\n\n')) {
    const h = /^Page allocated via order (\d+),/m.exec(rec)
    const p = /^PFN (\d+) type (\w+) Block (\d+) type (\w+)/m.exec(rec)
    if (!h || !p) continue
    out.push({ order: Number(h[1]), pfn: Number(p[1]), type: p[2]!, block: Number(p[3]), blockType: p[4]!, stack: rec.split('\n').filter((l) => l.startsWith(' ')).map((l) => l.trim()).join('\n') })
  }
  return out
}

let stack: PollutersResult
let comm: PollutersResult
const records = scan()

beforeAll(async () => {
  stack = await loadPolluters(RUN)
  comm = await loadPolluters(RUN, { by: 'comm' })
}, 120000)

describe('polluters of a real page_owner capture (6.1, 512 MiB, cma=64M)', () => {
  it('reads every record of the file and places it on the exact layout', () => {
    expect(records.length).toBeGreaterThan(50000)
    expect(stack.layout).toBe('exact')
    expect(stack.report.records).toBe(records.length)
    expect(stack.report.unplaced).toBe(0)
    expect(stack.report.pagesPerBlock).toBe(512)
  })

  it('the pageblock map marks as mixed the CMA blocks page_owner shows mixed: any allocated page mixes a CMA block, as in the kernel\'s count', async () => {
    const s = await loadSnapshot(join(RUN, '01-before'), { layout: 'exact' })
    const m = s.model
    const map = computePageblockMap(m)
    const cmaMixedInMap = new Set<number>()
    for (let pb = 0; pb < m.nrPageblocks; pb++) if (m.pageblockMt[pb] === m.migratetypes.cma && map.mixed[pb]) cmaMixedInMap.add((pb + m.pbBase))
    const cmaMixedInFile = new Set(records.filter((r) => r.blockType === 'CMA' && r.type !== 'CMA').map((r) => r.block))
    expect(cmaMixedInFile.size).toBe(15)
    expect([...cmaMixedInMap].sort((a, b) => a - b)).toEqual([...cmaMixedInFile].sort((a, b) => a - b))
  }, 60000)

  it('counts the mixed pageblocks as the kernel does; the difference from pagetypeinfo\'s count is the blocks retyped in between', () => {
    const mixed = new Set(records.filter((r) => r.type !== r.blockType).map((r) => r.block))
    expect(stack.report.mixedPageblocks).toBe(mixed.size)
    expect(stack.report.mixedByBlockType).toEqual({ CMA: 15, Movable: 33, Reclaimable: 1, Unmovable: 7 })
    // pagetypeinfo, read at the start of the capture, page_owner after kpageflags: Unmovable 1, Movable 48 (the kernel counts CMA blocks under Movable), Reclaimable 1
    expect(stack.kernelMixedPageblocks).toBe(50)
    const m = stack.report.mixedByBlockType
    expect(m['Movable']! + m['CMA']!).toBe(48)
    // the 6 extra Unmovable ones: page_owner sees 38 Unmovable pageblocks where pagetypeinfo counted 32
    // (Movable blocks the capture's own pipes stole in between)
    const unmovableBlocks = new Set(records.filter((r) => r.blockType === 'Unmovable').map((r) => r.block)).size
    expect(unmovableBlocks - 32).toBe(m['Unmovable']! - 1)
  })

  it('gives the unmovable share of pages and of pageblocks (the Meta 2023 figure)', () => {
    const unmovable = records.filter((r) => r.type === 'Unmovable')
    const pages = unmovable.reduce((s, r) => s + 2 ** r.order, 0)
    expect(stack.report.unmovablePages).toBe(pages)
    expect(stack.report.unmovablePageblocks).toBe(new Set(unmovable.map((r) => r.block)).size)
    expect(stack.report.totalPageblocks).toBe(256)
    expect(stack.report.unmovablePercent).toBeCloseTo((pages / stack.report.totalPages) * 100, 9)
    expect(stack.report.unmovablePageblockPercent).toBeCloseTo((stack.report.unmovablePageblocks / 256) * 100, 9)
  })

  it('ranks stacks by the pageblocks they made mixed; each one\'s blocks hold its allocations of another type', () => {
    const ps = stack.report.polluters
    expect(ps.length).toBeGreaterThan(0)
    for (let i = 1; i < ps.length; i++) expect(ps[i - 1]!.pageblocks).toBeGreaterThanOrEqual(ps[i]!.pageblocks)
    for (const g of ps) {
      const key = g.stack.join('\n')
      const own = records.filter((r) => r.stack === key && r.type !== r.blockType)
      expect(new Set(own.map((r) => r.block - stack.report.pbBase))).toEqual(new Set(g.blocks))
      expect(g.pages).toBe(own.reduce((s, r) => s + 2 ** r.order, 0))
    }
    // the workload's pipe buffers: 4379 unmovable pages that made 33 pageblocks mixed (32 Movable, 1 Reclaimable)
    expect(ps[0]).toMatchObject({ site: 'pipe_write', comm: 'fragwork', pageblocks: 33, pages: 4379, blockTypes: { Movable: 32, Reclaimable: 1 } })
    expect(stack.report.unmovablePercent).toBeCloseTo(15.09, 1)
    expect(stack.report.unmovablePageblockPercent).toBeCloseTo(26.56, 1)
  })

  it('groups by comm', () => {
    const all = records.filter((r) => r.type !== r.blockType).length
    expect(comm.report.polluters.reduce((s, g) => s + g.allocations, 0)).toBe(all)
    expect(comm.report.polluters[0]!.comm).toBe('fragwork')
    expect(comm.report.mixedPageblocks).toBe(stack.report.mixedPageblocks)
  })

  it('buddyscope polluters --json: mixedPageblocks and the polluters sorted by pageblocks', async () => {
    const r = await runCli(['polluters', RUN, '--json', '--top', '2'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as { mixedPageblocks: number; polluters: Array<{ stack: string[]; comm: string; pageblocks: number; pages: number; blocks: number[] }> }
    expect(j.mixedPageblocks).toBe(stack.report.mixedPageblocks)
    expect(j.polluters).toHaveLength(2)
    expect(j.polluters[0]).toMatchObject({ stack: ps0().stack, comm: ps0().comm, pageblocks: ps0().pageblocks, pages: ps0().pages })
    // blocks as page_owner numbers them
    expect(j.polluters[0]!.blocks).toEqual(ps0().blocks.map((b) => b + stack.report.pbBase))
    const t = await runCli(['polluters', RUN, '--text', '--by', 'comm'])
    expect(t.code).toBe(0)
    expect(t.out).toMatch(/unmovable memory is \d+\.\d % of the total but sits in \d+\.\d % of pageblocks/)
    expect((await runCli(['polluters', RUN, '--by', 'pid'])).code).toBe(2)
    expect((await runCli(['polluters', RUN, '--json', '--text'])).code).toBe(2)
  })
})

describe('a what-if\'s blocking pages name who allocated them', () => {
  it('whatif contig --json: owners from page_owner, as the file has them', async () => {
    const r = await runCli(['whatif', 'contig', RUN, '--size', '64M', '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as { windows: Array<{ blockers: Array<{ pfn: number; kind: string; owner?: { comm: string | null; site: string; migratetype: string } }> }> }
    const blockers = j.windows.flatMap((w) => w.blockers)
    const owned = blockers.filter((b) => b.owner)
    expect(owned.length).toBeGreaterThan(100)
    const cover = (pfn: number) => records.find((x) => x.pfn <= pfn && pfn < x.pfn + 2 ** x.order)
    for (const b of owned) {
      const rec = cover(b.pfn)!
      expect(rec, `PFN ${b.pfn}`).toBeDefined()
      expect(b.owner!.migratetype).toBe(rec.type)
      expect(rec.stack).toContain(b.owner!.site)
    }
    // a page page_owner does not list has no owner
    for (const b of blockers.filter((x) => !x.owner)) expect(cover(b.pfn)).toBeUndefined()
    expect(owned.some((b) => b.owner!.site === 'pipe_write' && b.owner!.comm === 'fragwork')).toBe(true)
  }, 120000)
})

const ps0 = () => stack.report.polluters[0]!
