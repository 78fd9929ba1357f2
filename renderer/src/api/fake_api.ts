/**
 * DEV-ONLY fake host, loaded by client.ts only when the page URL has `?fake=1` (never in Electron,
 * never against `buddyscope serve`). It answers the contract from the `buddyscope inspect --json`
 * output of three real captures (fake_data/*.json) and a generated, deterministic pageblock map,
 * so the UI can be developed and screenshot without a host.
 *
 * Paths it understands (startOpenPath): anything containing "x86" or "512M" → the x86 512 MiB
 * capture; "arm64" → the arm64 CMA series (capture "04…" → after compaction); "1T" or "big" →
 * a synthesized 1 TiB, 2-node machine (524,288 pageblocks); "slow" → a run that takes 20 s (to
 * try Cancel); anything else fails like a bad snapshot. URL options: bundled=fail (the bundled
 * capture cannot be opened), bundled=big (the bundled capture is the 1 TiB machine), delay=ms.
 */
import type {
  BuddyscopeApi, EventName, EventPayloads, HostError, MethodArgs, MethodResults, PageblockDetailDto, PageblockMapDto,
  RecentEntry, SnapshotView, ZoneSummary,
} from './types.ts'
import { CONTRACT_VERSION, MT_NONE } from './types.ts'
import x86Before from './fake_data/x86_512m_before.json'
import armBefore from './fake_data/arm64_cma_before.json'
import armAfter from './fake_data/arm64_cma_after.json'

interface InspectJson {
  machine: {
    hostname: string | null; kernelRelease: string | null; arch: string | null; pageSize: number; pageSizeSource: string
    pageblockOrder: number; pagesPerBlock: number; nrOrders: number; migratetypes: string[]; nodes: number[]; captureTime: string | null
  }
  snapshot: { path: string; label: string | null; series: string[] | null }
  layout: { method: 'exact' | 'synthesized'; seed: number | null; source: string | null }
  zones: ZoneSummary[]
  nodes: Array<{ node: number; fragmentationScore: number }>
  findings: Array<{ severity: string; code: string; zone: string | null; message: string }>
}

// ------------------------------------------------------------------ deterministic randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ------------------------------------------------------------------ snapshot views

function viewFromInspect(j: InspectJson, id: string, path: string, layoutOverride?: { layout?: string; seed?: number }): SnapshotView {
  const pbPages = j.machine.pagesPerBlock
  const lo = Math.min(...j.zones.map((z) => z.startPfn))
  const hi = Math.max(...j.zones.map((z) => z.startPfn + z.spanned))
  const basePfn = Math.floor(lo / pbPages) * pbPages
  const pageblockCount = Math.ceil((hi - basePfn) / pbPages)
  const layout = layoutOverride?.layout === 'synthesized'
    ? { method: 'synthesized' as const, seed: layoutOverride.seed ?? 1, source: null }
    : j.layout
  return {
    id, path, label: j.snapshot.label, series: j.snapshot.series,
    machine: {
      hostname: j.machine.hostname, kernelRelease: j.machine.kernelRelease, arch: j.machine.arch, pageSize: j.machine.pageSize,
      pageSizeSource: j.machine.pageSizeSource as SnapshotView['machine']['pageSizeSource'], pageblockOrder: j.machine.pageblockOrder,
      pageblockOrderSource: 'pagetypeinfo', nrOrders: j.machine.nrOrders, migratetypes: j.machine.migratetypes, nodes: j.machine.nodes,
      hpageOrder: j.machine.pageblockOrder, captureTime: j.machine.captureTime,
    },
    layout,
    zones: j.zones,
    nodes: j.nodes,
    findings: j.findings.map((f) => ({ severity: f.severity as 'info' | 'warning' | 'error', code: f.code, zone: f.zone, message: f.message })),
    extfragThreshold: 500,
    migratetypes: [...j.machine.migratetypes],
    pageblockCount,
    pagesPerBlock: pbPages,
    basePfn,
    pageSize: j.machine.pageSize,
    zoneBoundaries: j.zones.map((z) => ({
      node: z.node, zone: z.zone, startPfn: z.startPfn, endPfn: z.startPfn + z.spanned,
      firstPb: Math.floor((z.startPfn - basePfn) / pbPages), lastPb: Math.floor((z.startPfn + z.spanned - 1 - basePfn) / pbPages),
    })),
    // the fake's captures are 6.1 kernels: the model's 6.1 rules alone (engine releaseRules)
    kernelRules: ['page allocator and compaction: Linux 6.1 (mm/page_alloc.c, mm/compaction.c)'],
  }
}

