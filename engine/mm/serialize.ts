/**
 * Moving a model between threads: the typed arrays travel (transferable), the rest is plain
 * data; free lists are rebuilt from memMap on import (lowest PFN at the head of each list).
 */
import { MemoryModel, MigratetypeTable, Zone, type Geometry, type BuildMethod } from './mmzone.ts'
import { PageAllocator, type AllocPolicy } from './page_alloc.ts'
import { isFreeHead, headOrder, freeHeadMt } from './page.ts'

/** The plain-data fields of a zone that cross threads (the free lists are rebuilt from memMap). */
export type ZoneTransfer = Pick<Zone, 'node' | 'name' | 'idx' | 'startPfn' | 'spanned' | 'present' | 'managed' | 'cmaPages' | 'wmark' | 'boost' | 'protection' | 'nrReservedHighatomic' | 'pcpPages' | 'pcpHigh' | 'pcpBatch' | 'pcpCpus'>

export interface ModelTransfer {
  geometry: Geometry
  migratetypes: string[]
  zones: ZoneTransfer[]
  build: BuildMethod
  policy: AllocPolicy
  memMap: Uint8Array
  pageblockMt: Uint8Array
  pageblockFlags: Uint8Array
  /** MemoryModel.unsplittable */
  unsplittable?: number[]
}

export function exportModel(m: MemoryModel, policy: AllocPolicy): ModelTransfer {
  return {
    geometry: { ...m.geometry },
    migratetypes: [...m.migratetypes.names],
    zones: m.zones.map((z) => ({
      node: z.node, name: z.name, idx: z.idx, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed,
      cmaPages: z.cmaPages, wmark: { ...z.wmark }, boost: z.boost, protection: [...z.protection], nrReservedHighatomic: z.nrReservedHighatomic, pcpPages: z.pcpPages, pcpHigh: z.pcpHigh, pcpBatch: z.pcpBatch, pcpCpus: z.pcpCpus.map((c) => ({ ...c })),
    })),
    build: structuredCloneBuild(m.build),
    policy: { ...policy },
    memMap: m.memMap,
    pageblockMt: m.pageblockMt,
    pageblockFlags: m.pageblockFlags,
    unsplittable: [...m.unsplittable],
  }
}

function structuredCloneBuild(b: BuildMethod): BuildMethod {
  return b.method === 'exact' ? { method: 'exact', source: b.source, notes: [...b.notes] } : { method: 'synthesized', seed: b.seed, notes: [...b.notes] }
}

/** The buffers a transfer should move rather than copy. */
export function transferList(t: ModelTransfer): ArrayBuffer[] {
  return [t.memMap.buffer, t.pageblockMt.buffer, t.pageblockFlags.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
}

export function importModel(t: ModelTransfer): { model: MemoryModel; allocator: PageAllocator } {
  const mts = new MigratetypeTable(t.migratetypes)
  const zones = t.zones.map((s) => {
    const z = new Zone({ node: s.node, name: s.name, idx: s.idx, startPfn: s.startPfn, spanned: s.spanned, present: s.present, managed: s.managed, cmaPages: s.cmaPages, nrOrders: t.geometry.nrOrders, nrTypes: mts.count })
    z.wmark = { ...s.wmark }
    z.boost = s.boost
    z.protection = [...s.protection]
    z.nrReservedHighatomic = s.nrReservedHighatomic
    z.pcpPages = s.pcpPages
    z.pcpHigh = s.pcpHigh
    z.pcpBatch = s.pcpBatch
    z.pcpCpus = (s.pcpCpus ?? []).map((c) => ({ ...c }))
    return z
  })
  const model = new MemoryModel(t.geometry, mts, zones, t.build)
  if (t.memMap.length !== model.memMap.length) throw new Error(`model transfer: memMap has ${t.memMap.length} pages, the zones need ${model.memMap.length}`)
  model.memMap.set(t.memMap)
  model.pageblockMt.set(t.pageblockMt)
  model.pageblockFlags.set(t.pageblockFlags)
  for (const p of t.unsplittable ?? []) model.unsplittable.add(p)
  const allocator = new PageAllocator(model, t.policy)
  for (const z of model.zones) {
    const heads: number[] = []
    for (let p = z.startPfn; p < z.endPfn;) {
      const b = model.memMap[p - model.basePfn]!
      if (isFreeHead(b)) {
        heads.push(p)
        p += 2 ** headOrder(b)
      } else p++
    }
    for (let i = heads.length - 1; i >= 0; i--) {
      const p = heads[i]!
      const b = model.memMap[p - model.basePfn]!
      allocator.addToFreeList(z, p, headOrder(b), freeHeadMt(b))
    }
  }
  return { model, allocator }
}

/** An independent copy of a model (for what-ifs that must not touch the original). */
export function cloneModel(m: MemoryModel, policy: AllocPolicy): { model: MemoryModel; allocator: PageAllocator } {
  const t = exportModel(m, policy)
  return importModel({ ...t, memMap: t.memMap.slice(), pageblockMt: t.pageblockMt.slice(), pageblockFlags: t.pageblockFlags.slice() })
}
