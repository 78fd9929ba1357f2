/**
 * improveAssignment as it was before the fast path (issue 16), frozen as the reference of
 * test/host/exact_fast_path.test.ts (see engine/reconstruct/migratetype_assign.ts for what it
 * solves and why). Do not optimise this file.
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
  interface Group { sig: string; members: Set<number>; reps: Array<Rep | null> }
  const groups: Array<Map<string, Group>> = Array.from({ length: T }, () => new Map())
  const addTo = (u: number, t: number): void => {
    let g = groups[t]!.get(sigOf[u]!)
    if (!g) { g = { sig: sigOf[u]!, members: new Set(), reps: [] }; groups[t]!.set(sigOf[u]!, g) }
    g.members.add(u)
    g.reps = []
  }
  const removeFrom = (u: number, t: number): void => {
    const g = groups[t]!.get(sigOf[u]!)!
    g.members.delete(u)
    g.reps = []
    if (g.members.size === 0) groups[t]!.delete(sigOf[u]!)
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
  let swaps = 0
  const d = new Float64Array(nrOrders)
  const touched: number[] = []
  while (swaps < maxSwaps) {
    let best: { dF: number; dC: number; a: number; b: number } | null = null
    for (let ia = 0; ia < types.length; ia++) {
      const A = types[ia]!
      if (groups[A]!.size === 0) continue
      for (let ib = ia + 1; ib < types.length; ib++) {
        const B = types[ib]!
        if (groups[B]!.size === 0) continue
        const DA = D[A]!, DB = D[B]!
        for (const ga of groups[A]!.values()) {
          const x = rep(ga, A, B)
          const sa = sparse[x.u]!
          for (const gb of groups[B]!.values()) {
            if (ga.sig === gb.sig) continue
            const y = rep(gb, B, A)
            if (weight[x.u] !== weight[y.u] || x.v + y.v > 0) continue
            const sb = sparse[y.u]!
            // d = hist(a) − hist(b): what moves from A to B
            for (const [o, c] of sa) { if (d[o] === 0) touched.push(o); d[o]! += c }
            for (const [o, c] of sb) { if (d[o] === 0 && !touched.includes(o)) touched.push(o); d[o]! -= c }
            let dF = 0
            for (const o of touched) {
              const v = d[o]!
              if (v !== 0) {
                const a = DA[o]!, b = DB[o]!
                dF += (Math.abs(a - v) - Math.abs(a) + Math.abs(b + v) - Math.abs(b)) * pw[o]!
              }
              d[o] = 0
            }
            touched.length = 0
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
  return { type, swaps, before, after: dist() }
}
