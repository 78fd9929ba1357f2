/**
 * `buddyscope polluters` as JSON and text: the pageblocks made mixed, and who made them so
 * (host/polluters.ts joins the capture's page_owner to its layout).
 */
import type { PollutersResult } from '../../host/polluters.ts'

export interface PollutersJson {
  snapshot: string
  capture: string | null
  file: string
  layout: 'exact' | 'synthesized'
  by: 'stack' | 'comm'
  records: number
  unplacedRecords: number
  pagesPerBlock: number
  totalPages: number
  totalPageblocks: number
  unmovablePages: number
  reclaimablePages: number
  unmovablePageblocks: number
  /** unmovable pages / total pages, and pageblocks holding any unmovable page / all pageblocks, in % */
  unmovablePercent: number
  unmovablePageblockPercent: number
  /** pageblocks holding ≥1 allocation whose migratetype differs from the block's */
  mixedPageblocks: number
  mixedByBlockType: Record<string, number>
  /** pagetypeinfo's "Number of mixed blocks", summed (the kernel's own count), or null */
  kernelMixedPageblocks: number | null
  blockTypeDisagreements: number
  fallbacks: Array<{ from: string; to: string; allocations: number; pages: number; pageblocks: number }>
  /** groups in all (before --top) */
  groups: number
  polluters: Array<{
    stack: string[]; comm: string; pageblocks: number; pages: number
    site: string; allocations: number; orders: number[]; gfp: string[]; migratetypes: string[]
    blockTypes: Record<string, number>
    /** the pageblocks it made mixed, as page_owner numbers them (pfn >> pageblock_order) */
    blocks: number[]
  }>
}

const round = (x: number): number => Math.round(x * 100) / 100

export function pollutersJson(r: PollutersResult, top: number | null): PollutersJson {
  const p = r.report
  const groups = top === null ? p.polluters : p.polluters.slice(0, top)
  return {
    snapshot: r.path, capture: r.label, file: r.file, layout: r.layout, by: p.by,
    records: p.records, unplacedRecords: p.unplaced, pagesPerBlock: p.pagesPerBlock,
    totalPages: p.totalPages, totalPageblocks: p.totalPageblocks,
    unmovablePages: p.unmovablePages, reclaimablePages: p.reclaimablePages, unmovablePageblocks: p.unmovablePageblocks,
    unmovablePercent: round(p.unmovablePercent), unmovablePageblockPercent: round(p.unmovablePageblockPercent),
    mixedPageblocks: p.mixedPageblocks, mixedByBlockType: p.mixedByBlockType, kernelMixedPageblocks: r.kernelMixedPageblocks,
    blockTypeDisagreements: p.blockTypeDisagreements, fallbacks: p.fallbacks, groups: p.polluters.length,
    polluters: groups.map((g) => ({
      stack: g.stack, comm: g.comm, pageblocks: g.pageblocks, pages: g.pages,
      site: g.site, allocations: g.allocations, orders: g.orders, gfp: g.gfp, migratetypes: g.migratetypes,
      blockTypes: g.blockTypes, blocks: g.blocks.map((b) => b + p.pbBase),
    })),
  }
}

/** The headline: unmovable memory's share of the total vs of the pageblocks (the Meta 2023 figure). */
export function headline(p: { unmovablePercent: number; unmovablePageblockPercent: number }): string {
  return `unmovable memory is ${p.unmovablePercent.toFixed(1)} % of the total but sits in ${p.unmovablePageblockPercent.toFixed(1)} % of pageblocks`
}

export function pollutersText(r: PollutersResult, top: number): string {
  const p = r.report
  const L: string[] = []
  L.push(`Snapshot   ${r.path}${r.label ? ` (${r.label})` : ''}  ${r.layout} layout`)
  L.push(`page_owner ${r.file}: ${p.records} allocations${p.unplaced ? ` (${p.unplaced} outside every zone, not placed)` : ''}`)
  L.push('')
  L.push(headline(p))
  L.push(`  unmovable ${p.unmovablePages} of ${p.totalPages} pages; ${p.unmovablePageblocks} of ${p.totalPageblocks} pageblocks hold an unmovable allocation`)
  const byType = Object.entries(p.mixedByBlockType).map(([t, n]) => `${t} ${n}`).join(', ')
  L.push(`mixed pageblocks: ${p.mixedPageblocks}${byType ? ` (${byType})` : ''}${r.kernelMixedPageblocks !== null ? `; pagetypeinfo says ${r.kernelMixedPageblocks}` : ''}`)
  if (p.fallbacks.length) {
    L.push(`fallbacks (allocation type in block type): ${p.fallbacks.map((f) => `${f.from} in ${f.to}: ${f.allocations} allocations, ${f.pages} pages, ${f.pageblocks} blocks`).join('; ')}`)
  }
  if (p.blockTypeDisagreements) L.push(`note: ${p.blockTypeDisagreements} pageblocks' type in page_owner differs from the layout's inferred one (page_owner's is used)`)
  L.push('')
  const shown = p.polluters.slice(0, top)
  L.push(`Polluters by ${p.by} (${p.polluters.length}${shown.length < p.polluters.length ? `, top ${shown.length}` : ''}), ranked by pageblocks made mixed:`)
  L.push(`  ${'#'.padStart(3)} ${'blocks'.padStart(7)} ${'pages'.padStart(8)} ${'allocs'.padStart(7)}  ${'order'.padEnd(6)}${'type'.padEnd(12)}${'comm'.padEnd(16)}site / gfp`)
  shown.forEach((g, i) => {
    L.push(`  ${String(i + 1).padStart(3)} ${String(g.pageblocks).padStart(7)} ${String(g.pages).padStart(8)} ${String(g.allocations).padStart(7)}  ${g.orders.slice(0, 2).join(',').padEnd(6)}${(g.migratetypes[0] ?? '').padEnd(12)}${g.comm.slice(0, 15).padEnd(16)}${g.site}  ${g.gfp[0] ?? ''}`)
  })
  if (shown[0]) {
    L.push('')
    L.push(`Top polluter's stack (${shown[0].comm}):`)
    for (const f of shown[0].stack) L.push(`  ${f}`)
  }
  return L.join('\n') + '\n'
}
