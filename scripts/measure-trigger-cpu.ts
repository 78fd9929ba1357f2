/**
 * Which CPU an unpinned compaction trigger ran on, against what a capture shows before it: every
 * `cn` / `cm` step of the harness's series in the folders given (fixtures/, or a harness's GT_OUT)
 * whose steps.log records the writing shell's CPU (`cpu=B..A`: the compaction's freed pages go to
 * A's per-cpu list, host/series.ts), set beside each predictor of A that the capture before it
 * holds or the series logs, and the tally of how often each one names A, first compactions
 * (no full compaction earlier in the series) apart from the ones that follow one. The unpinned
 * triggers whose CPU is not logged (older runs) are listed with the CPU whose per-cpu lists grew
 * most from the capture (its after-kpage re-read where it has one) to the next capture, the
 * measure that names A for the logged first compactions (the tally says how often), and the
 * predictors' answers there. The survey behind docs/fidelity.md's paragraph on the default CPU.
 *   node --import tsx scripts/measure-trigger-cpu.ts fixtures [/tmp/gt-out …]
 */
import { join } from 'node:path'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { parseStepsLog, parseZoneinfo, workloadCpuFromWorkloadLog, compactionTrigger } from '../engine/index.ts'

/** per CPU: pcp count and high summed over the zones of a zoneinfo */
function pcpPerCpu(file: string): Map<number, { count: number; high: number }> | null {
  if (!existsSync(file)) return null
  const per = new Map<number, { count: number; high: number }>()
  for (const z of parseZoneinfo(readFileSync(file, 'utf8'), file).zones) {
    for (const p of z.pagesets) {
      const e = per.get(p.cpu) ?? { count: 0, high: 0 }
      e.count += p.count
      e.high += p.high
      per.set(p.cpu, e)
    }
  }
  return per
}

/** the key with the largest value, null on a tie or an empty map */
function argmax(m: Map<number, number>): number | null {
  let best: number | null = null
  let bestV = -Infinity
  let tie = false
  for (const [k, v] of m) {
    if (v > bestV) { best = k; bestV = v; tie = false } else if (v === bestV) tie = true
  }
  return tie ? null : best
}
/** on two CPUs, the other one */
const other = (cpu: number | null, cpus: number[]): number | null => (cpu === null || cpus.length !== 2 ? null : cpus.find((c) => c !== cpu)!)

interface Row { run: string; capture: string; kernel: string; first: boolean; actual: number | null; logged: boolean; predictors: Record<string, number | null> }

/** the capture's kernel as major.minor (uname_r), and whether it decays pcp->high (6.7+: decay_pcp_high) */
function kernelOf(dir: string): string {
  const f = join(dir, 'uname_r')
  const m = existsSync(f) ? /^(\d+)\.(\d+)/.exec(readFileSync(f, 'utf8')) : null
  return m ? `${m[1]}.${m[2]}` : '?'
}
const decays = (k: string): boolean => { const [a, b] = k.split('.').map(Number); return a! > 6 || (a === 6 && b! >= 7) }

const PREDICTORS = [
  'most (zoneinfo)', 'least (zoneinfo)', 'most (re-read)', 'grew most (first read → re-read)', 'grew least (first read → re-read)',
  'raised high (6.7+)', 'workload CPU (workload.log)', 'other than the workload CPU', 'previous trigger', 'CPU 0', 'CPU 1',
  'shell at the capture\'s end (cap … cpu=C; not in a capture)', 'shell before the write (B; not in a capture)', 'after-capture growth (the measure)',
]

