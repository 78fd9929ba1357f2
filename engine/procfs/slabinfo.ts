/**
 * /proc/slabinfo (version 2.1, SLUB and SLAB; mm/slab_common.c cache_show): per cache its
 * pages per slab and its slabs. A slab of more than one page is a compound page (SLUB's
 * allocate_slab → alloc_slab_page with __GFP_COMP), whose tail pages the compaction scanners
 * step over from its head (engine/mm/compaction.ts).
 */
import { ParseError } from './types.ts'
import { requireText, splitLines, parseUint } from './text.ts'

export interface SlabCache {
  name: string
  /** <pagesperslab>: 2^order of the cache's slabs */
  pagesPerSlab: number
  /** slabdata <num_slabs> */
  numSlabs: number
}

export interface Slabinfo {
  caches: SlabCache[]
}

// (SLAB with CONFIG_DEBUG_SLAB appends ": globalstat …" and ": cpustat …" columns)
const ROW = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*:\s*tunables\s+\d+\s+\d+\s+\d+\s*:\s*slabdata\s+(\d+)\s+(\d+)\s+\d+(?:\s*:.*)?\s*$/

export function parseSlabinfo(text: string, file = 'slabinfo'): Slabinfo {
  requireText(text, file)
  const lines = splitLines(text)
  // an empty file (nothing readable) holds no cache
  if (text.trim() === '') return { caches: [] }
  if (!/^slabinfo - version: 2\.\d+/.test(lines[0]!)) {
    throw new ParseError(file, 1, 'the header "slabinfo - version: 2.1"', lines[0] ?? '')
  }
  const caches: SlabCache[] = []
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!
    if (l.startsWith('#') || l.trim() === '') continue
    const m = ROW.exec(l)
    if (!m) throw new ParseError(file, i + 1, 'a cache row: name <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>', l)
    const pagesPerSlab = parseUint(m[6]!, file, i + 1, '<pagesperslab>')
    if (pagesPerSlab === 0 || (pagesPerSlab & (pagesPerSlab - 1)) !== 0) throw new ParseError(file, i + 1, '<pagesperslab> as a power of two', m[6]!)
    caches.push({ name: m[1]!, pagesPerSlab, numSlabs: parseUint(m[8]!, file, i + 1, '<num_slabs>') })
  }
  return { caches }
}

/** The slab pages of a slabinfo and, by order (index), the slabs of more than one page. */
export function slabCompounds(s: Slabinfo): { pages: number; slabsByOrder: number[] } {
  let pages = 0
  const slabsByOrder: number[] = []
  for (const c of s.caches) {
    pages += c.pagesPerSlab * c.numSlabs
    const o = Math.round(Math.log2(c.pagesPerSlab))
    if (o > 0 && c.numSlabs > 0) slabsByOrder[o] = (slabsByOrder[o] ?? 0) + c.numSlabs
  }
  for (let o = 0; o < slabsByOrder.length; o++) slabsByOrder[o] ??= 0
  return { pages, slabsByOrder }
}
