import { describe, it, expect } from 'vitest'
import { improveAssignment, freeListDistance } from './migratetype_assign.ts'

const U = 0, M = 1

describe('improveAssignment', () => {
  it('swaps pageblock types so the free lists come closest to the captured ones, keeping the count per type', () => {
    // 4 single-pageblock units, orders 0..2; the captured Unmovable list holds one order-2 block
    const hist = Int32Array.from([
      0, 0, 0, // unit 0: no free pages (initially Unmovable)
      0, 0, 1, // unit 1: one order-2 block
      3, 0, 0, // unit 2: three order-0 pages
      0, 0, 0, // unit 3
    ])
    const target = [[0, 0, 1], [3, 0, 0]]
    const res = improveAssignment({
      nrOrders: 3, nrTypes: 2, hist, weight: Int32Array.from([1, 1, 1, 1]), type: Int8Array.from([U, M, M, M]),
      fixed: [[0, 0, 0], [0, 0, 0]], target, searchable: [true, true], cost: () => 0, ruledOut: () => 0,
    })
    expect([...res.type]).toEqual([M, U, M, M])
    expect(res.before).toBe(8)
    expect(res.after).toBe(0)
  })

  it('never gives a unit a type its contents rule out, and prefers the unit whose contents fit', () => {
    const hist = Int32Array.from([0, 1, 0, 1, 0, 0])
    // units 0 and 1 have the same free pages; unit 0 holds only LRU pages (ruled out for Unmovable), unit 2 starts Unmovable
    const base = { nrOrders: 2, nrTypes: 2, hist, weight: Int32Array.from([1, 1, 1]), fixed: [[0, 0], [0, 0]], target: [[0, 1], [0, 1]], searchable: [true, true], cost: () => 0 }
    const res = improveAssignment({ ...base, type: Int8Array.from([M, M, U]), ruledOut: (u, t) => (u === 0 && t === U ? 1 : 0) })
    expect([...res.type]).toEqual([M, U, M])
    const res2 = improveAssignment({ ...base, type: Int8Array.from([M, M, U]), ruledOut: () => 0, cost: (u, t) => (t === U ? (u === 1 ? 5 : 0) : 0) })
    expect([...res2.type]).toEqual([U, M, M])
  })

  it('leaves fixed units alone and counts their lists', () => {
    const res = improveAssignment({
      nrOrders: 1, nrTypes: 2, hist: Int32Array.from([1, 0]), weight: Int32Array.from([1, 1]), type: Int8Array.from([-1, M]),
      fixed: [[1], [0]], target: [[1], [0]], searchable: [true, true], cost: () => 0, ruledOut: () => 0,
    })
    expect([...res.type]).toEqual([-1, M])
    expect(res.after).toBe(0)
    expect(freeListDistance([[2], [1]], [[1], [0]])).toBe(2)
  })

  it('stops at its work limit with the swaps made so far, and says so', () => {
    // 12 Unmovable units with free blocks the captured lists put on Movable, 12 Movable ones without
    const n = 24
    const hist = new Int32Array(n * 3)
    for (let u = 0; u < 12; u++) hist[u * 3 + (u % 3)] = 1 + u
    const type = Int8Array.from({ length: n }, (_, u) => (u < 12 ? U : M))
    const target = [[0, 0, 0], [0, 0, 0]]
    for (let u = 0; u < 12; u++) target[M]![u % 3]! += 1 + u
    const problem = { nrOrders: 3, nrTypes: 2, hist, weight: new Int32Array(n).fill(1), type, fixed: [[0, 0, 0], [0, 0, 0]], target, searchable: [true, true], cost: () => 0, ruledOut: () => 0 }
    const full = improveAssignment(problem)
    expect(full.stopped).toBe(false)
    expect(full.after).toBe(0)
    expect(full.swaps).toBe(12)
    // each step weighs (Unmovable groups) × (Movable groups) pairs: a budget of about three steps
    const cut = improveAssignment({ ...problem, maxPairs: 3 * 12 * 2 })
    expect(cut.stopped).toBe(true)
    expect(cut.swaps).toBeGreaterThan(0)
    expect(cut.swaps).toBeLessThan(12)
    expect(cut.after).toBeLessThan(cut.before)
    expect(cut.after).toBeGreaterThan(0)
  })
})
