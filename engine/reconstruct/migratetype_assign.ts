/**
 * Pageblock migratetypes for an exact layout, chosen so that the free lists the layout implies
 * reproduce pagetypeinfo's "Free pages count per migrate type at order" table.
 *
 * Why this is possible: from kernel 6.10 on (freelist hygiene) a free buddy block sits on the
 * list of its pageblock's migratetype (`__free_one_page` takes the type from
 * `get_pfnblock_migratetype`, `move_freepages_block` moves a block's free pages when its type
 * changes, and a buddy merged across pageblocks takes the merged block's type). In 6.1 a free
 * page's list is also chosen at free time from its pageblock's type, and only fallback steals
 * that do not claim the block (`steal_suitable_fallback`'s single-page path) and stale per-cpu
 * types leave a page on another list. So given which pages are free (kpageflags' KPF_BUDDY),
 * the pageblock types decide the free lists, and the captured free lists say a great deal
 * about the pageblock types.
 *
 * The problem, per zone: pageblocks (or, for a free block larger than a pageblock, the run of
 * pageblocks it covers: a "unit") each carry a histogram of the free blocks whose head lies in
 * them. Give each unit a type so that the count of pageblocks per type stays pagetypeinfo's
 * (the caller's initial assignment already has those counts), while the free pages per
 * (migratetype, order) come as close as possible to the captured table. This is a
 * deterministic best-improvement local search over swaps of two units of the same size and
 * different types (a swap keeps every type's pageblock count): each step takes the swap that
 * lowers Σ 2^order·|model − captured| the most; among equal ones the one whose page contents
 * fit their new types best. A swap may not give a unit a type its contents rule out (no
 * movable page in a Movable block of kernel pages, no kernel page in an Unmovable block of
 * LRU pages) unless the unit already had such a type.
 */

export interface AssignProblem {
  nrOrders: number
  nrTypes: number
  /** units × nrOrders: free blocks per order whose head lies in the unit */
  hist: Int32Array
  /** pageblocks per unit (1, or 2^(order − pageblock order) for a free block above a pageblock) */
  weight: Int32Array
  /** the initial type of each unit; -1 = not part of the search (fixed elsewhere) */
  type: Int8Array
  /** free blocks per [type][order] on lists of fixed units (counted, not movable by the search) */
  fixed: number[][]
  /** the captured free blocks per [type][order] */
  target: number[][]
  /** types the search may give and take (CMA is fixed by the area's position) */
  searchable: boolean[]
  /** how badly a unit's contents fit a type (lower is better); ties only */
  cost: (unit: number, type: number) => number
  /** 1 when a unit's contents rule a type out */
  ruledOut: (unit: number, type: number) => number
  /** at most this many swaps (the search stops earlier when no swap helps) */
  maxSwaps?: number
}

export interface AssignResult {
  type: Int8Array
  swaps: number
  /** Σ over (type, order) of 2^order·|model − captured| free pages, before and after */
  before: number
  after: number
}

/** Σ over (type, order) of 2^order·|model − captured|: free pages on the wrong lists. */
export function freeListDistance(model: number[][], target: number[][]): number {
  let s = 0
  for (let t = 0; t < target.length; t++) {
    for (let o = 0; o < target[t]!.length; o++) s += Math.abs((model[t]?.[o] ?? 0) - target[t]![o]!) * 2 ** o
  }
  return s
}

