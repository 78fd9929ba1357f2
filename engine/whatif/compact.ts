/**
 * What-if compaction: run compaction on a copy of a snapshot's model and report the
 * after-state, /proc/vmstat-named counters, the result, and what changed — and, for a captured
 * trigger, how the prediction compares with what the real kernel produced.
 * Follows kernel 6.1 (see mm/compaction.ts), with the release rules the allocator's policy
 * carries (6.4 scanned-page accounting, 6.7+ pcp bulk frees and decay_pcp_high, 6.9+ large folios
 * and per-order targets in compaction). decay_pcp_high runs twice: before the trigger, as far as a
 * zoneinfo re-read after the capture shows another CPU's high fallen (rereadPcp), and on the
 * whole-second marks until the after-state is read (settleSeconds): those up to the trigger's start
 * before the compaction's frees, those between its start and its end (settleTriggerStartUptime,
 * settleTriggerEndUptime) on the running CPU while it frees, each on its list filled to its high
 * (PageAllocator.pcpDecayDuringWork), the rest after it. Where the re-read finds the running CPU's
 * high risen (the capture's tools' refills), that high, holding the ticks before the re-read
 * (rereadUptime, given where the trigger's CPU is known), is the one the compaction starts under.
 * LRU folio batches (mm/swap.c): a write to /proc/sys/vm/compact_memory or to a node's compact
 * (sysctl_compaction_handler → compact_nodes, compact_store) drains every CPU's lru_add batch
 * before compacting (lru_add_drain_all), compact_zone() the running CPU's (lru_add_drain; direct
 * compaction lru_add_drain_cpu_zone between order-aligned blocks too). The anonymous pages a
 * capture finds in a batch (MemoryModel.lruAddPages) are the capture's tools' fresh faults, not a
 * live task's: the tools exit before the trigger, and the batch drains, at their exit
 * (free_pages_and_swap_cache → lru_add_drain, where the exit path has it) or at the trigger's
 * lru_add_drain_all, onto the LRU and at once off it, freed (the batch held the last reference) to
 * the per-cpu list of the CPU whose batch it was, the tools': they go with the tools' other pages
 * (captureToolPagesFreed) and are never migrated. Where steps.log does not record the tools' CPU
 * they stay out of the buddy allocator through the compaction, as the kernel kept them in the
 * harness runs that do not record it (on a list the compaction did not churn, or mapped again by
 * the next capture's tools), while the tools' other pages take the default CPU.
 * A drain_all_pages the series shows between the capture and the after-state (kcompactd_do_work
 * after a COMPACT_COMPLETE pass, __alloc_pages_direct_reclaim; option drainBetween) gives every
 * CPU's lists back before the compaction.
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import type { PageAllocator } from '../mm/page_alloc.ts'
import { Compactor, EventLog, type CompactStrategy, type MigrateMode, type CompactResult, type ZoneCompactResult, type CompactionEvent, type CompactPriority } from '../mm/compaction.ts'
import { summarizeZones, nodeScores, type ZoneSummary } from '../metrics/summary.ts'
import { fragmentationScoreWmark61 } from '../metrics/fragmentation.ts'
import { computePageblockMap } from '../metrics/pageblock_map.ts'
import { diffPageblocks, diffFreeArea, type PageblockDiff } from '../metrics/diff.ts'
import { applyPinned, type PinnedAssumption } from './assumptions.ts'
import { placePins, type PinOptions, type StragglerMemo } from './pins.ts'
import { PageKind } from '../mm/page.ts'

export interface CompactWhatIfOptions {
  /** only this node (compact_node); default every node (compact_memory) */
  node?: number
  /** only this zone (by name; with node, else node 0's) */
  zone?: string
  /** direct compaction for this order; absent = full compaction (order −1) */
  order?: number
  mode?: MigrateMode
  strategy?: Partial<CompactStrategy>
  pinned?: PinnedAssumption
  /** where pins go (after-compaction for a capture that follows a full compaction) and whether they avoid CMA */
  pinOptions?: PinOptions
  unevictableAllowed?: boolean
  extfragThreshold?: number
  /** keep at most this many tracepoint events (default 20000) */
  eventLimit?: number
  /**
   * proactive compaction as kcompactd would run it now, with this vm.compaction_proactiveness
   * (instead of a full or direct compaction): only nodes whose fragmentation score is above the
   * high threshold are compacted, each zone until its score is at most the low threshold
   */
  proactiveness?: number
  /**
   * the CPU the compaction runs on (AllocPolicy.pcpCpu); default: the one whose lists held the most pages
   * (for an unpinned trigger nothing in a capture names its CPU better than a coin: docs/fidelity.md,
   * scripts/measure-trigger-cpu.ts)
   */
  pcpCpu?: number
  /**
   * seconds from the moment the per-cpu counts were read (the capture) to the moment the
   * after-state is read (a capture taken after the compaction): on 6.7+ every CPU's
   * vmstat_update lowers its list's high once a second
   * (decay_pcp_high) and gives the oldest pages back to the buddy allocator. Default 0.
   */
  settleSeconds?: number
  /**
   * the uptime (seconds since boot, /proc/uptime) at which settleSeconds start, when known: the
   * decay ticks are then the whole-second marks between it and its end (vmstatTicks), not the
   * whole seconds in settleSeconds
   */
  settleFromUptime?: number
  /**
   * the uptime at which the captured trigger ended (steps.log's `[start -> end] step cn@1`), when
   * known with settleFromUptime: the decay ticks up to it ran before or while the compaction ran, so
   * they lower the lists' high before the compaction's frees (the running CPU's list then ends
   * wherever its last free_count-sized bulk free left it, within batch << CONFIG_PCP_BATCH_SCALE_MAX
   * of the decayed high), and only the ticks after it trim the lists to their high
   */
  settleTriggerEndUptime?: number
  /**
   * the uptime at which the captured trigger started, with settleTriggerEndUptime: the decay ticks
   * after it fall while the compaction runs. The running CPU is busy then, and vmstat_update runs on
   * it between the compaction's frees, when its list has filled to its high: such a tick lowers the
   * high by at most batch << CONFIG_PCP_BATCH_SCALE_MAX (decay_pcp_high's count − that bound), not
   * by an eighth (PageAllocator.pcpDecayDuringWork). Without it every tick up to the trigger's end
   * runs before the frees.
   */
  settleTriggerStartUptime?: number
  /**
   * the uptime of the capture's re-read after kpageflags and kpagecount (rereadPcp; steps.log's
   * `cap` line), when known: where the re-read finds the running CPU's high risen (only
   * nr_pcp_alloc's refills raise it), that high already holds the decay ticks before it
   * (PageAllocator.pcpHighRaisedBeforeTrigger). Give it only where the running CPU is the
   * trigger's own (logged or asked for): the capture's tools may have raised another CPU's high.
   */
  rereadUptime?: number
  /**
   * the running CPU has just freed a long run of pages with no allocation (a compaction ran on it
   * before this capture): its free_factor / free_count start at their maximum
   * (PageAllocator.assumeLongFreeRun). Default false.
   */
  pcpLongFreeRun?: boolean
  /**
   * the compaction was run by a process that then exited (a shell started for the write), and a
   * user task ran on this CPU before the after-state was read (a capture's tools). On 6.1, when it
   * is the CPU the compaction ran on, switching to that task drops the exited process's mm, and the
   * order-1 page-global directory it frees empties that CPU's pcp lists
   * (PageAllocator.freeHighOrderAfterFreeRun; fixtures/x86-1G-s27-tools0 and -tools1: the trigger
   * CPU's list ends at 6417 pages with the capture's tools on the other CPU, at 288 with them on
   * the trigger's). The host gives it only where the exiting process frees an order-1 directory
   * (x86-64 with page-table isolation; arm64's is a single page, which sets no free_high:
   * host/whatif/compact.ts pgdFreeOrder). Default: none.
   */
  readerCpu?: number
  /**
   * the CPU the capture's own tools ran on (steps.log `cap N-label cpu=C`, harness runs with
   * gt_capcpu): they exited after the capture and freed their pages (MemoryModel.captureToolPages)
   * to that CPU's per-cpu list, where a compaction running on that CPU churns them out to the
   * buddy allocator and the other CPUs keep them (fixtures/x86-1G-s27-tools1: tools and trigger
   * on CPU 1, their pageblocks merge; x86-1G-s27-trace: tools on CPU 0, trigger on CPU 1, the
   * pages stay and the next capture's tools map them again). Default: the lowest-numbered CPU
   * with a per-cpu list, where the captures that do not record it had them (the x86-1G-s22 pair:
   * with the trigger on CPU 1 they stay, on CPU 0 most merge).
   */
  captureCpu?: number
  /**
   * the CPU the workload made its last frees on (the harness's workload.log `cpu phase4=C
   * last=L`): the sparsest-spread captured pcp pages are dealt to its list first
   * (PageAllocator.setSparsePcpCpu). Default: the CPU holding the most.
   */
  workloadCpu?: number
  /**
   * The CPU a full compaction ran on just before this capture, where the series logs it: its list
   * holds that compaction's frees, so it shares none of the sparsest-spread pages
   * (PageAllocator.setCompactedCpu). Default: not known.
   */
  compactedCpu?: number
  /**
   * the capture's buddyinfo read again after its kpageflags and kpagecount (the harness's
   * after-kpage/ re-read): per zone, its free blocks per order. Fewer order-0 blocks than the
   * layout holds, the other orders nearly as they were: the capture's tools' pcp refills took the
   * difference off the buddy allocator before the trigger (PageAllocator.pcpRefilledAfterCapture).
   * Default: none.
   */
  rereadFree?: { node: number; zone: string; nrFree: number[] }[]
  /** the CPU whose per-cpu lists grew from the capture's zoneinfo to that re-read's: the refills' (default: captureCpu's) */
  rereadCpu?: number
  /**
   * the capture's zoneinfo read again after its kpageflags and kpagecount (the harness's
   * after-kpage/zoneinfo): per zone, each CPU's pcp count and high then. On 6.7+ a CPU other than
   * the compaction's whose high and count fell had its oldest pages given back by decay_pcp_high
   * before the trigger (PageAllocator.pcpDecayedBeforeTrigger); on every release a list found
   * emptied went back whole, by a drain or 6.1's free_high (PageAllocator.pcpEmptiedBeforeTrigger).
   * Default: none.
   */
  rereadPcp?: { node: number; zone: string; pagesets: { cpu: number; count: number; high: number }[] }[]
  /**
   * order-0 Unmovable pages (GFP_KERNEL: slab, page tables, pipe buffers of the capture's tools,
   * the trigger's shell, the next capture's tools) allocated between the capture and the trigger,
   * through the allocator before the compaction: __rmqueue_smallest takes them off the Unmovable
   * free lists, and once those hold no page, __rmqueue_fallback (6.1, and the claim of ≥ 6.15)
   * looks for a fallback block from the largest order down (find_suitable_fallback), so the first
   * one steals a whole free Movable block of MAX_ORDER and retypes its pageblocks
   * (steal_suitable_fallback → change_pageblock_range), and the pages in ≥ pageblock-order blocks
   * fall by one or two pageblocks. Default 0.
   */
  unmovableDemand?: number
  /**
   * order-0 page-cache pages the harness wrote between the capture and the trigger (the capture's
   * own output after its page maps were read: its nr_shmem growth from vmstat to the re-read after
   * kpageflags and kpagecount), taken off the newest end of the capture's tools' CPU's per-cpu list
   * (captureCpu) and kept as LRU pages before the compaction (PageAllocator.pcpWrittenBeforeTrigger).
   * Default 0.
   */
  pagesWrittenBeforeTrigger?: number
  /**
   * a drain_all_pages between the capture and the after-state that the series' counters show
   * (the what-if on a capture alone has none: it is an input of the comparison with a capture
   * taken after the trigger, host/whatif/compact.ts drainBetweenOf): kcompactd_do_work drains the
   * zones it compacted when compact_zone returns COMPACT_COMPLETE or COMPACT_PARTIAL_SKIPPED, and
   * __alloc_pages_direct_reclaim drains every zone when its reclaim made progress and the retry
   * still found no page. Every CPU's per-cpu lists of every zone go back to the buddy allocator
   * (PageAllocator.drainPages) before the compaction: which side of the trigger the drain fell on
   * is in no counter, and the two traced cases fell before it (fixtures/arm64-1G-s18-k612-wl0-ftrace-cpu1:
   * `drain_all_pages <- kcompactd_do_work` 3.3 s before the trigger; arm64-1G-s18-k612-nopin-cpu1:
   * the trigger CPU's list holds 2615 of the compaction's frees in the after-capture, which a
   * drain after it would have emptied). `why` is the evidence, for the assumption. Default: none.
   */
  drainBetween?: { why: string }
}