/** The kernel's unusable_free_index / __fragmentation_index, ×1000, from free blocks per order. */
function indices(freeBlocks: number[]): { unusable: number[]; extfrag: number[] } {
  const totalFree = freeBlocks.reduce((s, n, o) => s + n * 2 ** o, 0)
  const totalBlocks = freeBlocks.reduce((s, n) => s + n, 0)
  const unusable: number[] = []
  const extfrag: number[] = []
  for (let o = 0; o < freeBlocks.length; o++) {
    const suitable = freeBlocks.reduce((s, n, k) => (k >= o ? s + n * 2 ** (k - o) : s), 0)
    unusable.push(totalFree === 0 ? 1000 : Math.floor(((totalFree - (suitable << o)) * 1000) / totalFree))
    if (totalBlocks === 0) extfrag.push(0)
    else if (suitable > 0) extfrag.push(-1000)
    else extfrag.push(1000 - Math.floor((1000 + Math.floor((totalFree * 1000) / 2 ** o)) / totalBlocks))
  }
  return { unusable, extfrag }
}

/** A synthesized 1 TiB machine: 2 nodes, 4 KiB pages, 2 MiB pageblocks = 524,288 pageblocks. */
function bigInspect(): InspectJson {
  const rng = mulberry32(42)
  const mts = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']
  const nrOrders = 11
  const zones: ZoneSummary[] = []
  const spec: Array<[number, string, number, number]> = [
    [0, 'DMA', 1, 4095], [0, 'DMA32', 4096, 1044480], [0, 'Normal', 1048576, 133169152], [1, 'Normal', 134217728, 134217728],
  ]
  for (const [node, zone, startPfn, spanned] of spec) {
    const pbs = Math.ceil(spanned / 512)
    const pageblocks: Record<string, number> = { Unmovable: Math.round(pbs * 0.06), Movable: 0, Reclaimable: Math.round(pbs * 0.015), HighAtomic: zone === 'Normal' ? 2 : 0, CMA: zone === 'DMA32' ? 128 : 0, Isolate: 0 }
    pageblocks.Movable = pbs - Object.values(pageblocks).reduce((s, n) => s + n, 0)
    const freeBlocksByMigratetype: Record<string, number[]> = {}
    for (const mt of mts) {
      const n = pageblocks[mt] ?? 0
      freeBlocksByMigratetype[mt] = Array.from({ length: nrOrders }, (_, o) =>
        n === 0 ? 0 : Math.floor((n * (mt === 'Movable' ? 30 : 6) * (rng() + 0.5)) / 2 ** (o * 0.9)) * (o > 8 && mt !== 'Movable' ? 0 : 1))
    }
    const freeBlocks = Array.from({ length: nrOrders }, (_, o) => mts.reduce((s, mt) => s + freeBlocksByMigratetype[mt]![o]!, 0))
    const freePagesByMigratetype = Object.fromEntries(mts.map((mt) => [mt, freeBlocksByMigratetype[mt]!.reduce((s, n, o) => s + n * 2 ** o, 0)]))
    const freePages = Object.values(freePagesByMigratetype).reduce((s, n) => s + n, 0)
    const ix = indices(freeBlocks)
    zones.push({
      node, zone, startPfn, spanned, present: spanned, managed: Math.floor(spanned * 0.97), freePages, pcpPages: 3000,
      watermarks: { min: Math.floor(spanned / 3000), low: Math.floor(spanned / 2400), high: Math.floor(spanned / 2000), boost: 0 },
      freeBlocks, freeBlocksByMigratetype, freePagesByMigratetype, pageblocks,
      mixedPageblocks: Object.fromEntries(mts.map((mt) => [mt, Math.floor((pageblocks[mt] ?? 0) * 0.1)])),
      unusableIndex: ix.unusable, extfragIndex: ix.extfrag, fragmentationScore: Math.floor(ix.unusable[9]! / 10), largestFreeOrder: 10,
    })
  }
  return {
    machine: {
      hostname: 'bigbox', kernelRelease: '6.15.0-fake', arch: 'x86_64', pageSize: 4096, pageSizeSource: 'manifest', pageblockOrder: 9,
      pagesPerBlock: 512, nrOrders, migratetypes: mts, nodes: [0, 1], captureTime: '2025-01-01T00:00:00Z',
    },
    snapshot: { path: 'fake/1T-synthesized', label: null, series: null },
    layout: { method: 'synthesized', seed: 7, source: null },
    zones,
    nodes: [{ node: 0, fragmentationScore: 41 }, { node: 1, fragmentationScore: 37 }],
    findings: [
      { severity: 'warning', code: 'fake', zone: 'Node 0, zone Normal', message: 'a fake 1 TiB machine for trying the pageblock map at 524,288 cells' },
      { severity: 'info', code: 'layout-inference', zone: null, message: 'layout synthesized from summaries (seed 7): no kpageflags in this capture' },
    ],
  }
}

