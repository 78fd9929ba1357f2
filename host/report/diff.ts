/**
 * The report's diff part (`report A --diff B`, the app's "Diff against"): the diff model of the
 * two captures (host/diff.ts, engine/metrics/diff.ts; `buddyscope diff --json` prints the same
 * object, which is the JSON report's `diff`). Per zone: the free blocks per order before, after
 * and their delta, per migratetype free list (captured numbers, labelled; the model's deltas
 * beside them where they differ), the pageblocks per migratetype, the diff view's chart; the
 * changed pageblocks counted by change and listed (capped here, all in the JSON); and the
 * pageblock map after, each changed pageblock outlined in the colour of its main change (the
 * app's diff map colours).
 */
import { PAGEBLOCK_CHANGES, PAGEBLOCK_CHANGE_TEXT, mainChange, type PageblockChange, type PageblockMap } from '../../engine/index.ts'
import { diffFreeOption } from '../../charts/options/diff_free.ts'
import { CHANGE_COLORS, chartTheme } from '../../charts/palette.ts'
import { formatBytes } from '../../charts/format.ts'
import { diffCaptures, diffJson, remapped, sideName, type CaptureDiff, type CaptureDiffJson, type DiffSide } from '../diff.ts'
import type { ReportExtra } from './build.ts'
import type { Cell, ReportBlock, ReportMapMark, ReportSection } from './model.ts'

/** The diff as a report holds it: the model's diff, its JSON, and both pageblock maps (the after one in the before's migratetype numbering). */
export interface ReportDiff {
  diff: CaptureDiff
  json: CaptureDiffJson
  before: PageblockMap
  after: PageblockMap
}

/** Changed pageblocks listed per zone in the tables (the JSON lists them all). */
export const MAX_CHANGED_ROWS = 64
/** Changes the map counts but does not outline (as the app's diff view hides them by default): a block whose pages changed kind, its free count the same. */
const NOT_OUTLINED: ReadonlySet<PageblockChange> = new Set(['pages-changed'])

/** The diff of two captures (a before, b after), checked to be of one machine. */
export async function reportDiff(a: DiffSide, b: DiffSide): Promise<ReportDiff> {
  const diff = await diffCaptures(a, b)
  return { diff, json: diffJson(diff, a, b), before: a.map, after: remapped(b, a.migratetypes) }
}

const zl = (z: { node: number; zone: string }): string => `Node ${z.node}, zone ${z.zone}`
const zid = (z: { node: number; zone: string }): string => `n${z.node}-${z.zone.toLowerCase()}`
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n))
const hexPfn = (n: number): string => `0x${n.toString(16)}`
const capturedOr = (src: string, file: string): string => (src === 'model' ? 'model' : `${file}, captured`)

/** The two captures, side by side; the host and the capture time only where a capture records them. */
function sidesTable(d: CaptureDiff): ReportBlock {
  const sides = [['before', d.before], ['after', d.after]] as const
  const host = sides.some(([, s]) => s.hostname)
  const time = sides.some(([, s]) => s.captureTime)
  return {
    kind: 'table', table: {
      id: 'diff-captures', caption: 'The two captures', source: 'captured',
      columns: ['', 'snapshot', 'capture', 'kernel', ...(host ? ['host'] : []), ...(time ? ['capture time'] : []), 'layout'],
      rows: sides.map(([role, s]) => [role, s.path, s.label ?? '(single capture)', s.kernelRelease ?? 'unknown', ...(host ? [s.hostname ?? 'unknown'] : []), ...(time ? [s.captureTime ?? 'unknown'] : []), s.layout === 'exact' ? 'exact (kpageflags)' : 'synthesized']),
    },
  }
}

/** "Movable → Unmovable", or one word when it stayed */
const fromTo = (a: string, b: string): string => (a === b ? a : `${a} → ${b}`)

function state(s: CaptureDiffJson['zones'][number]['pageblocks'][number]['before']): string {
  return s.migratetype === null ? 'outside the buddy allocator' : `${s.kind}${s.mixed ? ', mixed' : ''}`
}

