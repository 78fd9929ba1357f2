import { describe, expect, it } from 'vitest'
import { PAGEBLOCK_CHANGES } from '../api/types.ts'
import { cellsByMainChange, changeMarks, changesOf, countByChange, mainChangeOf } from './diff_map.ts'
import { CHANGE_COLORS } from './palette.ts'

const bit = (c: (typeof PAGEBLOCK_CHANGES)[number]): number => 1 << PAGEBLOCK_CHANGES.indexOf(c)

describe('the diff map', () => {
  const kinds = Uint16Array.from([0, bit('became-free') | bit('retyped'), bit('freed-pages'), bit('retyped'), 0, bit('became-free')])
  it('names a block by its weightiest change', () => {
    expect(mainChangeOf(kinds[1]!)).toBe('became-free')
    expect(changesOf(kinds[1]!)).toEqual(['became-free', 'retyped'])
    expect(mainChangeOf(0)).toBeNull()
  })
  it('groups cells by main change, counts every bit', () => {
    const by = cellsByMainChange(kinds)
    expect(by['became-free']).toEqual([1, 5])
    expect(by['retyped']).toEqual([3])
    expect(countByChange(kinds)['retyped']).toBe(2)
  })
  it('draws the shown changes, the weightiest last', () => {
    const marks = changeMarks(cellsByMainChange(kinds), new Set(['became-free', 'freed-pages']), CHANGE_COLORS.light)
    expect(marks).toEqual([{ cells: [2], color: CHANGE_COLORS.light['freed-pages'], width: 2 }, { cells: [1, 5], color: CHANGE_COLORS.light['became-free'], width: 2 }])
  })
})