const rows: Row[] = []
for (const dir of process.argv.slice(2).length ? process.argv.slice(2) : ['fixtures']) {
  for (const run of readdirSync(dir).sort()) {
    const d = join(dir, run)
    if (!existsSync(join(d, 'steps.log'))) continue
    const log = parseStepsLog(readFileSync(join(d, 'steps.log'), 'utf8'), join(d, 'steps.log'))
    const wl = existsSync(join(d, 'workload.log')) ? workloadCpuFromWorkloadLog(readFileSync(join(d, 'workload.log'), 'utf8')) : null
    const folders = readdirSync(d).filter((f) => /^\d\d-/.test(f)).sort()
    const folderOf = (index: number): string | undefined => folders.find((f) => f.startsWith(`${String(index).padStart(2, '0')}-`))
    let fullBefore = false
    let prevCpu: number | null = null
    for (const step of log.steps) {
      const t = compactionTrigger(step)
      if (!t) continue
      const pinned = /@\d+$/.test(step.name)
      const ci = step.afterCapture
      const cap = ci !== null ? log.captures[ci] : undefined
      const next = ci !== null ? log.captures[ci + 1] : undefined
      const here = cap ? folderOf(cap.index) : undefined
      const there = next ? folderOf(next.index) : undefined
      const first = !fullBefore
      fullBefore = true
      const loggedCpu = t.cpu
      if (!pinned && here && there) {
        const a = pcpPerCpu(join(d, here, 'zoneinfo'))
        const r = pcpPerCpu(join(d, here, 'after-kpage', 'zoneinfo'))
        const b = pcpPerCpu(join(d, there, 'zoneinfo'))
        if (a && b) {
          const cpus = [...a.keys()].sort((x, y) => x - y)
          const count = (m: Map<number, { count: number; high: number }>): Map<number, number> => new Map([...m].map(([c, e]) => [c, e.count]))
          const most = argmax(count(a))
          const least = argmax(new Map([...a].map(([c, e]) => [c, -e.count])))
          const growth = r ? new Map(cpus.map((c) => [c, (r.get(c)?.count ?? 0) - a.get(c)!.count])) : null
          const base = r ?? a
          const after = new Map(cpus.map((c) => [c, (b.get(c)?.count ?? 0) - (base.get(c)?.count ?? 0)]))
          const highs = new Set([...a.values()].map((e) => e.high))
          const cpuB = /\bcpu=(\d+)\.\.\d+/.exec(step.detail)
          rows.push({
            run, capture: here, kernel: kernelOf(join(d, here)), first, actual: loggedCpu, logged: loggedCpu !== null,
            predictors: {
              'most (zoneinfo)': most,
              'least (zoneinfo)': least,
              'most (re-read)': r ? argmax(count(r)) : null,
              'grew most (first read → re-read)': growth ? argmax(growth) : null,
              'grew least (first read → re-read)': growth ? argmax(new Map([...growth].map(([c, g]) => [c, -g]))) : null,
              'raised high (6.7+)': highs.size > 1 ? argmax(new Map([...a].map(([c, e]) => [c, e.high]))) : null,
              'workload CPU (workload.log)': wl,
              'other than the workload CPU': other(wl, cpus),
              'previous trigger': first ? null : prevCpu,
              'CPU 0': 0,
              'CPU 1': 1,
              'shell at the capture\'s end (cap … cpu=C; not in a capture)': cap?.cpu ?? null,
              'shell before the write (B; not in a capture)': cpuB ? Number(cpuB[1]) : null,
              'after-capture growth (the measure)': argmax(after),
            },
          })
        }
      }
      prevCpu = loggedCpu
    }
  }
}

const show = (v: number | null): string => (v === null ? '-' : String(v))
console.log('run/capture kernel first|second A=the logged CPU (A of cpu=B..A; - not logged), then each predictor\'s answer (- where the capture or series has none), in this order:')
PREDICTORS.forEach((p, i) => console.log(`  ${i + 1}. ${p}`))
for (const r of rows) console.log(`${r.run}/${r.capture} ${r.kernel} ${r.first ? 'first' : 'second'} A=${show(r.actual)}  ${PREDICTORS.map((p) => show(r.predictors[p]!)).join(' ')}`)
for (const kind of ['first', 'second'] as const) {
  for (const group of ['before 6.7', '6.7+'] as const) {
    const logged = rows.filter((r) => r.logged && r.first === (kind === 'first') && decays(r.kernel) === (group === '6.7+'))
    if (!logged.length) continue
    console.log(`\n${kind} compactions with the trigger's CPU logged, kernel ${group}: ${logged.length}`)
    for (const p of PREDICTORS) {
      const with_ = logged.filter((r) => r.predictors[p] !== null)
      const right = with_.filter((r) => r.predictors[p] === r.actual).length
      if (with_.length) console.log(`  ${p}: ${right} of ${with_.length}`)
    }
  }
}
// the measure names A where the logged first compactions say it does (kernels before 6.7: no decay of the lists' high)
const unlogged = rows.filter((r) => !r.logged && r.first && !decays(r.kernel) && r.predictors['after-capture growth (the measure)'] !== null)
if (unlogged.length) {
  console.log(`\nfirst compactions, kernel before 6.7, the trigger's CPU not logged: ${unlogged.length}; each predictor against the after-capture growth`)
  for (const p of PREDICTORS.slice(0, -1)) {
    const with_ = unlogged.filter((r) => r.predictors[p] !== null)
    const right = with_.filter((r) => r.predictors[p] === r.predictors['after-capture growth (the measure)']).length
    if (with_.length) console.log(`  ${p}: ${right} of ${with_.length}`)
  }
}