export interface CompactWhatIfResult {
  result: CompactResult
  kind: 'full' | 'direct' | 'proactive'
  order: number
  mode: MigrateMode
  zones: ZoneCompactResult[]
  counters: Record<string, number>
  before: ZoneSummary[]
  after: ZoneSummary[]
  /** pageblock indices the run changed (metrics/diff.ts: free pages, migratetype, mixed, page kinds) */
  changedPageblocks: number[]
  /** per pageblock: how the run changed it (metrics/diff.ts change bits; 0 = unchanged) */
  pageblockChanges: PageblockDiff['kinds']
  /** [migratePfn, freePfn] pairs over time */
  timeline: number[]
  events: CompactionEvent[]
  eventsDropped: number
  pagesMigrated: number
  bytesCopied: number
  /** sentences saying what the run assumed */
  assumptions: string[]
  /** for direct compaction: would the order-k allocation now pass the min watermark? */
  allocationWouldSucceed: boolean | null
}

const PRIO: Record<MigrateMode, CompactPriority> = { async: 'async', 'sync-light': 'sync-light', sync: 'sync-full' }

/**
 * What one seed of an ensemble reports (host/whatif/compact.ts band()): the free blocks per order
 * of every zone after the run, and the counters. runCompactSeed() computes exactly these, as
 * runCompactWhatIf() would, without the summaries, maps and events only a full report needs.
 */