// ------------------------------------------------------------------ generated maps and page detail

function generateMap(view: SnapshotView): PageblockMapDto {
  const n = view.pageblockCount
  const rng = mulberry32(1234 + n)
  const pb = view.pagesPerBlock
  const map: PageblockMapDto = {
    id: view.id, mt: new Uint8Array(n).fill(MT_NONE), free: new Uint16Array(n), movable: new Uint16Array(n), unmovable: new Uint16Array(n),
    reclaimable: new Uint16Array(n), pinned: new Uint16Array(n), mixed: new Uint8Array(n),
  }
  const mtIndex = (name: string): number => view.migratetypes.indexOf(name)
  for (let zi = 0; zi < view.zones.length; zi++) {
    const z = view.zones[zi]!
    const b = view.zoneBoundaries[zi]!
    const total = b.lastPb - b.firstPb + 1
    // a sequence of migratetypes: CMA in one contiguous run near the top, Unmovable clustered at the
    // start and in a few islands, Reclaimable next to Unmovable, the rest Movable
    const seq = new Array<number>(total).fill(mtIndex('Movable'))
    let cursor = 0
    const counts = { ...z.pageblocks }
    const cma = counts.CMA ?? 0
    if (cma > 0) {
      const at = Math.max(0, total - cma - Math.floor(total * 0.08))
      for (let i = 0; i < cma; i++) seq[at + i] = mtIndex('CMA')
    }
    const place = (name: string, count: number, clusterStart: boolean): void => {
      let left = count
      if (clusterStart) {
        const head = Math.min(left, Math.ceil(count * 0.4))
        for (let i = 0; i < head && cursor < total; cursor++) if (seq[cursor] === mtIndex('Movable')) { seq[cursor] = mtIndex(name); i++; left-- }
      }
      let guard = 0
      while (left > 0 && guard++ < total * 20) {
        const at = Math.floor(rng() * total)
        const run = Math.min(left, 1 + Math.floor(rng() * 6))
        for (let i = 0; i < run && at + i < total; i++) {
          if (seq[at + i] === mtIndex('Movable')) { seq[at + i] = mtIndex(name); left-- }
        }
      }
    }
    place('Unmovable', counts.Unmovable ?? 0, true)
    place('Reclaimable', counts.Reclaimable ?? 0, true)
    place('HighAtomic', counts.HighAtomic ?? 0, false)
    // free pages: whole free pageblocks for the free blocks of order ≥ pageblock order, the rest spread
    const pbOrder = view.machine.pageblockOrder
    const fullFree: Record<string, number> = {}
    const partialFree: Record<string, number> = {}
    for (const [name, row] of Object.entries(z.freeBlocksByMigratetype)) {
      fullFree[name] = row.reduce((s, c, o) => (o >= pbOrder ? s + c * 2 ** (o - pbOrder) : s), 0)
      partialFree[name] = row.reduce((s, c, o) => (o < pbOrder ? s + c * 2 ** o : s), 0)
    }
    const mixedLeft: Record<string, number> = { ...z.mixedPageblocks }
    for (let i = 0; i < total; i++) {
      const idx = b.firstPb + i
      const mt = seq[i]!
      const name = view.migratetypes[mt]!
      map.mt[idx] = mt
      let free = 0
      if ((fullFree[name] ?? 0) > 0 && rng() < 0.35 + (fullFree[name]! / total) * 2) {
        fullFree[name]!--
        free = pb
      } else if ((partialFree[name] ?? 0) > 0) {
        const blocksOfType = Math.max(1, (z.pageblocks[name] ?? 1))
        free = Math.min(pb, Math.round((partialFree[name]! / blocksOfType) * (0.3 + rng() * 1.6)))
        partialFree[name]! -= free
      }
      const used = pb - free
      let movable = 0, unmovable = 0, reclaimable = 0, pinned = 0, mixed = 0
      if (name === 'Unmovable' || name === 'HighAtomic') unmovable = used
      else if (name === 'Reclaimable') reclaimable = used
      else movable = used
      if (used > 0 && (mixedLeft[name === 'CMA' ? 'Movable' : name] ?? 0) > 0 && rng() < 0.25) {
        mixedLeft[name === 'CMA' ? 'Movable' : name]!--
        mixed = 1
        const foreign = Math.min(used, 1 + Math.floor(rng() * 24))
        if (name === 'Movable' || name === 'CMA') { movable -= foreign; if (rng() < 0.6) unmovable += foreign; else reclaimable += foreign }
        else if (name === 'Unmovable') { unmovable -= foreign; movable += foreign }
        else { reclaimable -= foreign; movable += foreign }
      }
      if ((name === 'Movable' || name === 'CMA') && movable > 0 && rng() < 0.03) pinned = Math.min(movable, 1 + Math.floor(rng() * 40))
      map.free[idx] = free
      map.movable[idx] = movable
      map.unmovable[idx] = unmovable
      map.reclaimable[idx] = reclaimable
      map.pinned[idx] = pinned
      map.mixed[idx] = mixed
    }
  }
  return map
}

