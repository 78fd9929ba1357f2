import { describe, expect, it } from 'vitest'
import { sortPolluters } from './polluters.ts'
import type { PolluterDto } from '../api/types.ts'

const row = (site: string, comm: string, pageblocks: number, pages: number, order: number, gfp: string): PolluterDto => ({
  stack: [`${site}+0x1/0x2`], site, comm, pageblocks, pages, allocations: pages, orders: [order], gfp: [gfp], migratetypes: ['Unmovable'], blockTypes: { Movable: pageblocks }, blocks: [],
})

describe('the Polluters table', () => {
  const rows = [row('pipe_write', 'fragwork', 40, 60, 0, 'GFP_KERNEL'), row('allocate_slab', 'kworker', 40, 900, 3, 'GFP_NOWAIT'), row('do_anonymous_page', 'init', 2, 2, 0, 'GFP_HIGHUSER')]
  it('sorts by pageblocks ruined, ties by pages', () => {
    expect(sortPolluters(rows, 'pageblocks', true)).toEqual([1, 0, 2])
    expect(sortPolluters(rows, 'pageblocks', false)).toEqual([2, 1, 0])
  })
  it('sorts by any column', () => {
    expect(sortPolluters(rows, 'pages', true)).toEqual([1, 0, 2])
    expect(sortPolluters(rows, 'comm', false)).toEqual([0, 2, 1])
    expect(sortPolluters(rows, 'order', true)).toEqual([1, 0, 2])
    expect(sortPolluters(rows, 'site', false)).toEqual([1, 2, 0])
    expect(sortPolluters(rows, 'gfp', false)).toEqual([2, 0, 1])
  })
})
