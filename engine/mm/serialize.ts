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
  /** MemoryModel.captureToolPages */
  captureToolPages?: number[]
  /** MemoryModel.lruAddPages */
  lruAddPages?: number[]
  /** MemoryModel.referencedAnon */
  referencedAnon?: number[]
  /** MemoryModel.kernelCompoundTails */
  kernelCompoundTails?: Uint32Array | null
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
    captureToolPages: [...m.captureToolPages],
    lruAddPages: [...m.lruAddPages],
    referencedAnon: [...m.referencedAnon],
    kernelCompoundTails: m.kernelCompoundTails,
  }
}

function structuredCloneBuild(b: BuildMethod): BuildMethod {
  return b.method === 'exact' ? { method: 'exact', source: b.source, notes: [...b.notes] } : { method: 'synthesized', seed: b.seed, notes: [...b.notes] }
}

/** The buffers a transfer should move rather than copy. */
export function transferList(t: ModelTransfer): ArrayBuffer[] {
  return [t.memMap.buffer, t.pageblockMt.buffer, t.pageblockFlags.buffer, t.kernelCompoundTails?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
}

export function importModel(t: ModelTransfer): { model: MemoryModel; allocator: PageAllocator } {
  return instantiateModel(modelTemplate(t))
}

/**
 * A model's state to make many identical copies of (the seeds of an ensemble): its transfer,
 * whose arrays may sit in shared memory and are only read, and each zone's free blocks (head
 * PFNs), found once instead of for every copy.
 */
export interface ModelTemplate {
  transfer: ModelTransfer
  /** per zone, the free blocks' head PFNs in PFN order */
  freeHeads: Float64Array[]
}

export function modelTemplate(t: ModelTransfer): ModelTemplate {
  const geometry = t.geometry
  const pbPages = 2 ** geometry.pageblockOrder
  const basePfn = Math.floor(Math.min(...t.zones.map((z) => z.startPfn)) / pbPages) * pbPages
  const freeHeads = t.zones.map((z) => {
    const heads: number[] = []
    for (let p = z.startPfn; p < z.startPfn + z.spanned;) {
      const b = t.memMap[p - basePfn]!
      if (isFreeHead(b)) {
        heads.push(p)
        p += 2 ** headOrder(b)
      } else p++
    }
    return Float64Array.from(heads)
  })
  return { transfer: t, freeHeads }
}

/** A new model from a template: its arrays copied from the template's, its free lists as importModel makes them (lowest PFN at the head of each list). */
export function instantiateModel(tpl: ModelTemplate): { model: MemoryModel; allocator: PageAllocator } {
  const t = tpl.transfer
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
  const model = new MemoryModel(t.geometry, mts, zones, structuredCloneBuild(t.build))
  if (t.memMap.length !== model.memMap.length) throw new Error(`model transfer: memMap has ${t.memMap.length} pages, the zones need ${model.memMap.length}`)
  model.memMap.set(t.memMap)
  model.pageblockMt.set(t.pageblockMt)
  model.pageblockFlags.set(t.pageblockFlags)
  for (const p of t.unsplittable ?? []) model.unsplittable.add(p)
  for (const p of t.captureToolPages ?? []) model.captureToolPages.add(p)
  for (const p of t.lruAddPages ?? []) model.lruAddPages.add(p)
  for (const p of t.referencedAnon ?? []) model.referencedAnon.add(p)
  // only read (the scanners never change it): copies may share it
  if (t.kernelCompoundTails) model.kernelCompoundTails = t.kernelCompoundTails
  const allocator = new PageAllocator(model, t.policy)
  zones.forEach((z, zi) => {
    const heads = tpl.freeHeads[zi]!
    for (let i = heads.length - 1; i >= 0; i--) {
      const p = heads[i]!
      allocator.addToFreeList(z, p, headOrder(model.memMap[p - model.basePfn]!), freeHeadMt(model.memMap[p - model.basePfn]!))
    }
  })
  return { model, allocator }
}

/** An independent copy of a model (for what-ifs that must not touch the original). */
export function cloneModel(m: MemoryModel, policy: AllocPolicy): { model: MemoryModel; allocator: PageAllocator } {
  const t = exportModel(m, policy)
  return importModel({ ...t, memMap: t.memMap.slice(), pageblockMt: t.pageblockMt.slice(), pageblockFlags: t.pageblockFlags.slice(), kernelCompoundTails: t.kernelCompoundTails?.slice() ?? null })
}
