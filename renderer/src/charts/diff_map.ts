/**
 * The pageblock map of a diff (pure): which change each pageblock shows (the weightiest of its
 * change bits, PAGEBLOCK_CHANGES order), the marked cells per change for the map's outlines, the
 * counts per change, and the page grid's colours of a page-level diff.
 */
import { PAGEBLOCK_CHANGES, type PageblockChangeName } from '../api/types.ts'

/** The weightiest change of a mask (the first PAGEBLOCK_CHANGES bit set), or null. */
export function mainChangeOf(bits: number): PageblockChangeName | null {
  for (let k = 0; k < PAGEBLOCK_CHANGES.length; k++) if (bits & (1 << k)) return PAGEBLOCK_CHANGES[k]!
  return null
}

/** Every change of a mask, weightiest first. */
export function changesOf(bits: number): PageblockChangeName[] {
  return PAGEBLOCK_CHANGES.filter((_, k) => bits & (1 << k))
}

/** Pageblocks per main change (each block under one change: its weightiest). */
export function cellsByMainChange(kinds: Uint16Array): Record<PageblockChangeName, number[]> {
  const out = Object.fromEntries(PAGEBLOCK_CHANGES.map((c) => [c, [] as number[]])) as Record<PageblockChangeName, number[]>
  for (let i = 0; i < kinds.length; i++) {
    const c = kinds[i] ? mainChangeOf(kinds[i]!) : null
    if (c) out[c].push(i)
  }
  return out
}

/** Pageblocks that have a change (under any of their bits, as the host counts them). */
export function countByChange(kinds: Uint16Array): Record<PageblockChangeName, number> {
  const out = Object.fromEntries(PAGEBLOCK_CHANGES.map((c) => [c, 0])) as Record<PageblockChangeName, number>
  for (let i = 0; i < kinds.length; i++) {
    const b = kinds[i]!
    if (!b) continue
    for (let k = 0; k < PAGEBLOCK_CHANGES.length; k++) if (b & (1 << k)) out[PAGEBLOCK_CHANGES[k]!]++
  }
  return out
}

/** The marks the map draws: one group per shown change with cells, in its colour, weightiest drawn last (on top). */
export function changeMarks(byMain: Record<PageblockChangeName, number[]>, shown: ReadonlySet<PageblockChangeName>, colors: Readonly<Record<PageblockChangeName, string>>, width = 2): Array<{ cells: number[]; color: string; width: number }> {
  return [...PAGEBLOCK_CHANGES].reverse().filter((c) => shown.has(c) && byMain[c].length > 0).map((c) => ({ cells: byMain[c], color: colors[c], width }))
}