export interface CompactSeedOutcome {
  after: Array<{ node: number; zone: string; freeBlocks: number[] }>
  counters: Record<string, number>
}

/**
 * How many times vmstat_update ran decay_pcp_high() (6.7+) on a CPU in the `seconds` after the
 * uptime `fromUptime`. vmstat_update re-queues itself with round_jiffies_relative(sysctl_stat_interval),
 * which puts every run on a whole second of jiffies (refresh_cpu_vm_stats → decay_pcp_high on each
 * run), so the runs in an interval are the whole-second marks it crosses, floor(end) − floor(start),
 * not the whole seconds in its length: 1.55 s from uptime 14.73 to 16.28 holds two runs, at 15 and
 * 16. The harness's 6.12 runs show it on the trigger CPU's high, which only decay_pcp_high lowers
 * by an eighth (x86-1G-s15-k612-nopin-cpu1-b 13280 → 10444, two runs; -wl1-cpu1 13280 → 8897 in
 * 11.75–14.38, three; -cpu1 13217 → 11620 in 10.45–11.85, one). The marks' phase against uptime
 * (INITIAL_JIFFIES, round_jiffies' per-CPU skew of a few jiffies) is not captured: taken as 0.
 * Without `fromUptime`, the whole seconds in `seconds`.
 */
export function vmstatTicks(seconds: number, fromUptime?: number): number {
  if (!(seconds > 0)) return 0
  if (fromUptime === undefined || !Number.isFinite(fromUptime)) return Math.floor(seconds)
  return Math.max(0, Math.floor(fromUptime + seconds + 1e-9) - Math.floor(fromUptime + 1e-9))
}

export function runCompactWhatIf(model: MemoryModel, allocator: PageAllocator, opts: CompactWhatIfOptions, hpageOrder: number): CompactWhatIfResult {
  return compactWhatIf(model, allocator, opts, hpageOrder, true) as CompactWhatIfResult
}

/**
 * The same run as runCompactWhatIf() (same steps in the same order, so the same after-state and
 * counters), for a seed of an ensemble: it skips only what reads the model without changing it
 * (the before/after zone summaries, pageblock maps and their diff, the event log, the release
 * rules' page count) and reports the free blocks and counters. `memo`: the runs are all on copies
 * of one layout, so the pages a full compaction would still move (pins placed after a compaction)
 * are found once for them.
 */
