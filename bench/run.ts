/**
 * `npm run bench [-- --json FILE] [-- --only PART,…]` (node --expose-gc --import tsx bench/run.ts):
 * performance of the engine, the CLI and the app, each figure next to its bare reference or its
 * target, measured side by side in one run. Not part of `npm test`. Parts (`--only`):
 *
 *  synth       synthesized reconstruction: synthesizeModel() on summary captures of 4 GiB, 64 GiB
 *              and 1 TiB (time, cost per page, model bytes per page, counts reproduced, checkModel);
 *  kpage       kpageflags throughput on the 64 GiB machine: raw read vs the loader's decode +
 *              classification split over threads (host/workers/kpage_split.ts), every run's
 *              ratio, the single-thread decode beside it, the split's crossover by file size
 *              (and finish() separately);
 *  compaction  full compaction of the largest zone vs a bare two-pointer sweep, 4 GiB to 1 TiB
 *              (and the cost per zone page, to show how it grows);
 *  app         the app in headless Chromium (open → first chart, the 1 TiB map), and a real
 *              capture (fixtures/host-24G-k618-a) through the service as .tar.gz and directory;
 *  contig      cma_alloc / hugetlb on a fragmented 64 GiB machine next to its full compaction;
 *  ensemble    a 32-seed ensemble of a full compaction on 64 GiB (the CLI and its worker pool);
 *  cli         the CLI's start-up (--help, a usage error), and inspect / whatif compact --seeds 4
 *              of fixtures/host-24G-k618-a with their peak RSS; and the exact open of
 *              fixtures/host-24G-k618-r after its full compaction with packedAboveMeet on and off
 *              (bench/packed.ts);
 *  bigopen     an exact open of a 1 TiB machine from kpageflags + kpagecount (2 GiB each, written
 *              to a temporary folder and removed), through the host loader in a child: time and
 *              peak RSS (bench/bigopen.ts).
 *
 * Then a summary table, one line per figure, with the targets; `--json FILE` writes the same
 * figures as [{ figure, value, unit, target, pass }] (pass: null where there is no target).
 *
 * Every size of part 1 runs in a child process with the same node flags, from synth-child.ts
 * bundled by esbuild as the CLI and the app bundle the engine: a V8 fatal error there (it cannot
 * be caught) must not take the rest of the benchmark down with it. Each run starts after a full
 * GC (the previous model collected), as a first open in a fresh worker does; without those GCs
 * the later runs of one process reuse the earlier runs' memory and run a third faster.
 */
import { spawn } from 'node:child_process'
import { build } from 'esbuild'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { captureOf, sizeLabel, syntheticMachine } from './capture.ts'
import { benchKpage, writeKpageFiles, type KpageResult } from './kpage.ts'
import { MIN_SPLIT_ENTRIES } from '../host/workers/kpage_split.ts'
import { benchSynthesis, describeSynth, projectedMemoryBytes, warmUp, MACHINE_SEED, type SynthResult } from './synth.ts'
import { fmtCount, fmtMiB, fmtMs, fmtSignedMiB, gc, gcExposed, median, now, peakRss, verdict } from './util.ts'
import { benchCompactionSize, type CompactionBench } from './compaction.ts'
import { benchUi, type UiBench } from './ui.ts'
import { benchContig, type ContigBench } from './contig.ts'
import { benchEnsemble, type EnsembleBench } from './ensemble.ts'
import { benchCliStart, benchOwnCapture, buildCli, OWN_CAPTURE, type CliStart, type OwnCapture } from './cli.ts'
import { benchBundle, type BundleBench } from './bundle.ts'
import { benchBigOpen, type BigOpenResult } from './bigopen.ts'
import { benchPackedAboveMeet, PACKED_CAPTURE, PACKED_LABEL, type PackedBench } from './packed.ts'

const GiB = 2 ** 30
const TARGET_64G_MS = 300
const TARGET_1T_BYTES_PER_PAGE = 1.25
const TARGET_DECODE_RATIO = 0.5
const CHILD_TIMEOUT_MS = 120_000
const TARGET_1T_OPEN_MS = 10_000
const TARGET_1T_OPEN_RSS = 1.5 * GiB

const log = (line = ''): void => console.log(line)

interface SizeOutcome {
  bytes: number
  runs: number
  result: SynthResult | null
  /** why there is no result */
  failure: string | null
  projectedBytes: number
  childPeakRss: number | null
  wallMs: number
}

/** The parts `--only` can pick, in the order a full run goes through them. */
const PARTS = ['synth', 'kpage', 'compaction', 'app', 'contig', 'ensemble', 'cli', 'bigopen'] as const
type Part = (typeof PARTS)[number]

/** One figure of `--json FILE`: the value in `unit`, its target in words, and whether it is met (null: no target, or not measured). */
interface Figure {
  figure: string
  value: number | null
  unit: string
  target: string
  pass: boolean | null
}

const USAGE_TEXT = `usage: npm run bench -- [--json FILE] [--only ${PARTS.join('|')}[,…]]
  --json FILE   also write every figure as [{ "figure", "value", "unit", "target", "pass" }] to FILE
  --only PARTS  run only these parts (comma-separated); the summary lists their figures
`

