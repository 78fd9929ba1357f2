/**
 * Test helper: a BuddyscopeApi whose answers each test scripts, which records the calls made and
 * lets the test emit host events. Not part of the app bundle.
 */
import { CONTRACT_VERSION, METHOD_NAMES } from '../api/types.ts'
import type { BuddyscopeApi, EventName, EventPayloads, MethodName, SnapshotView, ZoneSummary } from '../api/types.ts'

type Handler = (args: unknown) => unknown

export interface ScriptedApi {
  api: BuddyscopeApi
  calls: Array<{ method: MethodName; args: unknown }>
  handle(method: MethodName, h: Handler): void
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void
  listenerCount(event: EventName): number
}

export function scriptedApi(): ScriptedApi {
  const handlers = new Map<string, Handler>()
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const calls: ScriptedApi['calls'] = []
  let run = 0
  const defaults: Partial<Record<MethodName, Handler>> = {
    appInfo: () => ({ version: 'test', transport: 'browser', contractVersion: CONTRACT_VERSION, bundledSnapshot: 'bundled' }),
    listSnapshots: () => [],
    listRecent: () => [],
    startOpenBundled: () => ({ runId: `r${++run}` }),
    startOpenPath: () => ({ runId: `r${++run}` }),
    startOpenUpload: () => ({ runId: `r${++run}` }),
    cancelRun: () => ({ cancelled: true }),
    closeSnapshot: () => ({ closed: true }),
    pickSnapshotPath: () => ({ path: null, supported: false }),
    getCaptureScript: () => ({ name: 'buddyscope-capture', text: '#!/bin/sh\n# buddyscope-capture\n' }),
    saveCaptureScript: () => ({ path: null, supported: false }),
  }
  const api: Record<string, unknown> = {
    on(event: string, l: (p: unknown) => void) {
      let s = listeners.get(event)
      if (!s) listeners.set(event, (s = new Set()))
      s.add(l)
      return () => s.delete(l)
    },
  }
  for (const m of METHOD_NAMES) {
    api[m] = async (args: unknown) => {
      calls.push({ method: m, args })
      const h = handlers.get(m) ?? defaults[m]
      if (!h) throw { code: 'unsupported', message: `${m} not scripted` }
      return h(args)
    }
  }
  return {
    api: api as unknown as BuddyscopeApi,
    calls,
    handle: (m, h) => void handlers.set(m, h),
    emit: (event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload)
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  }
}

/** A small but complete SnapshotView. */
export function sampleView(id: string, over: Partial<SnapshotView> = {}): SnapshotView {
  const mts = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']
  const zone: ZoneSummary = {
    node: 0, zone: 'DMA32', startPfn: 0, spanned: 4096, present: 4096, managed: 4000, freePages: 1200, pcpPages: 10,
    watermarks: { min: 100, low: 125, high: 150, boost: 0 },
    freeBlocks: [10, 5, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    freeBlocksByMigratetype: Object.fromEntries(mts.map((m) => [m, m === 'Movable' ? [10, 5, 0, 0, 0, 0, 0, 0, 0, 1, 1] : new Array(11).fill(0)])),
    freePagesByMigratetype: Object.fromEntries(mts.map((m) => [m, m === 'Movable' ? 1556 : 0])),
    pageblocks: { Unmovable: 1, Movable: 7, Reclaimable: 0, HighAtomic: 0, Isolate: 0 },
    mixedPageblocks: { Unmovable: 0, Movable: 1, Reclaimable: 0, HighAtomic: 0, Isolate: 0 },
    unusableIndex: [0, 6, 12, 12, 12, 12, 12, 12, 12, 12, 340],
    extfragIndex: new Array(11).fill(-1000),
    fragmentationScore: 12,
    largestFreeOrder: 10,
  }
  return {
    id, path: `/captures/${id}`, label: null, series: null,
    machine: {
      hostname: null, kernelRelease: '6.1.0-test', arch: 'x86_64', pageSize: 4096, pageSizeSource: 'assumed', pageblockOrder: 9,
      pageblockOrderSource: 'pagetypeinfo', nrOrders: 11, migratetypes: mts, nodes: [0], hpageOrder: 9, captureTime: null,
    },
    layout: { method: 'exact', seed: null, source: `/captures/${id}/kpageflags` },
    zones: [zone],
    nodes: [{ node: 0, fragmentationScore: 12 }],
    findings: [{ severity: 'warning', code: 'torn-capture', zone: 'Node 0, zone DMA32', message: 'buddyinfo and pagetypeinfo disagree' }],
    extfragThreshold: 500, migratetypes: mts, pageblockCount: 8, pagesPerBlock: 512, basePfn: 0, pageSize: 4096,
    zoneBoundaries: [{ node: 0, zone: 'DMA32', firstPb: 0, lastPb: 7, startPfn: 0, endPfn: 4096 }],
    kernelRules: ['page allocator and compaction: Linux 6.1 (mm/page_alloc.c, mm/compaction.c)'],
    ...over,
  }
}