export function runCompactSeed(model: MemoryModel, allocator: PageAllocator, opts: CompactWhatIfOptions, hpageOrder: number, memo?: StragglerMemo): CompactSeedOutcome {
  return compactWhatIf(model, allocator, opts, hpageOrder, false, memo) as CompactSeedOutcome
}

function compactWhatIf(model: MemoryModel, allocator: PageAllocator, opts: CompactWhatIfOptions, hpageOrder: number, report: boolean, memo?: StragglerMemo): CompactWhatIfResult | CompactSeedOutcome {
  const assumptions: string[] = []
  // before anything touches the per-cpu lists: they are dealt out for the running CPU when first used
  if (opts.pcpCpu !== undefined) allocator.setRunningCpu(opts.pcpCpu)
  if (opts.workloadCpu !== undefined) allocator.setSparsePcpCpu(opts.workloadCpu)
  if (opts.compactedCpu !== undefined) allocator.setCompactedCpu(opts.compactedCpu)
  // the lru_add batch pages go with the tools' pages where steps.log records the tools' CPU; where
  // it does not, they stay out of the buddy allocator as read (see the header)
  const batchKept = opts.captureCpu === undefined ? model.lruAddPages : undefined
  const toolPages = allocator.captureToolPagesFreed(opts.captureCpu ?? -1, batchKept)
  let batchPages = 0
  for (const p of model.lruAddPages) if (model.memMap[p - model.basePfn] === PageKind.PCP) batchPages++
  if (batchKept && batchKept.size > 0) assumptions.push(`${batchKept.size} anonymous pages were not yet on an LRU list when kpageflags was read: the capture's tools' fresh faults, in their CPU's lru_add batch, which drains at their exit (free_pages_and_swap_cache → lru_add_drain) or at the trigger's lru_add_drain_all (compact_store, compact_nodes) and frees them, unmapped, to that CPU's per-cpu list rather than putting them on the LRU for the compaction to migrate. Which CPU is not recorded in this capture: they are kept out of the buddy allocator through the compaction, as on a list it does not churn, shown as the kernel pages the layout read (the kernel kept most of them so in the harness runs that do not record it, x86-1G-s21-k612-pcp, x86-1G-s12-nopin-cm, x86-1G-s2-hugetlb, x86-2G-s23-k612-cpu0 and x86-4G-s14-nopin, off the buddy allocator or mapped again by the next capture's tools; not in x86-2G-s13-fewpin, where 14 of 17 merged)`)
  if (toolPages > 0) assumptions.push(`the capture's own tools mapped ${toolPages} pages while it was read (anonymous pages unmapped by the kpagecount read, flagless pages mapped by it${batchPages > 0 ? `, and ${batchPages} anonymous pages not yet on an LRU list: their fresh faults, in their CPU's lru_add batch, which drains at their exit (free_pages_and_swap_cache → lru_add_drain) or at the trigger's lru_add_drain_all (compact_store, compact_nodes) and frees them, unmapped, rather than putting them on the LRU for the compaction to migrate` : ''}) and freed them when they exited, to the per-cpu list of the CPU they ran on (free_unref_page_list / free_unref_folios): ${opts.captureCpu !== undefined ? `CPU ${opts.captureCpu}, as the series records (steps.log's capture CPU, or on 6.1 the CPU whose lists grew by the capture's re-read)` : 'not recorded in this capture: taken as the lowest-numbered CPU (where the harness captures that do not record it had them); a compaction on that CPU churns them out to the buddy allocator, the other CPUs keep them'}`)
  const refillCpu = opts.rereadCpu ?? opts.captureCpu ?? -1
  const refilled = opts.rereadFree ? allocator.pcpRefilledAfterCapture(opts.rereadFree, refillCpu) : 0
  if (refilled > 0) assumptions.push(`buddyinfo read again after kpageflags and kpagecount lists ${refilled} fewer order-0 free blocks than kpageflags: the capture's tools' pcp refills (rmqueue_bulk, batch pages at a time) took them before the trigger; which ones is not captured (taken spread evenly over the order-0 Movable blocks), and they sit on the list of ${opts.rereadCpu !== undefined ? `CPU ${opts.rereadCpu}, whose list the re-read found grown` : opts.captureCpu !== undefined ? `CPU ${opts.captureCpu}, the tools'` : 'the lowest-numbered CPU (not recorded)'}, as its oldest pages`)
  // lists the re-read finds emptied went back whole (a drain, or 6.1's free_high), every release
  const emptied = new Map<string, number[]>()
  if (opts.rereadPcp) {
    const back: string[] = []
    for (const r of opts.rereadPcp) {
      const z = model.findZone(r.node, r.zone)
      if (!z) continue
      const e = allocator.pcpEmptiedBeforeTrigger(z, r.pagesets)
      if (e.cpus.length === 0) continue
      emptied.set(z.label, e.cpus)
      back.push(`${z.label}: CPU ${e.cpus.join(', ')}, ${e.pages} pages`)
    }
    if (back.length) assumptions.push(`zoneinfo read again after kpageflags and kpagecount finds a per-cpu list emptied (below 4 batches, from within one bulk free of its high): the whole list went back to the buddy allocator before the trigger (a drain, drain_local_pages / drain_all_pages, or on 6.1 free_unref_page_commit's free_high: an order 1–3 page freed while free_factor is above 0 returns the whole count), so every page the capture held there was free, merged as the buddy allocator merges, when the compaction started (${back.join('; ')}): its pageblock-order entries (huge pages freed to the list) first, as many as its captured count holds, then its order-0 pages, oldest first; which pages a list held is not captured (dealt as the per-cpu lists' assumption says), and the pages freed to it since are left as they are`)
  }
  if (opts.rereadPcp && allocator.policy.kernel >= 6007) {
    const back: string[] = []
    for (const r of opts.rereadPcp) {
      const z = model.findZone(r.node, r.zone)
      if (!z) continue
      const n = allocator.pcpDecayedBeforeTrigger(z, r.pagesets.filter((p) => !emptied.get(z.label)?.includes(p.cpu)))
      if (n > 0) back.push(`${z.label}: ${n}`)
    }
    if (back.length) assumptions.push(`zoneinfo read again after kpageflags and kpagecount shows another CPU's per-cpu high and count fallen: decay_pcp_high (6.7+, once a second from vmstat_update) gave that many of its oldest pages back to the buddy allocator before the trigger (${back.join('; ')}), where the compaction's free scanner finds them; which pages are a list's oldest is not captured (taken spread evenly over its pageblocks)`)
  }
  allocator.assumeLongFreeRun(opts.pcpLongFreeRun ?? false)
  if (opts.pcpLongFreeRun) assumptions.push('the running CPU starts in a long run of frees (a compaction ran just before this capture): its first pcp bulk free is already the largest (free_factor / free_count at their maximum)')
  if (opts.pinOptions) assumptions.push(...placePins(model, allocator, opts.pinned ?? { kind: 'none' }, opts.pinOptions, memo).says)
  else assumptions.push(applyPinned(model, opts.pinned ?? { kind: 'none' }).says)
  if (report) assumptions.push(...releaseRulesNotModelled(model, allocator.policy.kernel))
  const unevictableAllowed = opts.unevictableAllowed ?? true
  assumptions.push(`compact_unevictable_allowed=${unevictableAllowed ? 1 : 0}: mlocked pages ${unevictableAllowed ? 'are' : 'are not'} migrated`)
  for (const z of model.zones) {
    if (z.pcpCpus.length === 0) continue
    const st = allocator.pcpState(z)
    if (st.own + st.others === 0) continue
    assumptions.push(`${z.label}: per-cpu lists: the compaction runs on CPU ${st.cpu}${opts.pcpCpu === undefined ? ' (the one whose lists held the most pages over all zones, since one task compacts every zone; --cpu picks another)' : ''}; the pages it frees go to its lists (high ${st.high}, batch ${st.batch}) and push its ${st.own} captured pcp pages back to the buddy allocator oldest first, the freed page's list first (the ${st.own - st.ownMovable} on its Unmovable and Reclaimable lists stay while the frees from Movable pageblocks find enough on its Movable list); the other CPUs keep their ${st.others} (which captured page sat on which CPU's list is not captured: the sparsest-spread ones are dealt to ${opts.workloadCpu !== undefined ? `CPU ${opts.workloadCpu}, where the workload log says the workload made its last frees` : 'the CPU holding the most'})`)
  }
  // decay_pcp_high runs (6.7+) on the whole-second marks up to the trigger's end: before the
  // compaction's frees (vmstatTicks; a run during the compaction lowers the high the same way)
  const settleTicks = vmstatTicks(opts.settleSeconds ?? 0, opts.settleFromUptime)
  const endUp = opts.settleTriggerEndUptime
  const ticksBefore = allocator.policy.kernel >= 6007 && endUp !== undefined && opts.settleFromUptime !== undefined && endUp >= opts.settleFromUptime
    ? Math.min(settleTicks, vmstatTicks(endUp - opts.settleFromUptime, opts.settleFromUptime))
    : 0
  if (ticksBefore > 0 && opts.rereadPcp) {
    // the running CPU's list is trimmed below from what it held then, not from what it held at the capture
    const took: string[] = []
    for (const r of opts.rereadPcp) {
      const z = model.findZone(r.node, r.zone)
      const n = z ? allocator.pcpAllocatedBeforeTrigger(z, r.pagesets) : 0
      if (n > 0) took.push(`${z!.label}: ${n}`)
    }
    if (took.length) assumptions.push(`zoneinfo read again after kpageflags and kpagecount shows the running CPU's per-cpu count fallen under an unchanged high: its own allocations (rmqueue_pcplist, from the list's head) took its newest pages into use before the trigger (${took.join('; ')}; taken as anonymous pages)`)
  }
  // the running CPU's high risen by the re-read (only nr_pcp_alloc's refills raise it): the high at
  // the trigger, holding the decay ticks up to the re-read
  if (opts.rereadPcp && opts.rereadUptime !== undefined && opts.settleFromUptime !== undefined && opts.rereadUptime >= opts.settleFromUptime) {
    const spent = Math.min(settleTicks, vmstatTicks(opts.rereadUptime - opts.settleFromUptime, opts.settleFromUptime))
    const took: string[] = []
    for (const r of opts.rereadPcp) {
      const z = model.findZone(r.node, r.zone)
      const h = z ? allocator.pcpHighRaisedBeforeTrigger(z, r.pagesets, spent) : 0
      if (h > 0) took.push(`${z!.label}: high ${h}`)
    }
    if (took.length) assumptions.push(`zoneinfo read again after kpageflags and kpagecount (uptime ${opts.rereadUptime.toFixed(2)} s) shows the running CPU's per-cpu high risen above the captured one: only nr_pcp_alloc raises it (by each refill's batch, to at most high_max, 6.7+), so the capture's tools' refills took it there, and that high, which already holds the ${spent} decay tick${spent === 1 ? '' : 's'} before the re-read, is the high the compaction starts under (${took.join('; ')})`)
  }
  // the ticks after the trigger's start fall while the compaction runs: on the running CPU they
  // meet its list filled to its high (pcpDecayDuringWork); the others' run before the frees
  const startUp = opts.settleTriggerStartUptime
  const ticksDuring = ticksBefore > 0 && startUp !== undefined && endUp !== undefined && startUp <= endUp
    ? Math.min(ticksBefore, vmstatTicks(endUp - startUp, startUp))
    : 0
  if (ticksBefore > 0) {
    let back = 0
    for (const z of model.zones) back += allocator.decayPcpHigh(z, ticksBefore, 0, ticksBefore - ticksDuring)
    if (ticksDuring > 0) assumptions.push(`${ticksDuring === 1 ? "one of vmstat_update's runs falls" : `${ticksDuring} of vmstat_update's runs fall`} while the trigger ran (uptime ${startUp!.toFixed(2)} to ${endUp!.toFixed(2)} s): on the running CPU, busy freeing the compaction's migrated pages, each meets its list filled to its high (taken when a free would bring it there) and lowers the high by at most batch << CONFIG_PCP_BATCH_SCALE_MAX (decay_pcp_high: max3(count − that, high − high / 8, high_min)), giving the pages above it back; the other CPUs' lists take them before the compaction's frees`)
    assumptions.push(`${ticksBefore === 1 ? "one of vmstat_update's runs (decay_pcp_high, 6.7+, on whole seconds) falls" : `${ticksBefore} of vmstat_update's runs (decay_pcp_high, 6.7+, on whole seconds) fall`} before the trigger's end (uptime ${endUp!.toFixed(2)} s): they lower each per-cpu list's high before the compaction's frees (${back} pages given back), so the running CPU's list takes the frees under the decayed high and ends where its last bulk free (free_unref_page_commit → nr_pcp_free: free_count pages, at most batch << CONFIG_PCP_BATCH_SCALE_MAX) left it, below that high (a trace of the trigger CPU's pcp drains on 6.12, docs/fidelity.md, shows one run at the compaction's start, the CPU idle before it, and bulk frees of up to 2016 pages after it)`)
  }
  // the harness's pages written after the capture's page maps were read, off the tools' CPU's list
  if (opts.pagesWrittenBeforeTrigger && opts.pagesWrittenBeforeTrigger > 0) {
    let left = opts.pagesWrittenBeforeTrigger
    const took: string[] = []
    // a movable page-cache allocation prefers the highest zone (the zonelist's first)
    for (const z of [...model.zones].reverse()) {
      if (left <= 0) break
      if (z.managed === 0) continue
      const n = allocator.pcpWrittenBeforeTrigger(z, opts.captureCpu ?? -1, left)
      if (n > 0) took.push(`${z.label}: ${n}`)
      left -= n
    }
    if (took.length) assumptions.push(`${opts.pagesWrittenBeforeTrigger} page-cache pages were written between the capture and the trigger (the capture's own output after its page maps were read, on tmpfs: nr_shmem grew by that many from its vmstat to its re-read after kpageflags and kpagecount; the files written after the re-read are not counted), by the capture's tools on ${opts.captureCpu !== undefined ? `CPU ${opts.captureCpu}` : 'the lowest-numbered CPU (not recorded)'}: rmqueue_pcplist took them off the head of that CPU's per-cpu list, its newest pages (the capture's tools' pages, freed when they exited, in an order not captured: spread evenly over them; then the list's others), and they are LRU pages the compaction migrates (${took.join('; ')})`)
  }
  // a drain_all_pages the series shows between the capture and the after-state: before the compaction (see drainBetween)
  if (opts.drainBetween) {
    let back = 0
    for (const z of model.zones) if (z.pcpCpus.length) back += allocator.drainPages(z)
    assumptions.push(`every CPU's per-cpu lists went back to the buddy allocator before the trigger (drain_all_pages: ${opts.drainBetween.why}): ${back} pages, merged as the buddy allocator merges; the compaction's frees then fill the running CPU's emptied lists. Which side of the trigger the drain fell on is not recorded (the counters move between the two captures, outside the trigger's own deltas): taken before it, where a harness capture spends its longest stretch (the page maps read after its vmstat) and where both traced cases fell`)
  }
  const before = report ? summarizeZones(model, hpageOrder) : []
  const mapBefore = report ? computePageblockMap(model) : null
  const demand = unmovableDemandAllocated(model, allocator, opts.unmovableDemand ?? 0)
  if (demand.pages > 0) assumptions.push(`${demand.pages} order-0 Unmovable pages were allocated between the capture and the trigger (the capture's tools, the trigger's shell: slab, page tables, pipe buffers; how many is not in a capture: a synthesized seed draws it from what the harness runs' pagetypeinfo showed taken off the Unmovable free lists from one capture to the next, an exact layout takes their median), through the allocator before the compaction: ${demand.stolen > 0 ? `the Unmovable free lists ran out and __rmqueue_fallback, which looks for a fallback block from the largest order down (find_suitable_fallback), took ${demand.stolen} free Movable block${demand.stolen === 1 ? '' : 's'} whole and retyped ${demand.retyped} pageblock${demand.retyped === 1 ? '' : 's'} Unmovable (steal_suitable_fallback → change_pageblock_range)` : 'the Unmovable free lists held them, and no Movable block was taken'}`)
  if (ticksDuring > 0) for (const z of model.zones) allocator.pcpDecayDuringWork(z, ticksDuring)
  const log = report ? new EventLog(opts.eventLimit ?? 20000) : null
  const c = new Compactor(allocator, { strategy: opts.strategy ?? {}, unevictableAllowed, extfragThreshold: opts.extfragThreshold ?? 500, ...(log ? { events: log } : {}) })
  const startCounters = allocator.events.toJSON()
  const proactive = opts.proactiveness !== undefined
  const full = !proactive && (opts.order === undefined || opts.order < 0)
  const mode: MigrateMode = opts.mode ?? (full ? 'sync' : 'sync-light')
  let zones: ZoneCompactResult[]
  let result: CompactResult
  let wouldSucceed: boolean | null = null
  if (proactive) {
    const p = opts.proactiveness!
    const { low, high } = fragmentationScoreWmark61(p)
    zones = []
    const nodes = [...new Set(model.zones.map((z) => z.node))].filter((n) => opts.node === undefined || n === opts.node)
    for (const n of nodes) {
      const score = nodeScores(model, hpageOrder)[n] ?? 0
      const r = c.proactiveCompactNode(n, p)
      assumptions.push(`node ${n}: fragmentation score ${score} ${r ? `> ${high}: kcompactd compacts each zone until its score ≤ ${low}` : `≤ ${high} (compaction_proactiveness ${p}): kcompactd would not compact`}`)
      if (r) zones.push(...r)
    }
    result = zones.length === 0 ? 'skipped' : zones.every((z) => z.result === 'success' || z.result === 'complete') ? 'success' : (zones[0]?.result ?? 'skipped')
  } else if (full) {
    if (opts.zone) {
      const z = model.findZone(opts.node ?? 0, opts.zone)
      if (!z) throw new RangeError(`no zone ${opts.zone} on node ${opts.node ?? 0}; the model has ${model.zones.map((x) => x.label).join(', ')}`)
      zones = [c.compactZone(c.fullControl(z, mode))]
    } else if (opts.node !== undefined) {
      if (!model.zones.some((z) => z.node === opts.node)) throw new RangeError(`no node ${opts.node} in the model`)
      zones = c.compactNode(opts.node, mode)
    } else zones = c.compactMemory(mode)
    result = zones.every((z) => z.result === 'complete') ? 'complete' : (zones[0]?.result ?? 'skipped')
  } else {
    const order = opts.order!
    if (!Number.isInteger(order) || order > model.maxOrder) throw new RangeError(`order ${order} outside 0..${model.maxOrder}`)
    const r = c.tryToCompactPages(order, PRIO[mode], { ...(opts.node !== undefined ? { node: opts.node } : {}) })
    zones = r.zones
    result = r.result
    // __alloc_pages_direct_compact: stall counted unless skipped; success if the allocation now passes
    if (result !== 'skipped' && result !== 'deferred') allocator.events.count('compact_stall')
    wouldSucceed = model.zones.some((z) => allocator.zoneWatermarkOk(z, order, z.wmark.min + z.boost, 4, 0x80))
    if (result !== 'skipped' && result !== 'deferred') allocator.events.count(wouldSucceed ? 'compact_success' : 'compact_fail')
  }
  if (opts.readerCpu !== undefined && allocator.policy.kernel < 6007) {
    let back = 0
    for (const z of model.zones) if (z.pcpCpus.length && allocator.pcpState(z).cpu === opts.readerCpu) back += allocator.freeHighOrderAfterFreeRun(z)
    if (back > 0) assumptions.push(`the process that ran the compaction exited, and tasks on CPU ${opts.readerCpu}, the compaction's, read the after-state: switching to them drops the exited process's mm, whose order-1 page-global directory, freed while the CPU's free_factor is above 0, makes 6.1's free_unref_page_commit return the CPU's whole pcp list (free_high): ${back} pages back to the buddy allocator, its pageblock-order entries (huge pages a pool's shrink freed to that list) with them`)
  }
  // decay ticks that fell during the compaction but found no full list: run as the list stands at its end
  if (ticksDuring > 0) for (const z of model.zones) allocator.pcpDecayPendingFlush(z)
  const ticks = settleTicks
  if (ticks > ticksBefore) {
    let back = 0
    for (const z of model.zones) back += allocator.decayPcpHigh(z, ticks, ticksBefore)
    if (allocator.policy.kernel >= 6007) assumptions.push(`the after-state is read ${opts.settleSeconds!.toFixed(1)} s after this capture's per-cpu counts${opts.settleFromUptime !== undefined ? ` (uptime ${opts.settleFromUptime.toFixed(2)} to ${(opts.settleFromUptime + opts.settleSeconds!).toFixed(2)} s)` : ''}: in that time vmstat_update lowered each per-cpu list's high ${ticks} times${ticksBefore ? ` (${ticks - ticksBefore} after the trigger's end)` : ''} (decay_pcp_high, 6.7+; vmstat_update runs on whole seconds, round_jiffies_relative), giving its ${back} oldest pages back to the buddy allocator`)
  }
  const endCounters = allocator.events.toJSON()
  const counters: Record<string, number> = {}
  for (const k of ['compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated', 'pgmigrate_success', 'pgmigrate_fail', 'compact_stall', 'compact_fail', 'compact_success']) {
    counters[k] = (endCounters[k] ?? 0) - (startCounters[k] ?? 0)
  }
  if (!report || !mapBefore || !log) {
    return { after: model.zones.map((z) => ({ node: z.node, zone: z.name, freeBlocks: Array.from({ length: model.geometry.nrOrders }, (_, o) => z.free.nrFree(o)) })), counters }
  }
  const after = summarizeZones(model, hpageOrder)
  const mapAfter = computePageblockMap(model)
  const diff = diffPageblocks(mapBefore, mapAfter)
  const migrated = counters['pgmigrate_success'] ?? 0
  return {
    result, kind: proactive ? 'proactive' : full ? 'full' : 'direct', order: full || proactive ? -1 : opts.order!, mode: proactive ? 'sync-light' : mode, zones, counters, before, after, changedPageblocks: diff.changed, pageblockChanges: diff.kinds,
    timeline: [...c.timeline], events: log.events, eventsDropped: log.dropped, pagesMigrated: migrated,
    bytesCopied: migrated * model.geometry.pageSize, assumptions, allocationWouldSucceed: wouldSucceed,
  }
}

export interface PredictedVsReal {
  zone: string
  /** free blocks per order after the trigger: predicted, real, predicted − real */
  predicted: number[]
  real: number[]
  error: number[]
  /** free pages in blocks of order ≥ pageblock order */
  highOrderPagesPredicted: number
  highOrderPagesReal: number
  /** (predicted − real) / real, or null when real is 0 */
  highOrderError: number | null
}

/** Per zone: predicted vs the real after-capture's buddyinfo (the diff from the real capture to the prediction). */
export function comparePredictedVsReal(after: ZoneSummary[], real: Array<{ node: number; zone: string; nrFree: number[] }>, pageblockOrder: number): PredictedVsReal[] {
  return after.map((z) => {
    const r = real.find((x) => x.node === z.node && x.zone === z.zone)?.nrFree ?? []
    const d = diffFreeArea({ node: z.node, zone: z.zone, freeBlocks: r, freeBlocksByMigratetype: {}, pageblocks: {} }, z, pageblockOrder)
    return {
      zone: `Node ${z.node}, zone ${z.zone}`, predicted: z.freeBlocks, real: r, error: d.freeBlocksDelta.slice(0, z.freeBlocks.length),
      highOrderPagesPredicted: d.highOrderPagesAfter, highOrderPagesReal: d.highOrderPagesBefore, highOrderError: d.highOrderChange,
    }
  })
}

/** The capture's release rules this what-if does not follow, in words (issue #8: each is named). */
export function releaseRulesNotModelled(model: MemoryModel, kernel: number): string[] {
  const out: string[] = []
  const v = `${Math.floor(kernel / 1000)}.${kernel % 1000}`
  if (kernel >= 6009) {
    let folios = 0
    const pbo = model.geometry.pageblockOrder
    for (const b of model.memMap) if ((b & 0xf0) === 0x40 || (b & 0xf0) === 0x60) { if ((b & 0x0f) < pbo) folios++ }
    out.push(`kernel ${v}: a full compaction migrates large folios below pageblock order whole (6.9, skip_isolation_on_order) into free blocks of their order (${folios} such folios in this capture); one that finds none is split, and one whose split fails ends the zone's compaction (-ENOMEM, COMPACT_CONTENDED): ${model.unsplittable.size} of them are dirty page cache with fs-private data or under writeback ${model.build.method === 'synthesized' ? 'in this synthesized layout (the write-pending pages its zoneinfo re-read after kpageflags holds beyond the first read as folios taken off the Movable free lists as __rmqueue_smallest hands them out, each order\'s run from a block the seed draws: engine/reconstruct/synthesize.ts placeWrittenFolios; a share of the others drawn by the seed, at random over its page cache: placeDirtyFolios)' : 'in the capture'} (their state when the compaction runs may differ, and a large folio the workload writes after the capture into memory that was free in it is not foreseen${model.build.method === 'synthesized' ? ' beyond the re-read\'s' : ''}: such a folio, dirty when the migrate scanner reaches it, ends the compaction earlier). Migrated folios and unused targets of order 1–3 go to the running CPU's per-order per-cpu lists (free_frozen_pages), which the bulk frees of order-0 pages do not reach (only those an order 1–3 free triggers do), so the last ones freed stay there (fixtures/host-24G-k618-g); larger ones go to the buddy allocator directly`)
  }
  if (kernel >= 6010) out.push(`kernel ${v}: free-list migratetype hygiene (6.10: a free block's list always follows its pageblock's type) is not modelled: the 6.1 lists are kept`)
  return out
}

/**
 * Unmovable order-0 allocations before a compaction (CompactWhatIfOptions.unmovableDemand): each
 * through PageAllocator.allocPages as GFP_KERNEL, whose __rmqueue takes the Unmovable free lists
 * first and then falls back as the release does (rmqueueFallback61 / rmqueueClaim, from the
 * largest order down). Returns the pages allocated, the fallbacks that took a block of at least
 * pageblock order, and the pageblocks that became Unmovable.
 */
function unmovableDemandAllocated(model: MemoryModel, allocator: PageAllocator, pages: number): { pages: number; stolen: number; retyped: number } {
  if (!(pages > 0)) return { pages: 0, stolen: 0, retyped: 0 }
  const mts = model.migratetypes
  const unmovableBlocks = (): number => {
    let n = 0
    for (const z of model.zones) for (let pfn = z.startPfn - (z.startPfn % model.pageblockNrPages); pfn < z.endPfn; pfn += model.pageblockNrPages) if (pfn >= model.basePfn && model.getPageblockMigratetype(pfn) === mts.unmovable) n++
    return n
  }
  const blocksBefore = unmovableBlocks()
  const fallbacksBefore = allocator.events.get('extfrag_fallback') - allocator.events.get('extfrag_fragmenting')
  let got = 0
  for (; got < pages; got++) if (!allocator.allocPages({ order: 0, gfp: 'unmovable' })) break
  return { pages: got, stolen: allocator.events.get('extfrag_fallback') - allocator.events.get('extfrag_fragmenting') - fallbacksBefore, retyped: unmovableBlocks() - blocksBefore }
}
