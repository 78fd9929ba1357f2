/**
 * The Unmovable pages a harness run's kernel took off its Unmovable free lists from a capture to
 * the next one across a compaction trigger (engine/whatif/compact.ts unmovableDemand): the
 * capture's own tools (slab, page tables, pipe buffers), the trigger's shell (fork/exec) and the
 * next capture's tools allocate GFP_KERNEL memory in between, and when those lists run dry
 * __rmqueue_fallback steals a whole Movable block of the largest order (6.1:
 * find_suitable_fallback searches from MAX_ORDER − 1 down), so the next capture's free pages in
 * ≥ pageblock-order blocks fall by one or two pageblocks.
 *
 * Measured (docs/fidelity.md, synthesized (u)): per pair of consecutive captures with a `cn` or `cm`
 * trigger between them, summed over the zones, the Unmovable free pages of the first capture's
 * pagetypeinfo, plus the pages of the pageblocks that became Unmovable by the second ("Number of
 * blocks type"), less the Unmovable free pages of the second's. A value ≤ 0: frees outweighed the
 * allocations. Keyed by "run/capture" so that a row is never predicted from its own outcome.
 */
import { Rng } from '../../engine/index.ts'

export const UNMOVABLE_DEMAND_MEASURED: Readonly<Record<string, number>> = {
  'arm64-1G-s18-nopin/02-before': 1240,
  'arm64-1G-s18-nopin/03-after-compact-node': 251,
  'arm64-1G-s6-cma-compact/02-before': 1575,
  'arm64-1G-s6-cma-compact/03-after-compact-node': 756,
  'arm64-1G-s6-cma-compact-cpu0/02-before': 1323,
  'arm64-1G-s6-cma-compact-cpu0/03-after-compact-node': 557,
  'arm64-1G-s6-cma-compact-cpu1/02-before': 126,
  'arm64-1G-s6-cma-compact-cpu1/03-after-compact-node': -567,
  'arm64-1G-s6-cma-compact-ctrace-cpu1/02-before': 441,
  'arm64-1G-s6-cma-compact-ctrace-cpu1/03-after-compact-node': 441,
  'arm64-1G-s6-cma-compact-ctrace-sleep-cpu1/02-before': 1795,
  'arm64-1G-s6-cma-compact-ctrace-sleep-cpu1/03-after-compact-node': 189,
  'arm64-2G-s19-fewpin/02-before': 2813,
  'x86-1G-s12-nopin-cm/02-before': 628,
  'x86-1G-s12-nopin-cm/03-after-compact-memory': -279,
  'x86-1G-s12-wl0-cpu0/02-before': 0,
  'x86-1G-s12-wl0-cpu0/03-after-compact-memory': 252,
  'x86-1G-s12-wl0-cpu1/02-before': 566,
  'x86-1G-s12-wl0-cpu1/03-after-compact-memory': 503,
  'x86-1G-s12-wl0-ctrace-cpu0/02-before': 616,
  'x86-1G-s12-wl0-ctrace-cpu0/03-after-compact-memory': 941,
  'x86-1G-s12-wl0-ctrace-sleep-cpu0/02-before': 149,
  'x86-1G-s12-wl0-ctrace-sleep-cpu0/03-after-compact-memory': 252,
  'x86-1G-s12-wl1-cpu1/02-before': 315,
  'x86-1G-s12-wl1-cpu1/03-after-compact-memory': 189,
  'x86-1G-s15-k612-nopin/02-before': 1399,
  'x86-1G-s15-k612-nopin/03-after-compact-node': -1252,
  'x86-1G-s15-k612-nopin-cpu1/02-before': 62,
  'x86-1G-s15-k612-nopin-cpu1/03-after-compact-node': -64,
  'x86-1G-s15-k612-nopin-cpu1-b/02-before': 691,
  'x86-1G-s15-k612-nopin-cpu1-b/03-after-compact-node': 314,
  'x86-1G-s15-k612-nopin-ctrace-cpu1/02-before': -816,
  'x86-1G-s15-k612-nopin-ctrace-cpu1/03-after-compact-node': -290,
  'x86-1G-s15-k612-nopin-wl1-cpu1/02-before': 0,
  'x86-1G-s15-k612-nopin-wl1-cpu1/03-after-compact-node': 62,
  'x86-1G-s2-hugetlb/04-after-hugetlb-release': 248,
  'x86-1G-s2-hugetlb-cpu0/04-after-hugetlb-release': -551,
  'x86-1G-s2-hugetlb-cpu1/04-after-hugetlb-release': -634,
  'x86-1G-s21-k612-pcp/04-after-sleep': -51,
  'x86-1G-s22-cpu0/02-before': 193,
  'x86-1G-s22-cpu0/03-after-compact-node-cpu0': 501,
  'x86-1G-s22-cpu1/02-before': 169,
  'x86-1G-s22-cpu1/03-after-compact-node-cpu1': 942,
  'x86-1G-s27-tools0/02-before': 0,
  'x86-1G-s27-tools1/02-before': -57,
  'x86-1G-s27-trace/02-before': 0,
  'x86-2G-s13-fewpin/02-before': 819,
  'x86-2G-s16-k612-fewpin/02-before': -255,
  'x86-2G-s16-k612-fewpin/03-after-compact-memory': 248,
  'x86-2G-s23-k612-cpu0/02-before': 331,
  'x86-2G-s23-k612-cpu0/03-after-compact-memory-cpu0': 945,
  'x86-2G-s23-k612-cpu1/02-before': 675,
  'x86-2G-s23-k612-cpu1/03-after-compact-memory-cpu1': -788,
  'x86-4G-s14-nopin/02-before': 1310,
  'x86-4G-s14-nopin-cpu0/02-before': 1589,
  'x86-4G-s14-nopin-cpu1/02-before': 4537,
  'x86-512M-s1-compact/02-before': 121,
  'x86-512M-s1-compact/03-after-compact-node': 247,
  'x86-512M-s11-nopin/02-before': 92,
  'x86-512M-s11-nopin/03-after-compact-node': 306,
}

let drawn = true
/** Switches the draw off (tests: the bands without it); on by default. */
export function setUnmovableDemandDrawn(on: boolean): void {
  drawn = on
}
/** Whether synthesized seeds draw an Unmovable demand (setUnmovableDemandDrawn). */
export function unmovableDemandDrawn(): boolean {
  return drawn
}

/**
 * One seed's draw: a measured pair's value, never the pair being predicted (`self`, "run/capture"),
 * at least 0.
 */
export function drawUnmovableDemand(seed: number, self: string | null): number {
  const vals = Object.entries(UNMOVABLE_DEMAND_MEASURED).filter(([k]) => k !== self).map(([, v]) => v)
  const rng = new Rng((seed ^ 0x5eed57a1) >>> 0)
  return Math.max(0, vals[rng.int(vals.length)]!)
}

/**
 * The exact layout's single run: the median of the measured pairs' values (each at least 0), never
 * the pair being predicted (`self`).
 */
export function medianUnmovableDemand(self: string | null): number {
  const vals = Object.entries(UNMOVABLE_DEMAND_MEASURED).filter(([k]) => k !== self).map(([, v]) => Math.max(0, v)).sort((a, b) => a - b)
  const n = vals.length
  return n % 2 ? vals[(n - 1) / 2]! : Math.round((vals[n / 2 - 1]! + vals[n / 2]!) / 2)
}
