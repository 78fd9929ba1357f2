import { describe, expect, it } from 'vitest'
import { PollutersBuilder, stackSite } from './polluters.ts'
import { parsePageOwner } from '../procfs/page_owner.ts'
import { machine } from '../../test/helpers/layout.ts'

/** One page_owner record in the 6.1 format. */
function rec(pfn: number, order: number, type: string, blockType: string, comm: string, frames: string[]): string {
  return `Page allocated via order ${order}, mask 0xcc0(GFP_KERNEL), pid 9, tgid 9 (${comm}), ts 1 ns, free_ts 0 ns
PFN ${pfn} type ${type} Block ${pfn >> 9} type ${blockType} Flags 0x0()
${['post_alloc_hook+0x1/0x2', '__alloc_pages+0x1/0x2', ...frames].map((f) => ` ${f}`).join('\n')}

`
}

const PIPE = ['pipe_write+0x1e8/0x690', 'vfs_write+0x1/0x2']
const SLAB = ['allocate_slab+0x1/0x2', 'kmem_cache_alloc+0x1/0x2', 'd_alloc+0x1/0x2']

describe('polluters', () => {
  // 8 pageblocks of 512 pages (16 MiB at 4 KiB pages)
  const t = machine(4096)
  const text = [
    // pipe pages: 3 unmovable pages in Movable blocks 0, 0, 1; one in its own Unmovable block 5 (not polluting)
    rec(10, 0, 'Unmovable', 'Movable', 'fragwork', PIPE),
    rec(11, 0, 'Unmovable', 'Movable', 'fragwork', PIPE),
    rec(600, 0, 'Unmovable', 'Movable', 'init', PIPE),
    rec(2600, 0, 'Unmovable', 'Unmovable', 'fragwork', PIPE),
    // slab: 64 pages (order 6) in Movable block 2: fewer blocks, more pages
    rec(1024, 6, 'Unmovable', 'Movable', 'kworker/0:1', SLAB),
    // movable pages in an Unmovable block (5) and their own Movable blocks (3)
    rec(2700, 0, 'Movable', 'Unmovable', 'fragwork', ['do_anonymous_page+0x1/0x2']),
    rec(1600, 0, 'Movable', 'Movable', 'fragwork', ['do_anonymous_page+0x1/0x2']),
  ].join('')
  const records = parsePageOwner(text, 'page_owner')

  it('counts mixed pageblocks and ranks stacks by pageblocks made mixed, not by pages', () => {
    const b = new PollutersBuilder(t.model, 'stack')
    for (const r of records) b.add(r)
    const p = b.finish()
    expect(p.records).toBe(7)
    expect(p.mixedPageblocks).toBe(4) // blocks 0, 1, 2, 5
    expect(p.mixedByBlockType).toEqual({ Movable: 3, Unmovable: 1 })
    expect(p.polluters.map((g) => [g.site, g.pageblocks, g.pages, g.comm])).toEqual([
      ['pipe_write', 2, 3, 'fragwork'],
      // a tie on pageblocks goes to the one with more pages
      ['d_alloc', 1, 64, 'kworker/0:1'],
      ['do_anonymous_page', 1, 1, 'fragwork'],
    ])
    expect(p.polluters[0]!.blocks).toEqual([0, 1])
    expect(p.polluters[0]!.stack[2]).toBe('pipe_write+0x1e8/0x690')
    // unmovable: 3 + 1 + 64 pages of 4096; in blocks 0, 1, 2, 5 of 8
    expect(p.unmovablePages).toBe(68)
    expect(p.unmovablePercent).toBeCloseTo((68 / 4096) * 100, 6)
    expect(p.unmovablePageblocks).toBe(4)
    expect(p.unmovablePageblockPercent).toBe(50)
    expect(p.fallbacks[0]).toEqual({ from: 'Unmovable', to: 'Movable', allocations: 4, pages: 67, pageblocks: 3 })
  })

  it('groups by comm', () => {
    const b = new PollutersBuilder(t.model, 'comm')
    for (const r of records) b.add(r)
    const p = b.finish()
    expect(p.polluters.map((g) => [g.comm, g.pageblocks, g.pages, g.site])).toEqual([
      ['fragwork', 2, 3, 'pipe_write'],
      ['kworker/0:1', 1, 64, 'd_alloc'],
      ['init', 1, 1, 'pipe_write'],
    ])
  })

  it('leaves allocations outside every zone unplaced', () => {
    const b = new PollutersBuilder(t.model, 'stack')
    b.add(parsePageOwner(rec(1 << 20, 0, 'Unmovable', 'Movable', 'x', PIPE), 'p')[0]!)
    expect(b.finish()).toMatchObject({ records: 1, unplaced: 1, mixedPageblocks: 0 })
  })

  it('names the site after the page allocator frames', () => {
    expect(stackSite(['post_alloc_hook+0x1/0x2', 'get_page_from_freelist+0x1', '__alloc_pages_noprof+0x2', 'alloc_pages_mpol_noprof+0x1', 'pipe_write+0x1/0x2'])).toBe('pipe_write')
    expect(stackSite(['prep_new_page+0x17/0x43', 'alloc_slab_page+0x1/0x2', 'new_slab+0x1/0x2', '___slab_alloc+0x1/0x2', 'kmem_cache_alloc_lru+0x1/0x2', '__d_alloc+0x1/0x2'])).toBe('__d_alloc')
    expect(stackSite(['prep_new_page+0x17/0x43', '__alloc_pages+0x1/0x2'])).toBe('__alloc_pages')
    expect(stackSite([])).toBe('(no stack)')
  })
})