function parseCommandLine(argv: string[]): { json: string | null; parts: Set<Part> } {
  let values
  try {
    values = parseArgs({ args: argv, options: { json: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${USAGE_TEXT}`)
    process.exit(2)
  }
  if (values.help) {
    process.stdout.write(USAGE_TEXT)
    process.exit(0)
  }
  const parts = new Set<Part>()
  for (const w of (values.only ?? PARTS.join(',')).split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(PARTS as readonly string[]).includes(w)) {
      process.stderr.write(`bench: --only: unknown part "${w}" (${PARTS.join(', ')})\n${USAGE_TEXT}`)
      process.exit(2)
    }
    parts.add(w as Part)
  }
  return { json: values.json ?? null, parts }
}

async function main(): Promise<void> {
  const { json, parts } = parseCommandLine(process.argv.slice(2))
  const want = (p: Part): boolean => parts.has(p)
  const figures: Figure[] = []
  const fig = (figure: string, value: number | null, unit: string, target = '', pass: boolean | null = null): void => {
    figures.push({ figure, value: value === null || Number.isFinite(value) ? value : null, unit, target, pass })
  }
  const tStart = now()
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  log(`Buddyscope engine benchmark  (node ${process.version}, ${os.cpus().length} × ${cpu.trim()}, ${fmtMiB(os.totalmem(), 0)} RAM, ${os.platform()} ${os.release()})`)
  log(`geometry: 4 KiB pages, pageblock order 9, 11 orders, one node; zones DMA 16 MiB, DMA32 to 4 GiB, Normal above; machine seed ${MACHINE_SEED}`)
  log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes on the machine add noise to the timings)`)
  if (parts.size < PARTS.length) log(`parts: ${[...parts].join(', ')} (--only)`)
  if (!gcExposed()) log('warning: global.gc is not exposed (run through `npm run bench`); memory deltas include garbage')
  log()

  // ---------------------------------------------------------------- part 1
  const outcomes: SizeOutcome[] = []
  let big: Awaited<ReturnType<typeof benchSynthesis>> | null = null
  if (want('synth')) {
    log('== 1. Synthesized reconstruction: synthesizeModel(capture of buddyinfo, pagetypeinfo, zoneinfo, meminfo, node0 vmstat) ==')
    const tmpSynth = mkdtempSync(join(os.tmpdir(), 'buddyscope-bench-synth-'))
    try {
      const bundled = await bundledSynthChild(tmpSynth)
      log(bundled
        ? 'each size in a child process (same node flags, default heap) that runs the engine bundled by esbuild, as the CLI (build:cli) and the app (electron-vite) run it'
        : 'each size in a child process (same node flags, default heap) running the tsx source: esbuild could not bundle bench/synth-child.ts')
      for (const gib of [4, 64, 1024]) {
        const bytes = gib * GiB
        log(`-- ${sizeLabel(bytes)} (${fmtCount(bytes / 4096)} pages)`)
        const o = await runChild(bytes, gib === 1024 ? 3 : 5, bundled)
        outcomes.push(o)
        if (o.result) {
          for (const l of describeSynth(o.result, o.projectedBytes)) log(l)
        } else {
          log(`  FAILED: ${o.failure}`)
          log('  (the model itself is typed arrays, off the JS heap; the child ran with the default heap, and a larger --max-old-space-size would not lift a per-array element limit, so the bench does not re-spawn with one)')
          log(`  model memory projected from the capture's counts: ${fmtMiB(o.projectedBytes)} = ` +
            `${(o.projectedBytes / (bytes / 4096)).toFixed(4)} bytes/page`)
        }
        if (o.childPeakRss !== null) log(`  child peak RSS: ${fmtMiB(o.childPeakRss, 0)}; wall ${fmtMs(o.wallMs)}`)
      }
    } finally {
      rmSync(tmpSynth, { recursive: true, force: true })
    }
    log()
  }

  // ---------------------------------------------------------------- part 2
  let kp: KpageResult | null = null
  let kpError: string | null = null
  if (want('kpage')) {
    log('== 2. kpageflags parse throughput, 64 GiB machine ==')
    const dir = mkdtempSync(join(os.tmpdir(), 'buddyscope-bench-'))
    try {
      if (!big) {
        log('  (synthesizing the 64 GiB machine the files are written from, untimed)')
        warmUp()
        big = await benchSynthesis(64 * GiB, { runs: 1, runCheck: false, log: () => {} })
      }
      const src = big
      const files = writeKpageFiles(src.model, join(dir, 'kpageflags'), join(dir, 'kpagecount'))
      const writeInfo = `${fmtCount(files.entries)} PFNs, ${fmtMiB(files.bytes, 0)} each`
      log(`  wrote kpageflags + kpagecount (${writeInfo}) to ${dir} in ${fmtMs(files.writeMs)}, from the synthesized 64 GiB model`)
      log(`  flag mix: ${Object.entries(files.mix).map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join(', ')}`)
      const capture = captureOf(src.machine, true)
      big = null // drop the synthesized model before the timed runs
      gc()
      kp = await benchKpage(files, capture, src.model, 5, log)
      log(`  (a) raw read, createReadStream highWaterMark 1 MiB:  median ${fmtMs(median(kp.rawMs))} = ${kp.rawMBps.toFixed(0)} MB/s`)
      log(`  (b) decode + classify as the loader runs it, split over threads (host/workers/kpage_split.ts, ${os.availableParallelism()} CPUs): median ${fmtMs(median(kp.decodeMs))} = ${kp.decodeMBps.toFixed(0)} MB/s; ${(100 * kp.elsewhereShare).toFixed(0)} % of the chunks decoded on the decode threads`)
      log(`  (c) single-thread decode, KpageDecoder → ExactLayoutBuilder.flagsSink (files below ${fmtCount(MIN_SPLIT_ENTRIES)} PFNs): median ${fmtMs(median(kp.singleMs))} = ${(100 * kp.singleRatio).toFixed(1)} % of the raw read`)
      log(`  decode / raw = ${(100 * kp.ratio).toFixed(1)} % (target ≥ ${100 * TARGET_DECODE_RATIO} %): ${verdict(kp.ratio >= TARGET_DECODE_RATIO)}; worst run ${(100 * worstRatio(kp)).toFixed(1)} %`)
      log(`  first split decode, the decode threads starting: ${fmtMs(kp.coldMs)}`)
      log(`  split crossover (threads started; single-thread vs split, median of 3): ${kp.crossover.map(([n, a, b]) => `${fmtCount(n)} PFNs ${a.toFixed(1)} / ${b.toFixed(1)} ms`).join('; ')}`)
      log(`  kpagecount decode (countSink): median ${fmtMs(median(kp.countMs))}; builder.finish(): median ${fmtMs(median(kp.finishMs))} (not in the ratio)`)
      log(`  stream chunks not 4-byte aligned (decoder copies those): ${kp.unalignedChunks} of ${kp.chunks}`)
      log(`  exact model's buddyinfo equals the source model's: ${kp.roundTrip ? 'yes' : 'no'}`)
    } catch (e) {
      kpError = e instanceof Error ? e.message : String(e)
      log(`  FAILED: ${kpError}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
      log(`  removed ${dir}`)
    }
    log()
  }

  // ---------------------------------------------------------------- part 3
  const compaction: Array<CompactionBench | { bytes: number; failure: string }> = []
  if (want('compaction')) {
    log('== 3. Full compaction of the largest zone vs a bare two-pointer sweep of the same size ==')
    // untimed: the first compactions in a process run while V8 still compiles the hot loops, which
    // would make the 4 GiB figure (and the per-page growth from 4 GiB) a measure of the JIT
    benchCompactionSize(4 * GiB, 2)
    log('   (warmed up: two untimed 4 GiB compactions and sweeps first)')
    for (const gib of [4, 64, 256, 1024]) {
      const bytes = gib * GiB
      try {
        const r = gib <= 64 ? benchCompactionSize(bytes, 3) : await runCompactionChild(bytes, gib >= 1024 ? 1 : 2)
        compaction.push(r)
        log(`-- ${sizeLabel(bytes)}: ${r.zone} (${fmtCount(r.zonePages)} pages): compaction median ${fmtMs(median(r.compactMs))} (${r.compactMs.map((x) => x.toFixed(0)).join(', ')} ms), ` +
          `sweep median ${fmtMs(median(r.sweepMs))}; ratio ${r.ratio.toFixed(1)}×; ${fmtCount(r.migrated)} pages migrated, ${r.result}; ` +
          `${(median(r.compactMs) * 1e6 / r.zonePages).toFixed(1)} ns per zone page`)
      } catch (e) {
        const failure = e instanceof Error ? e.message : String(e)
        compaction.push({ bytes, failure })
        log(`-- ${sizeLabel(bytes)}: FAILED ${failure}`)
      }
      gc()
    }
    log()
  }

  // ---------------------------------------------------------------- part 4
  let ui: UiBench | null = null
  let uiError: string | null = null
  let bundle: BundleBench | null = null
  if (want('app')) {
    log('== 4. The app in headless Chromium (browser mode, real host) ==')
    try {
      ui = await benchUi(log)
    } catch (e) {
      uiError = e instanceof Error ? e.message.split('\n')[0]! : String(e)
      log(`  FAILED: ${uiError}`)
    }
    log()

    log('== 4b. A real capture as a .tar.gz bundle through the service, next to the same capture as a directory ==')
    try {
      bundle = await benchBundle(join(fileURLToPath(new URL('..', import.meta.url)), 'fixtures'), log)
    } catch (e) {
      log(`  FAILED: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    }
    log()
  }

  // ---------------------------------------------------------------- part 5
  let contig: ContigBench | null = null
  if (want('contig')) {
    log('== 5. Contiguous allocations on a fragmented 64 GiB machine, next to its full compaction ==')
    try {
      contig = await benchContig(log)
    } catch (e) {
      log(`  FAILED: ${e instanceof Error ? e.message : String(e)}`)
    }
    log()
  }

  // ---------------------------------------------------------------- part 6
  // the ensemble and the CLI parts run the command as users have it: precompiled, built from these sources
  if (want('ensemble') || want('cli')) {
    await buildCli(log).catch((e: unknown) => log(`  dist-cli/ not built (${e instanceof Error ? e.message : String(e)}): the CLI figures time the tsx fallback`))
  }
  let ensemble: EnsembleBench | null = null
  let ensembleError: string | null = null
  if (want('ensemble')) {
    log('== 6. A 32-seed ensemble of a full compaction on 64 GiB (the CLI, its seeds on the worker pool) ==')
    try {
      ensemble = await benchEnsemble(log)
    } catch (e) {
      ensembleError = e instanceof Error ? e.message.split('\n')[0]! : String(e)
      log(`  FAILED: ${ensembleError}`)
    }
    log()
  }

  // ---------------------------------------------------------------- part 7
  let cliStart: CliStart | null = null
  let own: OwnCapture | null = null
  let cliError: string | null = null
  let packed: PackedBench | null = null
  if (want('cli')) {
    log(`== 7. The CLI: start-up, and ${OWN_CAPTURE} (a 24 GiB machine with kpageflags, exact layout) ==`)
    try {
      cliStart = await benchCliStart(log)
      own = await benchOwnCapture(log)
    } catch (e) {
      cliError = e instanceof Error ? e.message.split('\n')[0]! : String(e)
      log(`  FAILED: ${cliError}`)
    }
    log()
    log(`== 7b. The exact layout after a full compaction: ${PACKED_CAPTURE} ${PACKED_LABEL} opened with packedAboveMeet on and off ==`)
    try {
      packed = await benchPackedAboveMeet(join(fileURLToPath(new URL('..', import.meta.url)), 'fixtures'), log)
    } catch (e) {
      log(`  FAILED: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    }
    log()
  }

  // ---------------------------------------------------------------- part 8
  let bigOpen: BigOpenResult | null = null
  if (want('bigopen')) {
    log('== 8. Exact open of a 1 TiB machine from kpageflags + kpagecount (2 GiB each), host loader in a child ==')
    bigOpen = await benchBigOpen(log)
    if (bigOpen.skipped) log(`  skipped: ${bigOpen.skipped}`)
    else if (bigOpen.failure) log(`  FAILED: ${bigOpen.failure}`)
    else {
      log(`  loadSnapshot(layout exact): ${fmtMs(bigOpen.openMs!)}, child peak RSS ${fmtMiB(bigOpen.peakRss!, 0)}`)
      log(`  phases: ${Object.entries(bigOpen.phases).map(([k, v]) => `${k} ${fmtMs(v)}`).join(', ')}`)
      log(`  free blocks per zone and order equal buddyinfo's: ${bigOpen.countsMatch ? 'yes' : 'no'}; findings (not info): ${bigOpen.findings.length ? bigOpen.findings.join('; ') : 'none'}`)
    }
    log()
  }

  // ---------------------------------------------------------------- summary
  const wall = now() - tStart
  log('== Summary ==')
  const rows: Array<[string, string, string, string]> = []
  const perPage: Array<[string, number, number]> = []
  for (const o of outcomes) {
    const L = sizeLabel(o.bytes)
    const r = o.result
    const isT = o.bytes === 64 * GiB
    const isB = o.bytes === 1024 * GiB
    if (r) {
      rows.push([`${L} synthesizeModel time (median of ${o.runs})`, fmtMs(r.medianMs), isT ? `≤ ${TARGET_64G_MS} ms` : '', isT ? verdict(r.medianMs <= TARGET_64G_MS) : ''])
      fig(`${L} synthesized reconstruction (synthesizeModel, median of ${o.runs})`, r.medianMs, 'ms', isT ? `≤ ${TARGET_64G_MS} ms` : '', isT ? r.medianMs <= TARGET_64G_MS : null)
      fig(`${L} synthesized reconstruction, cost per page`, (r.medianMs * 1e6) / (o.bytes / 4096), 'ns/page')
      perPage.push([`synthesizeModel ${L}`, (r.medianMs * 1e6) / (o.bytes / 4096), o.bytes])
      rows.push([`${L} model memory per page`, `${r.bytesPerPage.toFixed(4)} B`, isB ? `≤ ${TARGET_1T_BYTES_PER_PAGE} B` : '', isB ? verdict(r.bytesPerPage <= TARGET_1T_BYTES_PER_PAGE) : ''])
      fig(`${L} model memory per page`, r.bytesPerPage, 'B/page', isB ? `≤ ${TARGET_1T_BYTES_PER_PAGE} B` : '', isB ? r.bytesPerPage <= TARGET_1T_BYTES_PER_PAGE : null)
      rows.push([`${L} model memory`, fmtMiB(r.memoryBytes), '', ''])
      fig(`${L} model memory`, r.memoryBytes / 2 ** 20, 'MiB')
      rows.push([`${L} RSS / JS heap / ArrayBuffers delta (model alive)`, `${fmtSignedMiB(r.mem.rss)} / ${fmtSignedMiB(r.mem.heapUsed)} / ${fmtSignedMiB(r.mem.arrayBuffers)}`, '', ''])
      if (r.runPeakRss !== null) {
        rows.push([`${L} peak RSS during synthesizeModel`, `${fmtMiB(r.runPeakRss, 0)} (${fmtSignedMiB(r.runPeakOverBase!)})`, '', ''])
        fig(`${L} peak RSS during synthesizeModel`, r.runPeakRss / 2 ** 20, 'MiB')
      }
      rows.push([`${L} counts reproduced`, r.countsReproduced ? 'yes' : 'no', 'yes', verdict(r.countsReproduced)])
      fig(`${L} synthesized model reproduces the capture's counts`, r.countsReproduced ? 1 : 0, 'bool', '1', r.countsReproduced)
      rows.push([`${L} checkModel(model).length === 0`, r.check.ran ? String(r.check.problems === 0) : 'skipped', r.check.ran ? 'true' : '', r.check.ran ? verdict(r.check.problems === 0) : ''])
      if (r.check.ran) fig(`${L} checkModel problems`, r.check.problems, 'count', '0', r.check.problems === 0)
    } else {
      rows.push([`${L} synthesizeModel time (median of ${o.runs})`, 'aborted (see above)', isT ? `≤ ${TARGET_64G_MS} ms` : '', isT ? 'FAIL' : ''])
      fig(`${L} synthesized reconstruction (synthesizeModel, median of ${o.runs})`, null, 'ms', isT ? `≤ ${TARGET_64G_MS} ms` : '', isT ? false : null)
      rows.push([`${L} model memory per page`, `n/a, no model (projected ${(o.projectedBytes / (o.bytes / 4096)).toFixed(4)} B)`, isB ? `≤ ${TARGET_1T_BYTES_PER_PAGE} B` : '', isB ? 'FAIL' : ''])
      fig(`${L} model memory per page`, null, 'B/page', isB ? `≤ ${TARGET_1T_BYTES_PER_PAGE} B` : '', isB ? false : null)
      rows.push([`${L} counts reproduced`, 'n/a, no model', '', ''])
      rows.push([`${L} checkModel(model).length === 0`, 'n/a, no model', '', ''])
    }
    if (o.childPeakRss !== null) {
      rows.push([`${L} child process peak RSS`, fmtMiB(o.childPeakRss, 0), '', ''])
      fig(`${L} synthesis child process peak RSS`, o.childPeakRss / 2 ** 20, 'MiB')
    }
  }
  if (kp) {
    const worst = worstRatio(kp)
    rows.push(['kpageflags raw read, 64 GiB (MB/s)', `${kp.rawMBps.toFixed(0)} MB/s`, '', ''])
    rows.push(['kpageflags decode + classify (MB/s)', `${kp.decodeMBps.toFixed(0)} MB/s`, '', ''])
    rows.push(['kpageflags decode / raw read (medians)', `${(100 * kp.ratio).toFixed(1)} %`, `≥ ${100 * TARGET_DECODE_RATIO} %`, verdict(kp.ratio >= TARGET_DECODE_RATIO)])
    rows.push(['kpageflags decode / raw read, worst of the runs', `${(100 * worst).toFixed(1)} %`, `≥ ${100 * TARGET_DECODE_RATIO} % in every run`, verdict(worst >= TARGET_DECODE_RATIO)])
    rows.push(['kpagecount decode, 64 GiB (median of 5)', fmtMs(median(kp.countMs)), '', ''])
    rows.push(['ExactLayoutBuilder.finish(), 64 GiB (median of 5)', fmtMs(median(kp.finishMs)), '', ''])
    fig('kpageflags raw read, 64 GiB', kp.rawMBps, 'MB/s')
    fig('kpageflags decode + classification, 64 GiB', kp.decodeMBps, 'MB/s')
    fig('kpageflags decode + classification / raw read of the same file (medians)', 100 * kp.ratio, '%', `≥ ${100 * TARGET_DECODE_RATIO} %`, kp.ratio >= TARGET_DECODE_RATIO)
    fig('kpageflags decode + classification / raw read of the same file (worst run)', 100 * worst, '%', `≥ ${100 * TARGET_DECODE_RATIO} % in every run`, worst >= TARGET_DECODE_RATIO)
    fig('kpagecount decode, 64 GiB (median of 5)', median(kp.countMs), 'ms')
    fig('ExactLayoutBuilder.finish(), 64 GiB (median of 5)', median(kp.finishMs), 'ms')
    fig('kpageflags single-thread decode / raw read (medians)', 100 * kp.singleRatio, '%')
    fig('kpageflags split decode, first run with the decode threads starting', kp.coldMs, 'ms')
    fig('exact model round trip (buddyinfo of the decoded model equals the source)', kp.roundTrip ? 1 : 0, 'bool', '1', kp.roundTrip)
  } else if (want('kpage')) {
    rows.push(['kpageflags decode / raw read', `n/a (${kpError})`, `≥ ${100 * TARGET_DECODE_RATIO} %`, 'FAIL'])
    fig('kpageflags decode + classification / raw read of the same file (worst run)', null, '%', `≥ ${100 * TARGET_DECODE_RATIO} % in every run`, false)
  }
  if (bigOpen) {
    const b = bigOpen
    const okMs = b.openMs !== null && b.countsMatch ? b.openMs <= TARGET_1T_OPEN_MS : false
    const okRss = b.peakRss !== null && b.openMs !== null ? b.peakRss <= TARGET_1T_OPEN_RSS : false
    const why = b.skipped ?? b.failure
    rows.push(['exact 1 TiB open from kpageflags (2 GiB × 2), time', why ? `n/a (${why})` : fmtMs(b.openMs!), '≤ 10 s', b.skipped ? '' : verdict(okMs)])
    rows.push(['exact 1 TiB open from kpageflags (2 GiB × 2), peak RSS', b.peakRss === null ? 'n/a' : fmtMiB(b.peakRss, 0), '≤ 1.5 GiB', b.skipped ? '' : verdict(okRss)])
    fig('exact 1 TiB open from kpageflags (2 GiB × 2)', b.openMs, 'ms', '≤ 10 s', b.skipped ? null : okMs)
    fig('exact 1 TiB open from kpageflags (2 GiB × 2), peak RSS', b.peakRss === null ? null : b.peakRss / 2 ** 20, 'MiB', '≤ 1.5 GiB', b.skipped ? null : okRss)
  }
  for (const c of compaction) {
    const L = sizeLabel(c.bytes)
    const isT = c.bytes === 64 * GiB
    if ('failure' in c) {
      rows.push([`${L} full compaction / sweep`, `n/a (${c.failure})`, isT ? '≤ 3×' : '', isT ? 'FAIL' : ''])
      fig(`${L} full compaction of a fragmented zone / bare two-pointer sweep`, null, '×', isT ? '≤ 3×' : '', isT ? false : null)
      continue
    }
    const ns = (median(c.compactMs) * 1e6) / c.zonePages
    rows.push([`${L} full compaction of ${c.zone.replace('Node 0, zone ', '')} (median)`, fmtMs(median(c.compactMs)), '', ''])
    rows.push([`${L} full compaction / bare sweep`, `${c.ratio.toFixed(1)}×`, isT ? '≤ 3×' : '', isT ? verdict(c.ratio <= 3) : ''])
    rows.push([`${L} full compaction, cost per zone page`, `${ns.toFixed(1)} ns`, '', ''])
    fig(`${L} full compaction of a fragmented zone (median)`, median(c.compactMs), 'ms')
    fig(`${L} full compaction of a fragmented zone / bare two-pointer sweep`, c.ratio, '×', isT ? '≤ 3×' : '', isT ? c.ratio <= 3 : null)
    fig(`${L} full compaction, cost per zone page`, ns, 'ns/page')
    perPage.push([`full compaction ${L}`, ns, c.bytes])
  }
  // how the cost per page grows from the smallest size measured to the largest (1.0 = linear)
  for (const what of ['synthesizeModel', 'full compaction']) {
    const xs = perPage.filter((p) => p[0].startsWith(what)).sort((a, b) => a[2] - b[2])
    if (xs.length < 2) continue
    const g = xs[xs.length - 1]![1] / xs[0]![1]
    const label = `${what}: cost per page, ${sizeLabel(xs[xs.length - 1]![2])} / ${sizeLabel(xs[0]![2])}`
    rows.push([label, `${g.toFixed(2)}× (${xs.map((x) => `${sizeLabel(x[2])} ${x[1].toFixed(1)} ns`).join(', ')})`, '~1× (linear)', ''])
    fig(label, g, '×', '~1× (linear growth)', null)
  }
  if (bundle) {
    const r = (a: number, b: number): string => `${a.toFixed(0)} ms vs ${b.toFixed(0)} ms (${(a / b).toFixed(2)}×)`
    rows.push([`service: open ${bundle.capture} as .tar.gz vs directory`, r(bundle.openMs.bundle, bundle.openMs.directory), '', ''])
    rows.push(['service: what-if (full compaction) on it, .tar.gz vs directory', r(bundle.whatifMs.bundle, bundle.whatifMs.directory), '', ''])
    rows.push(['service: what-if with 4 pin seeds on the pool, .tar.gz vs directory', r(bundle.ensembleMs.bundle, bundle.ensembleMs.directory), '', ''])
    rows.push(['service: temp copies of the bundle while open', String(bundle.unpackedCopies), '1', verdict(bundle.unpackedCopies === 1)])
    rows.push([`${OWN_CAPTURE} (exact): open in the app (service, directory)`, fmtMs(bundle.openMs.directory), '≤ 2 s', verdict(bundle.openMs.directory <= 2000)])
    fig(`${OWN_CAPTURE} (24 GiB, exact): open in the app (service, directory)`, bundle.openMs.directory, 'ms', '≤ 2 s', bundle.openMs.directory <= 2000)
    fig(`${OWN_CAPTURE}: open in the app as .tar.gz`, bundle.openMs.bundle, 'ms')
    fig(`${OWN_CAPTURE}: what-if (full compaction) in the app, directory`, bundle.whatifMs.directory, 'ms')
    fig(`${OWN_CAPTURE}: what-if with 4 pin seeds in the app, directory`, bundle.ensembleMs.directory, 'ms')
    fig('service: temp copies of a .tar.gz bundle while open', bundle.unpackedCopies, 'count', '1', bundle.unpackedCopies === 1)
  }
  if (ui) {
    rows.push(['app: open a 64 GiB summary snapshot → its first chart painted', fmtMs(ui.openToChartMs), '≤ 1 s', verdict(ui.openToChartMs <= 1000)])
    rows.push([`app: pageblock map first paint, 1 TiB (${fmtCount(ui.mapPageblocks)} cells)`, `${ui.firstPaintMs.toFixed(1)} ms (${ui.firstPaintRatio.toFixed(1)}× the bare draw's first run)`, '≤ 3× bare', verdict(ui.firstPaintRatio <= 3)])
    rows.push(['app: pageblock map zoom frame, 1 TiB (median)', `${median(ui.zoomMs).toFixed(1)} ms (${ui.zoomRatio.toFixed(1)}× bare, warm)`, '≤ 3× bare', verdict(ui.zoomRatio <= 3)])
    rows.push(['app: bare LUT fill + putImageData + scaled drawImage, same grid', `first ${ui.bareColdMs.toFixed(1)} ms, warm ${ui.bareWarmMs.toFixed(1)} ms`, '', ''])
    rows.push(['app: open a 64 GiB summary snapshot → its model built (every view)', fmtMs(ui.openToModelMs), '', ''])
    rows.push(['app: opening the 1 TiB summary snapshot → its first chart painted', fmtMs(ui.openRunChartMs), '', ''])
    rows.push(['app: opening the 1 TiB summary snapshot (host synthesizes it) → model built', fmtMs(ui.openRunMs), '≤ 5 s', verdict(ui.openRunMs <= 5000)])
    fig('app: open a 64 GiB summary snapshot → first chart', ui.openToChartMs, 'ms', '≤ 1 s', ui.openToChartMs <= 1000)
    fig('app: open a 1 TiB machine (summary snapshot)', ui.openRunMs, 'ms', '≤ 5 s', ui.openRunMs <= 5000)
    fig('app: open a 64 GiB summary snapshot → model built', ui.openToModelMs, 'ms')
    fig('app: open a 1 TiB machine → first chart', ui.openRunChartMs, 'ms')
    fig('app: pageblock map first paint, 1 TiB / bare draw', ui.firstPaintRatio, '×', '≤ 3×', ui.firstPaintRatio <= 3)
    fig('app: pageblock map zoom frame, 1 TiB / bare draw (warm)', ui.zoomRatio, '×', '≤ 3×', ui.zoomRatio <= 3)
  } else if (want('app')) {
    rows.push(['app benchmarks (headless Chromium)', `n/a (${uiError})`, '', 'FAIL'])
    fig('app: open a 64 GiB summary snapshot → first chart', null, 'ms', '≤ 1 s', false)
    fig('app: open a 1 TiB machine (summary snapshot)', null, 'ms', '≤ 5 s', false)
  }
  if (contig) {
    rows.push(...contig.rows)
    const L = sizeLabel(contig.bytes)
    fig(`${L} full compaction, compact_memory (contig machine, median)`, median(contig.compactMs), 'ms')
    fig(`${L} 256 MiB cma_alloc (median)`, median(contig.cmaMs), 'ms', 'succeeds', contig.cma.success)
    fig(`${L} 256 MiB cma_alloc, 0.01 % pinned (median)`, median(contig.cmaPinnedMs), 'ms')
    fig(`${L} hugetlb +512 × 2 MiB (median)`, median(contig.hugetlbMs), 'ms')
    fig(`${L} hugetlb +512 × 2 MiB, all by compaction (median)`, median(contig.hugetlbCompactMs), 'ms')
    fig(`${L} contig what-ifs: checkModel problems`, contig.checks.length, 'count', '0', contig.checks.length === 0)
  }
  if (ensemble) {
    rows.push([`32-seed ensemble of a full compaction on 64 GiB, ${os.cpus().length} cores (CLI)`, fmtMs(ensemble.ms), '≤ 10 s', verdict(ensemble.ms <= 10_000)])
    fig(`32-seed ensemble of a full compaction on 64 GiB, ${os.cpus().length} cores`, ensemble.ms, 'ms', '≤ 10 s', ensemble.ms <= 10_000)
    if (ensemble.peakRss !== null) {
      rows.push(['32-seed ensemble, peak RSS', fmtMiB(ensemble.peakRss, 0), '', ''])
      fig('32-seed ensemble of a full compaction on 64 GiB, peak RSS', ensemble.peakRss / 2 ** 20, 'MiB')
    }
    if (ensemble.cpuMs !== null) {
      rows.push(['32-seed ensemble, CPU time (all threads)', fmtMs(ensemble.cpuMs), '', ''])
      fig('32-seed ensemble of a full compaction on 64 GiB, CPU time of all threads', ensemble.cpuMs, 'ms')
    }
  } else if (want('ensemble')) {
    rows.push(['32-seed ensemble of a full compaction on 64 GiB', `n/a (${ensembleError})`, '≤ 10 s', 'FAIL'])
    fig(`32-seed ensemble of a full compaction on 64 GiB, ${os.cpus().length} cores`, null, 'ms', '≤ 10 s', false)
  }
  if (cliStart) {
    const h = median(cliStart.helpMs)
    const u = median(cliStart.usageErrorMs)
    rows.push(['CLI start: buddyscope --help (median of 5)', fmtMs(h), '≤ 0.3 s', verdict(h <= 300)])
    rows.push(['CLI start: a usage error (median of 5)', fmtMs(u), '≤ 0.3 s', verdict(u <= 300)])
    fig('CLI start: buddyscope --help (median of 5)', h, 'ms', '≤ 0.3 s', h <= 300)
    fig('CLI start: a usage error (median of 5)', u, 'ms', '≤ 0.3 s', u <= 300)
    const bare = median(cliStart.bareNodeMs)
    rows.push(['bare `node -e 0` start, same loop (reference)', fmtMs(bare), '', ''])
    rows.push(['CLI start: buddyscope --help / bare node start', `${(h / bare).toFixed(2)}×`, '', ''])
    fig('bare node start (node -e 0, median of 5, same loop)', bare, 'ms')
    fig('CLI start: buddyscope --help / bare node start', h / bare, '×')
  }
  if (own) {
    const rss = (x: number | null): string => (x === null ? 'n/a' : fmtMiB(x, 0))
    const fitsRss = (x: number | null): boolean | null => (x === null ? null : x <= GiB)
    rows.push([`${OWN_CAPTURE} (exact): buddyscope inspect`, `${fmtMs(own.inspect.ms)}, peak RSS ${rss(own.inspect.peakRss)}`, '≤ 2 s, ≤ 1 GiB', verdict(own.inspect.ms <= 2000 && fitsRss(own.inspect.peakRss) !== false)])
    rows.push([`${OWN_CAPTURE} (exact): buddyscope whatif compact --seeds 4`, `${fmtMs(own.whatif.ms)}, peak RSS ${rss(own.whatif.peakRss)}`, '≤ 8 s, ≤ 1 GiB', verdict(own.whatif.ms <= 8000 && fitsRss(own.whatif.peakRss) !== false)])
    fig(`${OWN_CAPTURE} (24 GiB, exact): buddyscope inspect`, own.inspect.ms, 'ms', '≤ 2 s', own.inspect.ms <= 2000)
    fig(`${OWN_CAPTURE} (24 GiB, exact): buddyscope inspect, peak RSS`, own.inspect.peakRss === null ? null : own.inspect.peakRss / 2 ** 20, 'MiB', '≤ 1 GiB', fitsRss(own.inspect.peakRss))
    fig(`${OWN_CAPTURE} (24 GiB, exact): buddyscope whatif compact --seeds 4`, own.whatif.ms, 'ms', '≤ 8 s', own.whatif.ms <= 8000)
    fig(`${OWN_CAPTURE} (24 GiB, exact): buddyscope whatif compact --seeds 4, peak RSS`, own.whatif.peakRss === null ? null : own.whatif.peakRss / 2 ** 20, 'MiB', '≤ 1 GiB', fitsRss(own.whatif.peakRss))
  } else if (want('cli')) {
    rows.push(['CLI benchmarks', `n/a (${cliError})`, '', 'FAIL'])
    if (!cliStart) fig('CLI start: buddyscope --help (median of 5)', null, 'ms', '≤ 0.3 s', false)
    fig(`${OWN_CAPTURE} (24 GiB, exact): buddyscope inspect`, null, 'ms', '≤ 2 s', false)
  }
  if (packed) {
    const on = median(packed.onMs)
    const off = median(packed.offMs)
    rows.push([`${PACKED_CAPTURE} ${PACKED_LABEL} (exact open): packedAboveMeet on vs off`, `${fmtMs(on)} vs ${fmtMs(off)} (${(on / off).toFixed(2)}×)`, '', ''])
    fig(`${PACKED_CAPTURE} exact open after a full compaction, packedAboveMeet on / off`, on / off, '×')
  }
  const peak = peakRss()
  const bounded = peak < 8 * GiB && outcomes.every((o) => (o.childPeakRss ?? 0) < 8 * GiB)
  rows.push(['bench process peak RSS', fmtMiB(peak, 0), '< 8 GiB', verdict(bounded)])
  fig('bench process peak RSS', peak / 2 ** 20, 'MiB', '< 8 GiB', bounded)
  const full = parts.size === PARTS.length
  rows.push(['bench wall time', fmtMs(wall), full ? '< 3 min' : '', full ? verdict(wall < 180_000) : ''])
  fig('bench wall time', wall, 'ms', full ? '< 3 min' : '', full ? wall < 180_000 : null)
  rows.push(['load average at the end (1/5/15 min)', os.loadavg().map((x) => x.toFixed(2)).join(' '), '', ''])
  fig('load average at the end (1 min)', os.loadavg()[0]!, 'processes')
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length)), Math.max(6, ...rows.map((r) => r[2].length))]
  log(`${'figure'.padEnd(w[0]!)}  ${'value'.padEnd(w[1]!)}  ${'target'.padEnd(w[2]!)}  verdict`)
  for (const r of rows) log(`${r[0].padEnd(w[0]!)}  ${r[1].padEnd(w[1]!)}  ${r[2].padEnd(w[2]!)}  ${r[3]}`.trimEnd())
  if (json) {
    writeFileSync(json, JSON.stringify(figures, null, 2) + '\n')
    log(`\nwrote ${figures.length} figures to ${json}`)
  }
}

/** decode / raw of the worst of the interleaved runs (each run's own pair) */
function worstRatio(kp: KpageResult): number {
  return Math.min(...kp.rawMs.map((raw, i) => raw / kp.decodeMs[i]!))
}

/** Part 3 for one size in a child process (256 GiB, 1 TiB). */
async function runCompactionChild(bytes: number, runs: number): Promise<CompactionBench> {
  const script = fileURLToPath(new URL('./compaction-child.ts', import.meta.url))
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, String(bytes), String(runs)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += String(d) })
    child.stderr.on('data', (d: Buffer) => { err += String(d) })
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS * 2)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (line) resolve(JSON.parse(line.slice(7)) as CompactionBench)
      else reject(new Error(`child exited (${signal ?? code}): ${err.trim().split('\n').slice(-2).join(' | ')}`))
    })
  })
}