const CLS = { hole: 0, free: 1, pcp: 2, movable: 3, file: 4, unevictable: 5, pinned: 6, reclaimable: 7, unmovable: 8, pagetable: 9, reserved: 10, thp: 11, hugetlb: 12, other: 13 }

function generateDetail(view: SnapshotView, map: PageblockMapDto, pbIndex: number): PageblockDetailDto {
  const n = view.pagesPerBlock
  const rng = mulberry32(pbIndex * 7919 + 17)
  const classes = new Uint8Array(n)
  const orders = new Int8Array(n).fill(-1)
  const startPfn = view.basePfn + pbIndex * n
  const mt = map.mt[pbIndex]!
  const zb = view.zoneBoundaries.find((b) => pbIndex >= b.firstPb && pbIndex <= b.lastPb)
  if (mt !== MT_NONE) {
    const taken = new Uint8Array(n)
    let free = map.free[pbIndex]!
    // free blocks at buddy-aligned positions
    let attempts = 0
    while (free > 0 && attempts++ < 4000) {
      const maxO = Math.min(view.machine.pageblockOrder, Math.floor(Math.log2(free)))
      const o = free === n ? maxO : Math.floor(rng() * (maxO + 1))
      const size = 2 ** o
      const slot = Math.floor(rng() * (n / size)) * size
      let clear = true
      for (let i = slot; i < slot + size; i++) if (taken[i]) { clear = false; break }
      if (!clear) continue
      for (let i = slot; i < slot + size; i++) { taken[i] = 1; classes[i] = CLS.free }
      orders[slot] = o
      free -= size
    }
    // used pages in the block's proportions, THP folios where a movable run is aligned and clear
    const kinds: number[] = []
    const push = (k: number, c: number): void => { for (let i = 0; i < c; i++) kinds.push(k) }
    const mv = map.movable[pbIndex]! - map.pinned[pbIndex]!
    push(CLS.movable, Math.round(mv * 0.55)); push(CLS.file, Math.round(mv * 0.4)); push(CLS.unevictable, mv - Math.round(mv * 0.55) - Math.round(mv * 0.4))
    push(CLS.pinned, map.pinned[pbIndex]!)
    const um = map.unmovable[pbIndex]!
    push(CLS.unmovable, Math.round(um * 0.8)); push(CLS.pagetable, um - Math.round(um * 0.8))
    push(CLS.reclaimable, map.reclaimable[pbIndex]!)
    for (let i = kinds.length - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!] }
    let k = 0
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue
      // an order-4 THP-like folio now and then
      if (i % 16 === 0 && rng() < 0.08 && kinds[k] === CLS.movable) {
        let clear = true
        for (let j = i; j < i + 16; j++) if (taken[j]) { clear = false; break }
        if (clear) {
          for (let j = i; j < i + 16; j++) { taken[j] = 1; classes[j] = CLS.thp }
          orders[i] = 4
          k += 16
          continue
        }
      }
      classes[i] = kinds[k++] ?? CLS.pcp
    }
    if (zb && startPfn < zb.startPfn) for (let i = 0; i < zb.startPfn - startPfn && i < n; i++) { classes[i] = CLS.hole; orders[i] = -1 }
  }
  return {
    id: view.id, pageblock: pbIndex, startPfn, migratetype: mt === MT_NONE ? '(none)' : view.migratetypes[mt] ?? '?',
    zone: zb ? `Node ${zb.node}, zone ${zb.zone}` : null, pages: new Uint8Array(n), classes, orders, captured: null,
  }
}

