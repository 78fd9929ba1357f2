/**
 * GENERATED fleet data for `buddyscope fleet` and its bench: N summary-only captures made by
 * seeded perturbation of real captures' summary files (fixtures/: the QEMU runs' and the 6.18
 * VM's before-captures). Each generated capture keeps its source's zoneinfo and machine, and
 * splits a seeded share of its free blocks per migratetype into halves (order o → two of o−1),
 * so buddyinfo, pagetypeinfo and zoneinfo's nr_free_pages still agree: a box that fragmented a
 * little or a lot more than the real one. Every folder holds a manifest.json saying
 * `"tool": "scripts/fleet-generate.ts (GENERATED …)"` and a host name gen-NNNNN.
 *
 *   node --import tsx scripts/fleet-generate.ts OUTDIR [COUNT=100] [SEED=1]
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Rng, parsePagetypeinfo, formatPagetypeinfo, formatBuddyinfo, type Pagetypeinfo } from '../engine/index.ts'

const FIXTURES = resolve(fileURLToPath(new URL('../fixtures', import.meta.url)))

/** The real captures the generated ones are made from (summary files only are read). */
export const FLEET_SOURCES = [
  'x86-512M-s1-compact/02-before', 'x86-1G-s2-hugetlb/02-before', 'x86-2G-s13-fewpin/02-before', 'x86-4G-s14-nopin/02-before',
  'x86-1G-s15-k612-nopin/02-before', 'arm64-1G-s6-cma-compact/02-before', 'arm64-2G-s19-fewpin/02-before', 'host-24G-k618-a/01-before',
]

interface Source {
  name: string
  pagetypeinfo: Pagetypeinfo
  zoneinfo: string
  uname: string | null
}

function readSources(): Source[] {
  const out: Source[] = []
  for (const name of FLEET_SOURCES) {
    const dir = join(FIXTURES, name)
    if (!existsSync(join(dir, 'pagetypeinfo'))) continue
    out.push({
      name,
      pagetypeinfo: parsePagetypeinfo(readFileSync(join(dir, 'pagetypeinfo'), 'utf8'), join(dir, 'pagetypeinfo')),
      zoneinfo: readFileSync(join(dir, 'zoneinfo'), 'utf8'),
      uname: existsSync(join(dir, 'uname_r')) ? readFileSync(join(dir, 'uname_r'), 'utf8') : null,
    })
  }
  if (out.length === 0) throw new Error(`no source capture found under ${FIXTURES}`)
  return out
}

/** Split a seeded share of each order's blocks into two of the order below (per migratetype; free pages unchanged). */
function perturb(p: Pagetypeinfo, rng: Rng): Pagetypeinfo {
  const share = rng.next() * 0.6
  const free = p.free.map((r) => {
    const counts = [...r.counts]
    if (r.capped.some((c) => c)) return { ...r, counts }
    for (let o = counts.length - 1; o >= 1; o--) {
      const n = counts[o] as number
      let k = 0
      for (let i = 0; i < Math.min(n, 64); i++) if (rng.next() < share) k++
      if (n > 64) k = Math.round((k / 64) * n)
      counts[o] = n - k
      counts[o - 1] = (counts[o - 1] as number) + 2 * k
    }
    return { ...r, counts }
  })
  return { ...p, free }
}

function buddyinfoOf(p: Pagetypeinfo): string {
  const rows: Array<{ node: number; zone: string; nrFree: number[] }> = []
  for (const r of p.free) {
    let row = rows.find((x) => x.node === r.node && x.zone === r.zone)
    if (!row) rows.push((row = { node: r.node, zone: r.zone, nrFree: new Array<number>(p.nrOrders).fill(0) }))
    r.counts.forEach((n, o) => { row!.nrFree[o] = (row!.nrFree[o] as number) + n })
  }
  return formatBuddyinfo({ nrOrders: p.nrOrders, rows })
}

/** Write `count` generated captures into `out` (gen-00001 …); returns their paths. */
export function generateFleet(out: string, count: number, seed = 1): string[] {
  const sources = readSources()
  const rng = new Rng(seed)
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'GENERATED.md'), `# Generated fleet data\n\n${count} summary-only captures made by scripts/fleet-generate.ts (seed ${seed}) by seeded perturbation of real captures: ${sources.map((s) => s.name).join(', ')}. Not real machines.\n`)
  const paths: string[] = []
  const t0 = Date.UTC(2026, 0, 1)
  for (let i = 1; i <= count; i++) {
    const src = sources[rng.nextU32() % sources.length] as Source
    const p = perturb(src.pagetypeinfo, rng)
    const host = `gen-${String(i).padStart(5, '0')}`
    const dir = join(out, host)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'pagetypeinfo'), formatPagetypeinfo(p))
    writeFileSync(join(dir, 'buddyinfo'), buddyinfoOf(p))
    writeFileSync(join(dir, 'zoneinfo'), src.zoneinfo)
    if (src.uname) writeFileSync(join(dir, 'uname_r'), src.uname)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
      format: 'buddyscope-snapshot', version: 2, hostname: host, captureTime: new Date(t0 + i * 60_000).toISOString(),
      tool: `scripts/fleet-generate.ts (GENERATED: seeded perturbation of fixtures/${src.name}, seed ${seed})`,
    }, null, 1) + '\n')
    paths.push(dir)
  }
  return paths
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [out, count, seed] = process.argv.slice(2)
  if (!out) {
    console.error('usage: node --import tsx scripts/fleet-generate.ts OUTDIR [COUNT=100] [SEED=1]')
    process.exit(2)
  }
  const paths = generateFleet(out, Number(count ?? 100), Number(seed ?? 1))
  console.log(`${paths.length} GENERATED captures in ${out}`)
}