export function improveAssignment(p: AssignProblem): AssignResult {
  const { nrOrders, nrTypes, hist, weight } = p
  const n = weight.length
  const type = Int8Array.from(p.type)
  // D[t][o] = model − captured
  const D: Float64Array[] = Array.from({ length: nrTypes }, (_, t) => {
    const row = new Float64Array(nrOrders)
    for (let o = 0; o < nrOrders; o++) row[o] = (p.fixed[t]?.[o] ?? 0) - (p.target[t]?.[o] ?? 0)
    return row
  })
  for (let u = 0; u < n; u++) {
    const t = type[u]!
    if (t < 0) continue
    for (let o = 0; o < nrOrders; o++) D[t]![o]! += hist[u * nrOrders + o]!
  }
  const pw = Array.from({ length: nrOrders }, (_, o) => 2 ** o)
  const dist = (): number => {
    let s = 0
    for (let t = 0; t < nrTypes; t++) for (let o = 0; o < nrOrders; o++) s += Math.abs(D[t]![o]!) * pw[o]!
    return s
  }
  const before = dist()
  // units grouped by (type, weight, histogram): one swap per pair of groups is evaluated, with
  // the member whose contents fit the new type best
  const sig = (u: number): string => {
    let k = `${weight[u]}`
    for (let o = 0; o < nrOrders; o++) if (hist[u * nrOrders + o]) k += `,${o}:${hist[u * nrOrders + o]}`
    return k
  }
  const sigOf: string[] = []
  for (let u = 0; u < n; u++) sigOf.push(type[u]! >= 0 ? sig(u) : '')
  const sparse: Array<Array<[number, number]>> = []
  for (let u = 0; u < n; u++) {
    const s: Array<[number, number]> = []
    for (let o = 0; o < nrOrders; o++) if (hist[u * nrOrders + o]) s.push([o, hist[u * nrOrders + o]!])
    sparse.push(s)
  }
  const types: number[] = []
  for (let t = 0; t < nrTypes; t++) if (p.searchable[t]) types.push(t)
  const maxSwaps = p.maxSwaps ?? 20 * n + 100
  let swaps = 0
  const d = new Float64Array(nrOrders)
  for (;;) {
    if (swaps >= maxSwaps) break
    // groups: per type, signature → members
    const groups: Array<Map<string, number[]>> = Array.from({ length: nrTypes }, () => new Map())
    for (let u = 0; u < n; u++) {
      const t = type[u]!
      if (t < 0 || !p.searchable[t]) continue
      const g = groups[t]!.get(sigOf[u]!)
      if (g) g.push(u)
      else groups[t]!.set(sigOf[u]!, [u])
    }
    let best: { dF: number; dC: number; a: number; b: number } | null = null
    for (let ia = 0; ia < types.length; ia++) {
      const A = types[ia]!
      for (let ib = ia + 1; ib < types.length; ib++) {
        const B = types[ib]!
        // best representative of each group for a move to the other type
        const reps = (t: number, to: number): Array<{ u: number; c: number; v: number }> => {
          const out: Array<{ u: number; c: number; v: number }> = []
          for (const members of groups[t]!.values()) {
            let bu = -1, bc = Infinity, bv = Infinity
            for (const u of members) {
              const v = p.ruledOut(u, to) - p.ruledOut(u, t)
              const c = p.cost(u, to) - p.cost(u, t)
              if (v < bv || (v === bv && c < bc)) { bu = u; bc = c; bv = v }
            }
            out.push({ u: bu, c: bc, v: bv })
          }
          return out
        }
        const ra = reps(A, B)
        const rb = reps(B, A)
        for (const x of ra) {
          const sa = sparse[x.u]!
          for (const y of rb) {
            if (weight[x.u] !== weight[y.u]) continue
            if (x.v + y.v > 0) continue
            const sb = sparse[y.u]!
            // d = hist(a) − hist(b): moves from A to B
            let touched = false
            for (const [o, c] of sa) { d[o]! += c; touched = true }
            for (const [o, c] of sb) { d[o]! -= c; touched = true }
            if (!touched) continue
            let dF = 0
            for (let o = 0; o < nrOrders; o++) {
              const v = d[o]!
              if (v === 0) continue
              const a = D[A]![o]!, b = D[B]![o]!
              dF += (Math.abs(a - v) - Math.abs(a) + Math.abs(b + v) - Math.abs(b)) * pw[o]!
            }
            for (const [o] of sa) d[o] = 0
            for (const [o] of sb) d[o] = 0
            if (dF >= 0) continue
            const dC = x.c + y.c
            if (!best || dF < best.dF || (dF === best.dF && (dC < best.dC || (dC === best.dC && Math.min(x.u, y.u) < Math.min(best.a, best.b))))) {
              best = { dF, dC, a: x.u, b: y.u }
            }
          }
        }
      }
    }
    if (!best) break
    const A = type[best.a]!, B = type[best.b]!
    for (let o = 0; o < nrOrders; o++) {
      const v = hist[best.a * nrOrders + o]! - hist[best.b * nrOrders + o]!
      D[A]![o]! -= v
      D[B]![o]! += v
    }
    type[best.a] = B
    type[best.b] = A
    swaps++
  }
  return { type, swaps, before, after: dist() }
}