// ------------------------------------------------------------------ the fake host

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A method only the real host answers: the fake host refuses it in words. */
function needsRealHost(message: string): () => Promise<never> {
  return async () => {
    throw { code: 'unsupported', message } satisfies HostError
  }
}

export function createFakeApi(params: URLSearchParams): BuddyscopeApi {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const snapshots = new Map<string, { view: SnapshotView; map: PageblockMapDto | null }>()
  const runs = new Map<string, { cancelled: boolean }>()
  const recent: RecentEntry[] = [
    { path: 'fixtures/x86-512M-s1-compact/02-before', label: null, openedAt: '2025-01-02T10:00:00Z' },
    { path: 'fixtures/arm64-1G-s6-cma-compact', label: '02-before', openedAt: '2025-01-01T09:00:00Z' },
  ]
  const delay = Number(params.get('delay') ?? 120)
  let next = 1

  const emit = <E extends EventName>(event: E, payload: EventPayloads[E]): void => {
    for (const l of listeners.get(event) ?? []) l(payload)
  }

  const resolveInspect = (path: string, capture?: string): InspectJson | HostError => {
    if (/1T|big/i.test(path)) return bigInspect()
    if (/arm64/i.test(path)) return (capture && /^0?4/.test(capture) ? armAfter : armBefore) as InspectJson
    if (/x86|512M|bundled|upload|slow/i.test(path)) return x86Before as InspectJson
    if (/bad/i.test(path)) return { code: 'bad-input', message: `${path}/buddyinfo line 2: expected "Node N, zone NAME" followed by counts, got "Nod 0 zone DMA 1 1"` }
    return { code: 'not-found', message: `${path}: no such file or directory` }
  }

  const startRun = (path: string, opts: { capture?: string; layout?: string; seed?: number } = {}): string => {
    const runId = `fr${next++}`
    const run = { cancelled: false }
    runs.set(runId, run)
    const steps = /slow/i.test(path) ? 100 : 6
    const stepMs = /slow/i.test(path) ? 200 : delay
    void (async () => {
      const phases = ['reading files', 'parsing', 'building the layout', 'summarizing']
      const j = resolveInspect(path, opts.capture)
      const id = `fs${next++}`
      const view = 'code' in j ? null : viewFromInspect(j, id, /1T|big/i.test(path) ? 'fake/1T-synthesized' : j.snapshot.path, opts)
      for (let i = 0; i <= steps; i++) {
        await sleep(stepMs)
        if (run.cancelled) return
        emit('run:progress', { runId, phase: phases[Math.min(phases.length - 1, Math.floor((i / steps) * phases.length))]!, done: i, total: steps })
        // as the service does: the captured free areas once the text files are parsed, before the model
        if (view && i === 1) {
          emit('run:summary', {
            runId,
            summary: {
              path: view.path, label: view.label, machine: view.machine, migratetypes: view.migratetypes, pageSize: view.pageSize,
              zones: view.zones.map((z) => ({ node: z.node, zone: z.zone, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed, freeBlocks: z.freeBlocks, freeBlocksByMigratetype: z.freeBlocksByMigratetype })),
            },
          })
        }
      }
      runs.delete(runId)
      if ('code' in j) {
        emit('run:failed', { runId, error: j })
        return
      }
      if (!view) return
      snapshots.set(id, { view, map: null })
      recent.unshift({ path: view.path, label: view.label, openedAt: new Date().toISOString() })
      emit('run:done', { runId, snapshot: view })
    })()
    return runId
  }

  const handlers: { [M in keyof MethodResults]: (args: MethodArgs<M>) => Promise<MethodResults[M]> } = {
    appInfo: async () => ({ version: '0.1.0-fake', transport: 'browser', contractVersion: CONTRACT_VERSION, bundledSnapshot: 'fixtures/x86-512M-s1-compact/02-before' }),
    startOpenPath: async (a) => ({ runId: startRun(a.path, { capture: a.capture, layout: a.layout, seed: a.seed }) }),
    startOpenBundled: async () => {
      if (params.get('bundled') === 'fail') throw { code: 'not-found', message: 'the bundled capture is missing from this build' } satisfies HostError
      return { runId: startRun(params.get('bundled') === 'big' ? 'big' : 'fixtures/x86-512M-s1-compact/02-before') }
    },
    startOpenUpload: async (a) => {
      const names = a.files.map((f) => f.name)
      return { runId: startRun(names.some((n) => /buddyinfo|\.tar\.gz|\.tgz/.test(n)) ? 'upload' : `bad upload (${names.join(', ')})`, { layout: a.layout }) }
    },
    cancelRun: async (a) => {
      const r = runs.get(a.runId)
      if (!r) return { cancelled: false }
      r.cancelled = true
      runs.delete(a.runId)
      setTimeout(() => emit('run:failed', { runId: a.runId, error: { code: 'cancelled', message: 'opening was cancelled' } }), 10)
      return { cancelled: true }
    },
    closeSnapshot: async (a) => ({ closed: snapshots.delete(a.id) }),
    listSnapshots: async () => [...snapshots.values()].map((s) => ({ id: s.view.id, path: s.view.path, label: s.view.label })),
    getSnapshot: async (a) => {
      const s = snapshots.get(a.id)
      if (!s) throw { code: 'not-found', message: `no open snapshot "${a.id}"` } satisfies HostError
      return s.view
    },
    getPageblockMap: async (a) => {
      const s = snapshots.get(a.id)
      if (!s) throw { code: 'not-found', message: `no open snapshot "${a.id}"` } satisfies HostError
      await sleep(30)
      s.map ??= generateMap(s.view)
      return s.map
    },
    getPageblockDetail: async (a) => {
      const s = snapshots.get(a.id)
      if (!s) throw { code: 'not-found', message: `no open snapshot "${a.id}"` } satisfies HostError
      if (a.pageblock >= s.view.pageblockCount) throw { code: 'bad-argument', message: `pageblock ${a.pageblock} is outside 0..${s.view.pageblockCount - 1}` } satisfies HostError
      s.map ??= generateMap(s.view)
      await sleep(20)
      return generateDetail(s.view, s.map, a.pageblock)
    },
    getPageClasses: async (a) => {
      const s = snapshots.get(a.id)
      if (!s) throw { code: 'not-found', message: `no open snapshot "${a.id}"` } satisfies HostError
      s.map ??= generateMap(s.view)
      const n = s.view.pagesPerBlock
      const classes = new Uint8Array(a.pageblocks.length * n)
      for (const [k, pb] of a.pageblocks.entries()) {
        if (pb >= s.view.pageblockCount) throw { code: 'bad-argument', message: `pageblock ${pb} is outside 0..${s.view.pageblockCount - 1}` } satisfies HostError
        classes.set(generateDetail(s.view, s.map, pb).classes, k * n)
      }
      await sleep(10)
      return { id: a.id, pageblocks: [...a.pageblocks], pagesPerBlock: n, classes }
    },
    listRecent: async () => recent.slice(0, 10),
    pickSnapshotPath: async () => ({ path: null, supported: false }),
    getCaptureScript: async () => ({ name: 'buddyscope-capture', text: '#!/bin/sh\n# buddyscope-capture (the fake host has no copy of the script)\n' }),
    saveCaptureScript: async () => ({ path: null, supported: false }),
    startWhatifCompact: needsRealHost('what-if compaction needs the real host (buddyscope serve)'),
    startWhatifContig: needsRealHost('contiguous-allocation what-ifs need the real host (buddyscope serve)'),
    getDiff: needsRealHost('a diff of two captures needs the real host (buddyscope serve)'),
    getDiffPageblock: needsRealHost('a diff of two captures needs the real host (buddyscope serve)'),
    getTimeline: needsRealHost('timelines need the real host (buddyscope serve)'),
    exportReport: needsRealHost('reports are made by the real host (buddyscope serve or the desktop app)'),
    getPolluters: needsRealHost('page_owner is read by the real host (buddyscope serve)'),
    getPageOwners: needsRealHost('page_owner is read by the real host (buddyscope serve)'),
    getTraceSteals: needsRealHost('traces are read by the real host (buddyscope serve)'),
    getFleet: needsRealHost('a fleet of captures is read by the real host (buddyscope serve)'),
  }

  const api: Record<string, unknown> = { ...handlers }
  api.on = (event: string, listener: (p: unknown) => void) => {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }
  return api as unknown as BuddyscopeApi
}
