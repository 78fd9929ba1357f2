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
  /**
   * at most this many pairs of groups evaluated over the whole search: each step weighs every
   * pair, so a zone that needs thousands of swaps among thousands of groups costs their product
   * per step (a 64 GiB zone: minutes). The search then keeps the swaps made so far. Default 2e8
   * (about 2 s; the captures in fixtures/ stay far below it).
   */
  maxPairs?: number
}

export interface AssignResult {
  type: Int8Array
  swaps: number
  /** the search stopped at maxPairs with a helpful swap maybe left */
  stopped: boolean
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
  const T = nrTypes
  const type = Int8Array.from(p.type)
  // D[t][o] = model − captured
  const D: Float64Array[] = Array.from({ length: T }, (_, t) => {
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
    for (let t = 0; t < T; t++) for (let o = 0; o < nrOrders; o++) s += Math.abs(D[t]![o]!) * pw[o]!
    return s
  }
  const before = dist()
  const types: number[] = []
  for (let t = 0; t < T; t++) if (p.searchable[t]) types.push(t)
  // a swap needs units of two searchable types
  const held = new Uint8Array(T)
  for (let u = 0; u < n; u++) if (type[u]! >= 0 && p.searchable[type[u]!]) held[type[u]!] = 1
  if (types.filter((t) => held[t]).length < 2) return { type, swaps: 0, stopped: false, before, after: before }
  // per unit: its histogram as (order, count) pairs, a signature, and its content cost per type
  const sparse: Array<Array<[number, number]>> = []
  const sigOf: string[] = []
  const cost = new Float64Array(n * T)
  const ruled = new Int8Array(n * T)
  for (let u = 0; u < n; u++) {
    const sp: Array<[number, number]> = []
    let k = `${weight[u]}`
    for (let o = 0; o < nrOrders; o++) {
      const c = hist[u * nrOrders + o]!
      if (c) { sp.push([o, c]); k += `,${o}:${c}` }
    }
    sparse.push(sp)
    sigOf.push(k)
    if (type[u]! < 0 || !p.searchable[type[u]!]) continue
    for (const t of types) {
      cost[u * T + t] = p.cost(u, t)
      ruled[u * T + t] = p.ruledOut(u, t)
    }
  }
  // units grouped by (type, weight, histogram): one swap per pair of groups is evaluated, with
  // the member whose contents fit the other type best (kept up to date as units move)
  interface Rep { u: number; c: number; v: number }
  interface Group { id: number; members: Set<number>; reps: Array<Rep | null>; mask: number }
  const sigIds = new Map<string, number>()
  const sigId = new Int32Array(n)
  const maskOf = new Int32Array(n)
  for (let u = 0; u < n; u++) {
    let id = sigIds.get(sigOf[u]!)
    if (id === undefined) { id = sigIds.size; sigIds.set(sigOf[u]!, id) }
    sigId[u] = id
    for (const [o] of sparse[u]!) maskOf[u]! |= 1 << o
  }
  const groups: Array<Map<number, Group>> = Array.from({ length: T }, () => new Map())
  const addTo = (u: number, t: number): void => {
    let g = groups[t]!.get(sigId[u]!)
    if (!g) { g = { id: sigId[u]!, members: new Set(), reps: [], mask: maskOf[u]! }; groups[t]!.set(sigId[u]!, g) }
    g.members.add(u)
    g.reps = []
  }
  const removeFrom = (u: number, t: number): void => {
    const g = groups[t]!.get(sigId[u]!)!
    g.members.delete(u)
    g.reps = []
    if (g.members.size === 0) groups[t]!.delete(sigId[u]!)
  }
  for (let u = 0; u < n; u++) if (type[u]! >= 0 && p.searchable[type[u]!]) addTo(u, type[u]!)
  const rep = (g: Group, from: number, to: number): Rep => {
    let r = g.reps[to]
    if (r) return r
    r = { u: -1, c: Infinity, v: Infinity }
    for (const u of g.members) {
      const v = ruled[u * T + to]! - ruled[u * T + from]!
      const c = cost[u * T + to]! - cost[u * T + from]!
      if (v < r.v || (v === r.v && (c < r.c || (c === r.c && u < r.u)))) r = { u, c, v }
    }
    g.reps[to] = r
    return r
  }
  const maxSwaps = p.maxSwaps ?? 20 * n + 100
  const maxPairs = p.maxPairs ?? 2e8
  let pairs = 0
  let stopped = false
  let swaps = 0
  // A swap of a (type A) and b (type B) moves v_o = hist(a)_o − hist(b)_o free blocks of each
  // order o from A's lists to B's: the distance changes by Σ_o g_o(v_o), with
  // g_o(v) = (|D_A,o − v| − |D_A,o| + |D_B,o + v| − |D_B,o|)·2^o. Per group, the sum over its own
  // orders is taken once per step (SA for a's side, SB for b's); a pair then adds only the
  // correction on the orders both histograms hold. All terms are integers: the sums are exact
  // in any order, so this is the same value the order-by-order sum gives.
  const gain = (DA: Float64Array, DB: Float64Array, o: number, v: number): number =>
    (Math.abs(DA[o]! - v) - Math.abs(DA[o]!) + Math.abs(DB[o]! + v) - Math.abs(DB[o]!)) * pw[o]!
  const side = (sp: Array<[number, number]>, DA: Float64Array, DB: Float64Array, sign: number): number => {
    let s = 0
    for (const [o, c] of sp) s += gain(DA, DB, o, sign * c)
    return s
  }
  while (swaps < maxSwaps) {
    // the pairs this step weighs: stop before a step that would pass the budget
    let stepPairs = 0
    for (let ia = 0; ia < types.length; ia++) for (let ib = ia + 1; ib < types.length; ib++) stepPairs += groups[types[ia]!]!.size * groups[types[ib]!]!.size
    if (pairs + stepPairs > maxPairs) { stopped = true; break }
    pairs += stepPairs
    let best: { dF: number; dC: number; a: number; b: number } | null = null
    for (let ia = 0; ia < types.length; ia++) {
      const A = types[ia]!
      if (groups[A]!.size === 0) continue
      for (let ib = ia + 1; ib < types.length; ib++) {
        const B = types[ib]!
        if (groups[B]!.size === 0) continue
        const DA = D[A]!, DB = D[B]!
        const gbs = [...groups[B]!.values()]
        const ys = gbs.map((gb) => rep(gb, B, A))
        const sbs = ys.map((y) => side(sparse[y.u]!, DA, DB, -1))
        for (const ga of groups[A]!.values()) {
          const x = rep(ga, A, B)
          const sa = side(sparse[x.u]!, DA, DB, 1)
          const xw = weight[x.u]!
          for (let k = 0; k < gbs.length; k++) {
            const gb = gbs[k]!
            if (ga.id === gb.id) continue
            const y = ys[k]!
            if (xw !== weight[y.u] || x.v + y.v > 0) continue
            let dF = sa + sbs[k]!
            let common = ga.mask & gb.mask
            while (common !== 0) {
              const o = 31 - Math.clz32(common & -common)
              common &= common - 1
              const a = hist[x.u * nrOrders + o]!, b = hist[y.u * nrOrders + o]!
              dF += gain(DA, DB, o, a - b) - gain(DA, DB, o, a) - gain(DA, DB, o, -b)
            }
            if (dF >= 0) continue
            const dC = x.c + y.c
            if (!best || dF < best.dF || (dF === best.dF && (dC < best.dC || (dC === best.dC && (Math.min(x.u, y.u) < Math.min(best.a, best.b) || (Math.min(x.u, y.u) === Math.min(best.a, best.b) && Math.max(x.u, y.u) < Math.max(best.a, best.b))))))) {
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
    removeFrom(best.a, A)
    removeFrom(best.b, B)
    type[best.a] = B
    type[best.b] = A
    addTo(best.a, B)
    addTo(best.b, A)
    swaps++
  }
  return { type, swaps, stopped, before, after: dist() }
}