function zoneSection(d: CaptureDiff, z: CaptureDiffJson['zones'][number]): ReportSection {
  const n = d.nrOrders
  const orders = Array.from({ length: n }, (_, o) => String(o))
  const pad = (row: readonly number[]): number[] => Array.from({ length: n }, (_, o) => row[o] ?? 0)
  const fb = capturedOr(z.sources.freeBlocks, 'buddyinfo')
  const fm = capturedOr(z.sources.freeBlocksByMigratetype, 'pagetypeinfo')
  const rows: Cell[][] = [
    [`before (${fb})`, ...pad(z.freeBlocksBefore)],
    [`after (${fb})`, ...pad(z.freeBlocksAfter)],
    [`delta (${fb})`, ...pad(z.freeBlocksDelta).map(signed)],
  ]
  const quiet: string[] = []
  for (const [mt, row] of Object.entries(z.freeBlocksByMigratetypeDelta)) {
    if (row.every((v) => v === 0)) quiet.push(mt)
    else rows.push([`  ${mt} delta (${fm})`, ...pad(row).map(signed)])
  }
  const md = z.model
  if (md) {
    if (md.freeBlocksDelta.join() !== z.freeBlocksDelta.join()) rows.push(['delta (model)', ...pad(md.freeBlocksDelta).map(signed)])
    for (const [mt, row] of Object.entries(md.freeBlocksByMigratetypeDelta)) {
      if (row.join() !== (z.freeBlocksByMigratetypeDelta[mt] ?? []).join() && row.some((v) => v !== 0)) rows.push([`  ${mt} delta (model)`, ...pad(row).map(signed)])
    }
  }
  const pbBytes = formatBytes(d.pagesPerBlock * d.pageSize)
  const pages = (p: number): string => `${p} pages (${formatBytes(p * d.pageSize)})`
  const changed = z.changeCounts ? ` ${z.changedPageblocks} of its ${z.lastPb - z.firstPb + 1} pageblocks changed.` : ''
  const blocks: ReportBlock[] = [
    { kind: 'text', text: `Free pages ${signed(z.freePagesDelta)}${z.freePagesDelta ? ` (${z.freePagesDelta < 0 ? '-' : '+'}${formatBytes(Math.abs(z.freePagesDelta) * d.pageSize)})` : ''}; free memory in blocks of at least a pageblock (${pbBytes}): ${pages(z.highOrderPagesBefore)} before, ${pages(z.highOrderPagesAfter)} after.${changed}`, role: 'note' },
    {
      kind: 'table', table: {
        id: `diff-${zid(z)}`, caption: `${zl(z)}: free blocks per order, before, after and after − before`, columns: ['', ...orders], rows, perOrder: true,
        source: md || z.sources.freeBlocks !== z.sources.freeBlocksByMigratetype ? 'mixed' : z.sources.freeBlocks === 'model' ? 'model' : 'captured',
        ...(quiet.length || md ? {
          note: [quiet.length ? `Free lists with no change: ${quiet.join(', ')}.` : '', md ? `The model's deltas differ (rows labelled model): ${md.reason}.` : ''].filter(Boolean).join(' '),
        } : {}),
      },
    },
  ]
  if (z.freeBlocksDelta.some((v) => v !== 0)) {
    blocks.push({
      kind: 'chart', title: `${zl(z)}: pages in free blocks per order, after − before, by migratetype free list (${z.sources.freeBlocksByMigratetype}; ◆ all lists, ${z.sources.freeBlocks})`, width: 720, height: 280,
      option: diffFreeOption({ zone: z, migratetypes: d.migratetypes, pageSize: d.pageSize, nrOrders: n, unit: 'pages', theme: chartTheme('light') }),
    })
  }
  // mixed pageblocks are counted on the pages: only where both layouts are exact
  const mixed = d.pageblocksCompared
  const mts = [...new Set([...d.migratetypes, ...Object.keys(z.pageblocksBefore), ...Object.keys(z.pageblocksAfter), ...Object.keys(z.mixedPageblocksDelta)])]
    .filter((mt) => (z.pageblocksBefore[mt] ?? 0) || (z.pageblocksAfter[mt] ?? 0) || (z.mixedPageblocksDelta[mt] ?? 0))
  blocks.push({
    kind: 'table', table: {
      id: `diff-${zid(z)}-pageblocks`, caption: `${zl(z)}: pageblocks per migratetype`, source: 'mixed',
      columns: ['migratetype', `before (${capturedOr(z.sources.pageblocks, 'pagetypeinfo')})`, 'after', 'after − before', ...(md ? ['after − before (model)'] : []), ...(mixed ? ['mixed, after − before (model)'] : [])],
      rows: mts.map((mt) => [mt, z.pageblocksBefore[mt] ?? 0, z.pageblocksAfter[mt] ?? 0, signed(z.pageblocksDelta[mt] ?? 0), ...(md ? [signed(md.pageblocksDelta[mt] ?? 0)] : []), ...(mixed ? [signed(z.mixedPageblocksDelta[mt] ?? 0)] : [])]),
      ...(mixed ? { note: 'Mixed: pageblocks holding a page whose mobility differs from the block\'s type, counted on each capture\'s exact layout (the model).' } : {}),
    },
  })
  if (z.changeCounts && z.pageblocks.length) {
    const shown = z.pageblocks.slice(0, MAX_CHANGED_ROWS)
    blocks.push({
      kind: 'table', table: {
        id: `diff-${zid(z)}-changed`, caption: `${zl(z)}: changed pageblocks`, source: 'model',
        columns: ['pageblock', 'PFN', 'migratetype', 'state', 'free pages before', 'free pages after', 'changes'],
        rows: shown.map((b) => [b.pageblock, hexPfn(b.pfn), fromTo(b.before.migratetype ?? '—', b.after.migratetype ?? '—'), fromTo(state(b.before), state(b.after)), b.before.freePages, b.after.freePages, b.changes.join(', ')]),
        note: `${z.pageblocks.length > shown.length ? `The first ${shown.length} of ${z.pageblocks.length} changed pageblocks, in PFN order; the JSON report lists them all. ` : ''}From the two captures' exact layouts (kpageflags); the main change first.`,
      },
    })
  }
  return { id: `diff-${zid(z)}`, title: `Diff: ${zl(z)}`, level: 3, blocks }
}

