/**
 * page_owner of a capture, streamed: who polluted which pageblocks (`buddyscope polluters`, the
 * app's Polluters view) and who owns each page of one pageblock. The file (often hundreds of MB,
 * usually gzipped) is decoded chunk by chunk and never held whole (engine/procfs/page_owner.ts).
 */
import {
  PageOwnerParser, PollutersBuilder, RangeOwners, parsePagetypeinfo, stackSite,
  type MemoryModel, type PageOwnerRecord, type PolluterGrouping, type PollutersReport, type PageOwnerOfRange,
} from '../engine/index.ts'
import { SnapshotError, type SnapshotSource } from './sources/snapshot_source.ts'
import { withOpened, type SnapshotRef } from './snapshot.ts'
import { loadSnapshot, type LoadedSnapshot } from './load.ts'

/** Does the capture hold page_owner? */
export function hasPageOwner(src: SnapshotSource): boolean {
  return src.has('page_owner')
}

/** Feed every page_owner record of the capture to `sink`; returns the record count. */
export async function streamPageOwner(src: SnapshotSource, sink: (r: PageOwnerRecord) => void): Promise<number> {
  if (!src.has('page_owner')) {
    throw new SnapshotError(src.path, `${src.path}${src.label ? ` (${src.label})` : ''}: has no page_owner; boot the machine with page_owner=on (CONFIG_PAGE_OWNER) and capture with buddyscope-capture --page-owner`)
  }
  const file = src.describe('page_owner')
  const parser = new PageOwnerParser(file, sink)
  const dec = new TextDecoder('utf-8')
  for await (const chunk of src.openStream('page_owner')) parser.pushText(dec.decode(chunk, { stream: true }))
  parser.pushText(dec.decode())
  return parser.end()
}

/** The kernel's own count of mixed pageblocks: pagetypeinfo's "Number of mixed blocks" table (page_owner kernels), summed. */
export function kernelMixedCount(loaded: Pick<LoadedSnapshot, 'capture'>): number | null {
  const rows = loaded.capture.pagetypeinfo?.mixed
  if (!rows) return null
  let n = 0
  for (const r of rows) for (const c of r.counts) n += c
  return n
}

/** pagetypeinfo's "Number of mixed blocks" read from the capture's own file, summed, or null. */
export async function kernelMixedOfSource(src: SnapshotSource): Promise<number | null> {
  if (!src.has('pagetypeinfo')) return null
  const p = parsePagetypeinfo(await src.readText('pagetypeinfo'), src.describe('pagetypeinfo'))
  return kernelMixedCount({ capture: { pagetypeinfo: p } } as unknown as Pick<LoadedSnapshot, 'capture'>)
}

/** The polluters of a capture on a model of it. */
export async function pollutersOf(src: SnapshotSource, model: MemoryModel, by: PolluterGrouping): Promise<{ report: PollutersReport; file: string }> {
  const b = new PollutersBuilder(model, by)
  await streamPageOwner(src, (r) => b.add(r))
  return { report: b.finish(), file: src.describe('page_owner') }
}

/** Who allocated each page range in [start, end). */
export async function ownersOfRange(src: SnapshotSource, start: number, end: number): Promise<PageOwnerOfRange[]> {
  const c = new RangeOwners(start, end)
  await streamPageOwner(src, (r) => c.add(r))
  return c.owners.sort((a, b) => a.pfn - b.pfn)
}

export interface PollutersResult {
  path: string
  label: string | null
  file: string
  layout: 'exact' | 'synthesized'
  report: PollutersReport
  /** pagetypeinfo's "Number of mixed blocks", summed over zones and types, or null. */
  kernelMixedPageblocks: number | null
}

/** Load a capture (exact layout when kpageflags is there) and join its page_owner (the CLI). */
export function loadPolluters(ref: SnapshotRef, opts: { capture?: string; by?: PolluterGrouping } = {}): Promise<PollutersResult> {
  return withOpened(ref, async (o) => {
    const loaded = await loadSnapshot(o, opts.capture !== undefined ? { capture: opts.capture } : {})
    const src = await o.capture(opts.capture)
    try {
      const { report, file } = await pollutersOf(src, loaded.model, opts.by ?? 'stack')
      return {
        path: loaded.path, label: loaded.label, file, layout: loaded.model.build.method, report,
        kernelMixedPageblocks: kernelMixedCount(loaded),
      }
    } finally {
      await src.close()
    }
  })
}

/** Who allocated a page: the page_owner record covering it. */
export interface PageOwnerBrief {
  comm: string | null
  pid: number | null
  site: string
  migratetype: string
  order: number
  gfp: string
}

/**
 * Name the allocator of every listed blocking page (objects `{ pfn, kind }` in arrays called
 * `blockers` anywhere in a what-if's result): `owner` is added where page_owner covers the PFN.
 * Returns how many were named; a capture without page_owner is left as it is.
 */
export async function attachBlockerOwners(result: unknown, src: SnapshotSource): Promise<number> {
  if (!src.has('page_owner')) return 0
  const lists: Array<Array<{ pfn: number; owner?: PageOwnerBrief }>> = []
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object') return
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1)
      return
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === 'blockers' && Array.isArray(x)) lists.push(x as Array<{ pfn: number }>)
      else walk(x, depth + 1)
    }
  }
  walk(result, 0)
  const wanted = new Map<number, PageOwnerBrief | null>()
  for (const l of lists) for (const b of l) if (typeof b.pfn === 'number') wanted.set(b.pfn, null)
  if (wanted.size === 0) return 0
  await streamPageOwner(src, (r) => {
    const n = 2 ** r.order
    for (let p = r.pfn; p < r.pfn + n; p++) {
      if (wanted.has(p)) wanted.set(p, { comm: r.comm, pid: r.pid, site: stackSite(r.stack), migratetype: r.pageMigratetype, order: r.order, gfp: r.gfp })
    }
  })
  let named = 0
  for (const l of lists) {
    for (const b of l) {
      const o = wanted.get(b.pfn)
      if (o) {
        b.owner = o
        named++
      }
    }
  }
  return named
}
