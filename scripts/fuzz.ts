/**
 * `npm run fuzz -- [--cases N] [--time SECONDS] [--seed S] [--out DIR] [--keep] [--weights parser=0.9,model=0.1,…]`: the fuzzer of
 * test/fuzz/fuzz_core.ts as a long campaign (default a million cases, no time limit). Writes
 * DIR/fuzz-report.json and DIR/fuzz-report.txt (default test-results/fuzz/) and prints where.
 * With --keep, failing inputs are minimised into test/fuzz/regressions/ (replayed by
 * test/fuzz/regressions.test.ts). Exit code 1 when a case crashed or hung.
 */
import { parseArgs } from 'node:util'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runFuzz, reportText, REGRESSIONS, type Weights } from '../test/fuzz/fuzz_core.ts'

/** The slow targets (0.3 – 1.5 s a case) get ~800 cases in a million (a run of ~25 min); --weights changes the mix. */
const CAMPAIGN_WEIGHTS: Weights = { parser: 0.9, capture: 0.0992, model: 0.0004, load: 0.00015, bundle: 0.00015, cli: 0.0001 }

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    cases: { type: 'string', default: '1000000' },
    time: { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'test-results', 'fuzz') },
    keep: { type: 'boolean', default: false },
    deadline: { type: 'string', default: '10000' },
    weights: { type: 'string' },
  },
})
const cases = Number(values.cases)
const seed = Number(values.seed)
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--cases N] [--time SECONDS] [--seed S] [--out DIR] [--keep] [--deadline MS]\n')
  process.exit(2)
}
const weights: Weights = { ...CAMPAIGN_WEIGHTS }
for (const kv of (values.weights ?? '').split(',').filter(Boolean)) {
  const [k, v] = kv.split('=')
  if (!k || !(k in weights) || !Number.isFinite(Number(v))) {
    process.stderr.write(`--weights: expected target=number pairs (parser, capture, model, load, bundle, cli), not "${kv}"\n`)
    process.exit(2)
  }
  weights[k as keyof Weights] = Number(v)
}
const out = resolve(values.out)
mkdirSync(out, { recursive: true })
const started = Date.now()
const report = await runFuzz({
  seed, cases,
  timeMs: values.time ? Number(values.time) * 1000 : Number.POSITIVE_INFINITY,
  deadlineMs: Number(values.deadline),
  weights,
  keepDir: values.keep ? REGRESSIONS : null,
  onProgress: (done, r) => {
    if (done % Math.max(1000, Math.floor(cases / 50 / 1000) * 1000) === 0) process.stderr.write(`  ${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s, crashes ${r.crashes}, hangs ${r.hangs}\n`)
  },
})
writeFileSync(join(out, 'fuzz-report.json'), JSON.stringify(report, null, 2) + '\n')
writeFileSync(join(out, 'fuzz-report.txt'), reportText(report))
process.stdout.write(reportText(report))
process.stdout.write(`\nreport: ${join(out, 'fuzz-report.txt')} and ${join(out, 'fuzz-report.json')}\n`)
process.exit(report.crashes + report.hangs > 0 ? 1 : 0)