/** The diff's sections and JSON for a report; `flags` are the CLI's (`--diff B`) for the regenerate command. */
export function diffExtra(r: ReportDiff, flags: string[]): ReportExtra {
  const d = r.diff
  const j = r.json
  const blocks: ReportBlock[] = [
    { kind: 'text', role: 'note', text: `${sideName(d.after)} (after) compared with ${sideName(d.before)} (before): after − before. Free areas are each capture's own buddyinfo and pagetypeinfo (captured), with the model's deltas beside them where they differ${d.pageblocksCompared ? '; pageblocks are compared on the two captures\' exact layouts (kpageflags on both sides)' : ''}.` },
    sidesTable(d),
    ...d.notes.map((text): ReportBlock => ({ kind: 'text', role: 'warning', text })),
  ]
  if (d.pageblocksNote) blocks.push({ kind: 'text', role: 'warning', text: d.pageblocksNote })
  if (d.pageblocksCompared) {
    const kinds = PAGEBLOCK_CHANGES.filter((c) => j.zones.some((z) => (z.changeCounts?.[c] ?? 0) > 0))
    blocks.push({
      kind: 'table', table: {
        id: 'diff-changes', caption: 'Changed pageblocks per zone, by change', source: 'model',
        columns: ['', ...j.zones.map(zl)],
        rows: [
          ['pageblocks of the zone', ...j.zones.map((z) => z.lastPb - z.firstPb + 1)],
          ['changed', ...j.zones.map((z) => z.changedPageblocks)],
          ...kinds.map((c) => [`${c}: ${PAGEBLOCK_CHANGE_TEXT[c]}`, ...j.zones.map((z) => z.changeCounts?.[c] ?? 0)]),
        ],
        note: `A pageblock counts under each of its changes (changes no pageblock had are left out). ${d.changedCount} pageblocks changed in all.`,
      },
    })
    const byMain = new Map<PageblockChange, number[]>()
    for (let i = 0; i < d.kinds.length; i++) {
      const c = d.kinds[i] ? mainChange(d.kinds[i]!) : null
      if (c) byMain.set(c, [...(byMain.get(c) ?? []), i])
    }
    const marks: ReportMapMark[] = PAGEBLOCK_CHANGES.filter((c) => byMain.has(c)).map((c) => ({ label: PAGEBLOCK_CHANGE_TEXT[c], color: CHANGE_COLORS.light[c], cells: byMain.get(c)!, drawn: !NOT_OUTLINED.has(c) }))
    blocks.push({
      kind: 'map', title: `Pageblocks after (${sideName(d.after)}), the changed ones outlined by their main change`, map: r.after, migratetypes: d.migratetypes,
      pagesPerBlock: d.pagesPerBlock, basePfn: d.basePfn, pageSize: d.pageSize, overlay: 'free', marks,
      zones: d.zones.map((z) => ({ label: zl(z), firstPb: z.firstPb, lastPb: z.lastPb })),
    })
    blocks.push({ kind: 'text', role: 'note', text: `Each pageblock in the colour of its migratetype after, paler the less of it is free; outlined in the colour of its main change (the first of ${PAGEBLOCK_CHANGES.join(', ')} it has), so the map's counts are per main change while the table above counts every change.` })
  }
  const sections: ReportSection[] = [{ id: 'diff', title: `Diff: ${sideName(d.after)} against this capture`, level: 2, blocks }, ...j.zones.map((z) => zoneSection(d, z))]
  return { sections, json: j, flags }
}
