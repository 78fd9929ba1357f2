/**
 * The Unmovable demand between consecutive captures (host/whatif/unmovable_demand.ts;
 * docs/fidelity.md, synthesized (u)): for every pair of consecutive captures of every run in a
 * fixtures folder, per zone, pagetypeinfo's Unmovable free pages and "Number of blocks type" of
 * both captures, the pages in ≥ pageblock-order blocks of the first capture's buddyinfo, its
 * after-kpage/ re-read and the next capture's, meminfo's SUnreclaim/KernelStack/PageTables deltas,
 * and the demand: the Unmovable free pages of the first, plus the pages of the pageblocks that
 * became Unmovable, less the Unmovable free pages of the second. `--table` prints the measured
 * values of the pairs with a `cn`/`cm` trigger between them, summed over the zones, as
 * host/whatif/unmovable_demand.ts holds them.
 *
 *   node --import tsx scripts/measure-unmovable.ts fixtures [--table]
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const root = process.argv[2] ?? 'fixtures'
const table = process.argv.includes('--table')
const read = (p: string): string | null => (existsSync(p) ? readFileSync(p, 'utf8') : null)

type ZoneKey = string
function blocks(t: string): Map<ZoneKey, Record<string, number>> {
  const out = new Map<ZoneKey, Record<string, number>>()
  const lines = t.split('\n')
  const i = lines.findIndex((l) => l.startsWith('Number of blocks type'))
  if (i < 0) return out
  const hdr = lines[i]!.replace('Number of blocks type', '').trim().split(/\s+/)
  for (const l of lines.slice(i + 1)) {
    const m = /^Node\s+(\d+), zone\s+(\S+)\s+(.*)$/.exec(l)
    if (!m) break
    const v = m[3]!.trim().split(/\s+/).map(Number)
    out.set(`${m[1]}:${m[2]}`, Object.fromEntries(hdr.map((h, k) => [h, v[k] ?? 0])))
  }
  return out
}
function freeOf(t: string, type: string): Map<ZoneKey, number> {
  const out = new Map<ZoneKey, number>()
  for (const l of t.split('\n')) {
    const m = /^Node\s+(\d+), zone\s+(\S+), type\s+(\S+)\s+(.*)$/.exec(l)
    if (m && m[3] === type) out.set(`${m[1]}:${m[2]}`, m[4]!.trim().split(/\s+/).map(Number).reduce((s, c, o) => s + c * 2 ** o, 0))
  }
  return out
}
function big(t: string | null, pbo: number): Map<ZoneKey, number> {
  const out = new Map<ZoneKey, number>()
  for (const l of (t ?? '').split('\n')) {
    const m = /^Node\s+(\d+), zone\s+(\S+)\s+(.*)$/.exec(l)
    if (m) out.set(`${m[1]}:${m[2]}`, m[3]!.trim().split(/\s+/).map(Number).reduce((s, c, o) => s + (o >= pbo ? c * 2 ** o : 0), 0))
  }
  return out
}
function meminfo(t: string | null): Record<string, number> {
  const o: Record<string, number> = {}
  for (const l of (t ?? '').split('\n')) {
    const m = /^(\S+):\s+(\d+)/.exec(l)
    if (m) o[m[1]!] = Number(m[2])
  }
  return o
}
/** the steps before each `cap N-label` line of steps.log */
function stepsBefore(run: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let cur: string[] = []
  for (const l of (read(join(root, run, 'steps.log')) ?? '').split('\n')) {
    const cap = /\] cap (\d+)-(\S+)/.exec(l)
    if (cap) { out.set(`${cap[1]}-${cap[2]}`, cur); cur = []; continue }
    const st = / step ([^: ]+)/.exec(l)
    if (st) cur.push(st[1]!)
  }
  return out
}

const measured: Array<[string, number]> = []
for (const run of readdirSync(root).sort()) {
  const dir = join(root, run)
  if (!statSync(dir).isDirectory()) continue
  const caps = readdirSync(dir).filter((d) => /^\d\d-/.test(d) && existsSync(join(dir, d, 'pagetypeinfo'))).sort()
  const steps = stepsBefore(run)
  for (let i = 0; i + 1 < caps.length; i++) {
    const a = join(dir, caps[i]!), b = join(dir, caps[i + 1]!)
    const pa = read(join(a, 'pagetypeinfo'))!, pb = read(join(b, 'pagetypeinfo'))!
    const pbo = Number(/Page block order:\s*(\d+)/.exec(pa)?.[1] ?? 9)
    const ba = blocks(pa), bb = blocks(pb), fa = freeOf(pa, 'Unmovable'), fb = freeOf(pb, 'Unmovable')
    const g0 = big(read(join(a, 'buddyinfo')), pbo), gr = big(read(join(a, 'after-kpage', 'buddyinfo')), pbo), g1 = big(read(join(b, 'buddyinfo')), pbo)
    const ma = meminfo(read(join(a, 'meminfo'))), mb = meminfo(read(join(b, 'meminfo')))
    const kb = (k: string): number => ((mb[k] ?? 0) - (ma[k] ?? 0)) / 4
    const st = steps.get(caps[i + 1]!.replace(/^0/, '')) ?? []
    const trigger = st.some((s) => /^c[nm](@\d+)?$/.test(s))
    let sum = 0
    for (const [z, x] of ba) {
      const y = bb.get(z)
      if (!y) continue
      const dU = (y['Unmovable'] ?? 0) - (x['Unmovable'] ?? 0)
      const demand = (fa.get(z) ?? 0) + dU * 2 ** pbo - (fb.get(z) ?? 0)
      sum += demand
      if (!table) console.log([run, `${caps[i]}→${caps[i + 1]!.slice(0, 2)}`, z.split(':')[1], st.join(',') || '-', `Unmovable blocks ${dU >= 0 ? '+' : ''}${dU}`, `Reclaimable ${(y['Reclaimable'] ?? 0) - (x['Reclaimable'] ?? 0)}`, `Unmovable free ${fa.get(z)} → ${fb.get(z)}`, `≥pb ${g0.get(z)} → ${gr.get(z) ?? '-'} → ${g1.get(z)}`, `demand ${demand}`, `ΔSUnreclaim ${kb('SUnreclaim')} KernelStack ${kb('KernelStack')} PageTables ${kb('PageTables')}`].join('  '))
    }
    if (trigger && !run.startsWith('host-')) measured.push([`${run}/${caps[i]}`, sum])
  }
}
if (table) for (const [k, v] of measured) console.log(`  '${k}': ${v},`)