/**
 * bench/synth-child.ts bundled by esbuild into `dir`, as scripts/build-cli.mjs and electron-vite
 * bundle the engine the CLI and the app run: constant enums (PageKind) inlined across modules,
 * which tsx's file-by-file transform leaves as property reads (the same 64 GiB synthesis: about
 * 15 % slower from the tsx source). Null when esbuild fails: the children then run the source.
 */
async function bundledSynthChild(dir: string): Promise<string | null> {
  const outfile = join(dir, 'synth-child.mjs')
  try {
    await build({ entryPoints: [fileURLToPath(new URL('./synth-child.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent' })
    return outfile
  } catch {
    return null
  }
}

/** Part 1 for one size in a child process (the bundled child script, else the source); reports a crash instead of sharing it. */
async function runChild(bytes: number, runs: number, bundled: string | null = null): Promise<SizeOutcome> {
  const machine = syntheticMachine(bytes, MACHINE_SEED)
  const projectedBytes = projectedMemoryBytes(machine)
  const script = bundled ?? fileURLToPath(new URL('./synth-child.ts', import.meta.url))
  const t0 = now()
  const child = spawn(process.execPath, [...process.execArgv, script, String(bytes), String(runs), 'check'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let hwm = 0
  const statusFile = `/proc/${child.pid}/status`
  const poll = setInterval(() => {
    try {
      if (!existsSync(statusFile)) return
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(statusFile, 'utf8'))
      if (m) hwm = Math.max(hwm, Number(m[1]) * 1024)
    } catch {
      // the child just exited
    }
  }, 100)
  let result: SynthResult | null = null
  let stderr = ''
  let buf = ''
  let killedForTime = false
  const timer = setTimeout(() => {
    killedForTime = true
    child.kill('SIGKILL')
  }, CHILD_TIMEOUT_MS)
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s: string) => {
    buf += s
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as SynthResult
      else log(line)
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (s: string) => { stderr += s })
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (c, sg) => resolve({ code: c, signal: sg }))
  })
  clearInterval(poll)
  clearTimeout(timer)
  const wallMs = now() - t0
  const res = result as SynthResult | null
  if (res) hwm = Math.max(hwm, res.peakRss)
  let failure: string | null = null
  if (!res) {
    const fatal = stderr.split('\n').map((l) => l.replace(/^#\s*/, '').trim()).filter((l) => /fatal|error|heap|allocation/i.test(l))
    failure = killedForTime
      ? `killed after ${CHILD_TIMEOUT_MS / 1000} s (time limit of the bench)`
      : `child exited (${signal ? `signal ${signal}` : `code ${code}`}) after ${fmtMs(wallMs)}: ${fatal.slice(0, 2).join(' | ') || stderr.trim().split('\n').slice(-3).join(' | ')}`
    if (/GrowArrayElements/.test(stderr)) {
      failure += ' [in Runtime_GrowArrayElements: a JS array grew past V8\'s element limit (~1.3e8 elements), which no --max-old-space-size lifts;' +
        ' diagnosed cause: fillUsed() in engine/reconstruct/synthesize.ts pushes every used Movable/Unmovable PFN into `used: number[]` to pick the pcp pages]'
    }
  }
  return { bytes, runs, result: res, failure, projectedBytes, childPeakRss: hwm || null, wallMs }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exitCode = 1
})
