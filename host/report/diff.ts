/**
 * The report's diff part (`report A --diff B`): free blocks per zone and order in B minus A,
 * from the two captures' own buddyinfo (captured numbers only; a zone missing from one side is
 * said so). It is the minimal diff: a richer two-capture comparison replaces this function by
 * another that returns the same ReportExtra (sections, JSON, flags).
 */
import type { InspectJson } from '../summary.ts'
import type { ReportExtra } from './build.ts'
import type { Cell, ReportBlock } from './model.ts'

export interface BuddyinfoDiffJson {
  kind: 'buddyinfo-delta'
  a: { path: string; capture: string | null }
  b: { path: string; capture: string | null }
  zones: Array<{ node: number; zone: string; a: number[] | null; b: number[] | null; delta: number[] | null; source: { a: string; b: string } }>
}

const src = (z: InspectJson['zones'][number] | undefined): string => (z ? (z.model?.captured.freeBlocks ?? 'buddyinfo') : 'absent')

export function buddyinfoDiff(a: InspectJson, b: InspectJson, bArg: string): ReportExtra {
  const n = Math.max(a.machine.nrOrders, b.machine.nrOrders)
  const keys: Array<[number, string]> = []
  for (const z of [...a.zones, ...b.zones]) if (!keys.some(([nd, zn]) => nd === z.node && zn === z.zone)) keys.push([z.node, z.zone])
  const name = (j: InspectJson): string => `${j.snapshot.path}${j.snapshot.label ? ` [${j.snapshot.label}]` : ''}`
  const json: BuddyinfoDiffJson = { kind: 'buddyinfo-delta', a: { path: a.snapshot.path, capture: a.snapshot.label }, b: { path: b.snapshot.path, capture: b.snapshot.label }, zones: [] }
  const blocks: ReportBlock[] = [{ kind: 'text', role: 'note', text: `Free blocks per order in ${name(b)} (B) minus ${name(a)} (A), as each capture's buddyinfo has them (captured numbers, not the model's). Positive: more free blocks of that order in B.` }]
  for (const [node, zone] of keys) {
    const za = a.zones.find((z) => z.node === node && z.zone === zone)
    const zb = b.zones.find((z) => z.node === node && z.zone === zone)
    const ra = za ? Array.from({ length: n }, (_, o) => za.freeBlocks[o] ?? 0) : null
    const rb = zb ? Array.from({ length: n }, (_, o) => zb.freeBlocks[o] ?? 0) : null
    const delta = ra && rb ? rb.map((v, o) => v - ra[o]!) : null
    json.zones.push({ node, zone, a: ra, b: rb, delta, source: { a: src(za), b: src(zb) } })
    const rows: Cell[][] = []
    if (ra) rows.push([`A (${src(za)})`, ...ra])
    if (rb) rows.push([`B (${src(zb)})`, ...rb])
    if (delta) rows.push(['B − A', ...delta.map((d) => (d > 0 ? `+${d}` : String(d)))])
    blocks.push({ kind: 'table', table: { id: `diff-n${node}-${zone.toLowerCase()}`, caption: `Node ${node}, zone ${zone}: free blocks per order${!za ? ' (only in B)' : !zb ? ' (only in A)' : ''}`, columns: ['', ...Array.from({ length: n }, (_, o) => String(o))], rows, source: src(za) === 'model' || src(zb) === 'model' ? 'mixed' : 'captured', perOrder: true } })
  }
  return { sections: [{ id: 'diff', title: `Diff: ${name(b)} against this capture`, level: 2, blocks }], json, flags: ['--diff', bArg] }
}
