/**
 * The pinned-page assumption of a what-if, from its request (contract/schemas.ts pinnedSchema):
 * none, a page count, a share of anonymous pages, a file of PFNs, or 'auto' — the capture's
 * workload log (the harness's vmsplice pins), else none.
 */
import { readFile } from 'node:fs/promises'
import { compactionTrigger, type PinnedAssumption, type Zoneinfo } from '../../engine/index.ts'
import type { PinnedRequest } from '../../contract/schemas.ts'
import type { SeriesContext } from '../series.ts'

export async function resolvePinned(spec: PinnedRequest | undefined, ctx: SeriesContext | null, seed: number): Promise<PinnedAssumption> {
  if (spec === undefined || spec === 'auto') {
    if (ctx?.workloadPinnedPages) return { kind: 'pages', count: ctx.workloadPinnedPages, seed, source: 'the capture\'s workload.log (vmsplice_pinned_pages)' }
    return { kind: 'none' }
  }
  if (spec === 'none') return { kind: 'none' }
  if ('pages' in spec) return spec.pages === 0 ? { kind: 'none' } : { kind: 'pages', count: spec.pages, seed, source: '--pinned' }
  if ('fraction' in spec) return { kind: 'fraction', fraction: spec.fraction, seed, source: '--pinned' }
  const file = spec.pfnFile
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new Error(`${file}: cannot read the PFN list (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e })
  }
  const pfns: number[] = []
  text.split('\n').forEach((l, i) => {
    const t = l.trim()
    if (!t || t.startsWith('#')) return
    const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN
    if (!Number.isSafeInteger(v)) throw new Error(`${file}:${i + 1}: expected a PFN (decimal or 0x hex), found "${t}"`)
    pfns.push(v)
  })
  return { kind: 'pfns', pfns, source: file }
}

/** Were the workload's pins from the capture's own log (so they are vmsplice references, not FOLL_LONGTERM)? */
export function pinsFromWorkload(spec: PinnedRequest | undefined, a: PinnedAssumption): boolean {
  return (spec === undefined || spec === 'auto') && a.kind !== 'none'
}

type StepsLog = NonNullable<SeriesContext['stepsLog']>

/** The full-compaction triggers (node compact or compact_memory) of the series before this capture, in order, or null without a steps.log entry for it. */
function fullCompactionsBefore(ctx: SeriesContext | null): { log: StepsLog; steps: StepsLog['steps'] } | null {
  const log = ctx?.stepsLog
  if (!log || !ctx) return null
  const me = Number(/^(\d+)/.exec(ctx.label)?.[1] ?? NaN)
  const at = log.captures.findIndex((c) => c.index === me)
  if (at < 0) return null
  return { log, steps: log.steps.filter((s) => s.afterCapture !== null && s.afterCapture < at && compactionTrigger(s) !== null) }
}

/** Was there a full compaction (node compact or compact_memory) between the workload and this capture? */
export function followsFullCompaction(ctx: SeriesContext | null): boolean {
  return (fullCompactionsBefore(ctx)?.steps.length ?? 0) > 0
}

/**
 * The last full-compaction trigger before this capture in its series (steps.log), with the
 * number of the capture it followed, or null (see followsFullCompaction).
 */
export function lastFullCompaction(ctx: SeriesContext | null): { name: string; afterIndex: number } | null {
  const b = fullCompactionsBefore(ctx)
  const last = b?.steps[b.steps.length - 1]
  return b && last ? { name: last.name, afterIndex: b.log.captures[last.afterCapture!]!.index } : null
}

/**
 * The CPU the last full compaction before this capture ran on, where steps.log says: a trigger
 * pinned to CPU C (`cn@C`, `cm@C`, or `cpu=C`), or an unpinned one whose shell ran on the same CPU
 * before and after (`cpu=C..C`); else null (not logged, or the shell moved).
 */
export function lastFullCompactionCpu(ctx: SeriesContext | null): number | null {
  const b = fullCompactionsBefore(ctx)
  const last = b?.steps[b.steps.length - 1]
  if (!last) return null
  const pinned = /^c[nm]@(\d+)$/.exec(last.name)
  if (pinned) return Number(pinned[1])
  const range = /\bcpu=(\d+)(?:\.\.(\d+))?(?:\s|$)/.exec(last.detail ?? '')
  if (!range) return null
  return range[2] === undefined || range[2] === range[1] ? Number(range[1]) : null
}

/**
 * The capture the first of the full compactions before this capture followed (steps.log), by its
 * label in the series, or null: the layout as it was before any of them (see
 * followsFullCompaction; host/load.ts untouchedBeforeCompaction reads its pagetypeinfo).
 */
export function captureBeforeFullCompactions(ctx: SeriesContext | null): string | null {
  const b = fullCompactionsBefore(ctx)
  const first = b?.steps[0]
  if (!b || !first || !ctx) return null
  const index = b.log.captures[first.afterCapture!]!.index
  return ctx.labels.find((l) => Number(/^(\d+)/.exec(l)?.[1] ?? NaN) === index) ?? null
}

/**
 * The zones in which a compaction's trace (mm_compaction_end, one event per zone it compacted)
 * shows it ended before its scanners met: every status but `complete` (compact_zone returns
 * COMPACT_COMPLETE when compact_scanners_met; COMPACT_CONTENDED when migrate_pages failed with
 * -ENOMEM, the 6.9+ early end on a dirty large folio whose split fails). Empty when none did.
 */
export function compactionEndsEarly(trace: string): Array<{ zoneStart: number; migratePfn: number; status: string }> {
  const out: Array<{ zoneStart: number; migratePfn: number; status: string }> = []
  const re = /mm_compaction_end: zone_start=0x([0-9a-f]+) migrate_pfn=0x([0-9a-f]+) free_pfn=0x[0-9a-f]+ zone_end=0x[0-9a-f]+, mode=\w+ status=(\w+)/g
  for (const m of trace.matchAll(re)) if (m[3] !== 'complete') out.push({ zoneStart: parseInt(m[1]!, 16), migratePfn: parseInt(m[2]!, 16), status: m[3]! })
  return out
}

/**
 * Whether the captured trigger was written by a shell started for it on a CPU (`cn@C`, `cm@C`
 * steps): its fork and exec allocate pages on that CPU before the compaction starts.
 */
export function triggerShellOnCpu(ctx: { steps: ReadonlyArray<{ name: string }> } | null | undefined): boolean {
  return ctx?.steps.some((st) => /^c[nm]@\d+$/.test(st.name)) ?? false
}

/**
 * Pages an allocation's direct compaction migrated before this capture, with no full compaction
 * since (steps.log: pgmigrate_success of the steps before the capture that did compaction work,
 * compact_free_scanned > 0, without being a compaction trigger; e.g. a hugetlb pool's growth,
 * alloc_pages → __alloc_pages_direct_compact). Their free scanner took as many free pages from the
 * top of the zone (isolate_freepages walks down from the zone end), and the pool's allocations
 * took the pageblocks its migrate scanner emptied: the synthesized layout packs the top of the
 * zone by that much (synthesize.ts, directCompactedTop). 0 after a full compaction (the capture is
 * synthesized packed) or without a steps.log.
 */
export function directCompactionMigrated(ctx: SeriesContext | null): number {
  const log = ctx?.stepsLog
  if (!log || !ctx || followsFullCompaction(ctx)) return 0
  const me = Number(/^(\d+)/.exec(ctx.label)?.[1] ?? NaN)
  const at = log.captures.findIndex((c) => c.index === me)
  if (at < 0) return 0
  let pages = 0
  for (const s of log.steps) {
    if (s.afterCapture === null || s.afterCapture >= at || compactionTrigger(s) !== null) continue
    if ((s.deltas['compact_free_scanned'] ?? 0) > 0) pages += Math.max(0, s.deltas['pgmigrate_success'] ?? 0)
  }
  return pages
}

/**
 * The huge pages a hugetlb pool's shrink since the capture before left on a per-cpu list, whole
 * (the harness's `huge:SIZE:N` step writing nr_hugepages below the pool's size, steps.log). 6.1
 * frees each surplus page with __free_pages at its order (update_and_free_page), and free_the_page
 * puts it on the freeing CPU's pcp list when pcp_allowed_order() allows that order (up to
 * PAGE_ALLOC_COSTLY_ORDER, and pageblock_order with THP built in: a 2 MiB page on x86-64 and
 * arm64 4 KiB); free_unref_page_commit returns pages from the list only once it reaches its high.
 * nr_free_pages counts no per-cpu page, so the step's nr_free_pages delta falls short of the pages
 * the shrink freed by those still on a list (fixtures/x86-1G-s2-hugetlb-cpu0: 70 pages of 512
 * freed, +30208: 11 left; x86-1G-s2-hugetlb 115, +52736: 12; -cpu1 87, +38338: 12.1, the
 * rest other frees of the step). Returns how many huge pages of pageblock size, rounded; 0 when
 * the pages are of another size (a gigantic page goes back by free_contig_range, never to a list).
 */
export function hugetlbPagesOnPcp(ctx: SeriesContext | null, pageSize: number, pageblockOrder: number): number {
  const log = ctx?.stepsLog
  if (!log || !ctx) return 0
  const me = Number(/^(\d+)/.exec(ctx.label)?.[1] ?? NaN)
  const at = log.captures.findIndex((c) => c.index === me)
  if (at <= 0) return 0
  const pb = 2 ** pageblockOrder
  let held = 0
  for (const s of log.steps) {
    if (s.afterCapture !== at - 1 || !/^huge(?::|$)/.test(s.name)) continue
    const size = /\bsize=(\d+)kB\b/.exec(s.detail)
    const before = /\bbefore=(\d+)\b/.exec(s.detail)
    const obtained = /\bobtained=(\d+)\b/.exec(s.detail)
    const freeDelta = s.deltas['nr_free_pages']
    if (!size || !before || !obtained || freeDelta === undefined) continue
    if ((Number(size[1]) * 1024) / pageSize !== pb) continue
    const released = Number(before[1]) - Number(obtained[1])
    if (released <= 0) continue
    held += Math.max(0, Math.min(released, Math.round((released * pb - freeDelta) / pb)))
  }
  return held
}

/**
 * Which zones' lists hold the huge pages hugetlbPagesOnPcp counts, as whole pageblocks: one task
 * shrank the pool, so one CPU's list holds them all, the CPU whose counts (zoneinfo's pagesets,
 * first read) hold the most pageblocks; its zones from the highest down take as many as its count
 * there holds, in the first read and in the read the layout is made from (`now`: the re-read
 * after kpageflags, where the list may have gone back whole since, x86-1G-s2-hugetlb-cpu1/04's
 * CPU 1 6526 → 138).
 */
export function hugePcpBlocksByZone(first: Zoneinfo | null, now: Zoneinfo | null, held: number, pbPages: number): Array<{ node: number; zone: string; blocks: number }> {
  if (held <= 0 || !first) return []
  const zones = first.zones.filter((z) => z.pagesets.length > 0)
  const cpus = [...new Set(zones.flatMap((z) => z.pagesets.map((p) => p.cpu)))].sort((a, b) => a - b)
  const holds = (cpu: number): number => zones.reduce((n, z) => n + Math.floor((z.pagesets.find((p) => p.cpu === cpu)?.count ?? 0) / pbPages), 0)
  let cpu = -1
  for (const c of cpus) if (cpu < 0 || holds(c) > holds(cpu)) cpu = c
  if (cpu < 0) return []
  const out: Array<{ node: number; zone: string; blocks: number }> = []
  let left = held
  for (const z of [...zones].reverse()) {
    if (left <= 0) break
    const a = z.pagesets.find((p) => p.cpu === cpu)?.count ?? 0
    const nz = (now ?? first).zones.find((x) => x.node === z.node && x.zone === z.zone)
    const b = nz?.pagesets.find((p) => p.cpu === cpu)?.count ?? 0
    const k = Math.min(left, Math.floor(Math.min(a, b) / pbPages))
    if (k > 0) out.push({ node: z.node, zone: z.zone, blocks: k })
    left -= k
  }
  return out
}
