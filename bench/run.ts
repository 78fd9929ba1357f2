/**
 * `npm run bench` (node --expose-gc --import tsx bench/run.ts): performance of the engine on
 * synthetic x86_64 machines of 4 GiB, 64 GiB and 1 TiB. Not part of `npm test`.
 *
 *  1. synthesized reconstruction: synthesizeModel() on a capture of summary files only (time,
 *     model bytes per page, process memory delta, counts reproduced, checkModel);
 *  2. kpageflags throughput on the 64 GiB machine: raw read vs KpageDecoder + ExactLayoutBuilder
 *     classification (and finish() separately);
 *  3. a summary table, one line per figure, with the targets.
 *
 * The 1 TiB size runs in a child process with the same node flags: a V8 fatal error there (it
 * cannot be caught) must not take the rest of the benchmark down with it.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { captureOf, sizeLabel, syntheticMachine } from './capture.ts'
import { benchKpage, writeKpageFiles, type KpageResult } from './kpage.ts'
import { benchSynthesis, describeSynth, projectedMemoryBytes, warmUp, MACHINE_SEED, type SynthResult } from './synth.ts'
import { fmtCount, fmtMiB, fmtMs, fmtSignedMiB, gc, gcExposed, median, now, peakRss, verdict } from './util.ts'
import { benchCompactionSize, type CompactionBench } from './compaction.ts'
import { benchUi, type UiBench } from './ui.ts'
import { benchContig } from './contig.ts'
import { benchBundle, type BundleBench } from './bundle.ts'

const GiB = 2 ** 30
const TARGET_64G_MS = 500
const TARGET_1T_BYTES_PER_PAGE = 1.25
const TARGET_DECODE_RATIO = 0.5
const CHILD_TIMEOUT_MS = 120_000

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

async function main(): Promise<void> {
  const tStart = now()
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  log(`Buddyscope engine benchmark  (node ${process.version}, ${os.cpus().length} × ${cpu.trim()}, ${fmtMiB(os.totalmem(), 0)} RAM, ${os.platform()} ${os.release()})`)
  log(`geometry: 4 KiB pages, pageblock order 9, 11 orders, one node; zones DMA 16 MiB, DMA32 to 4 GiB, Normal above; machine seed ${MACHINE_SEED}`)
  log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes on the machine add noise to the timings)`)
  if (!gcExposed()) log('warning: global.gc is not exposed (run through `npm run bench`); memory deltas include garbage')
  log()

  // ---------------------------------------------------------------- part 1
  log('== 1. Synthesized reconstruction: synthesizeModel(capture of buddyinfo, pagetypeinfo, zoneinfo, meminfo, node0 vmstat) ==')
  log(`warm-up: 4 GiB synthesis once, untimed (${fmtMs(warmUp())})`)
  const outcomes: SizeOutcome[] = []
  let big: Awaited<ReturnType<typeof benchSynthesis>> | null = null
  for (const gib of [4, 64]) {
    const bytes = gib * GiB
    log(`-- ${sizeLabel(bytes)} (${fmtCount(bytes / 4096)} pages)`)
    const t0 = now()
    const r = await benchSynthesis(bytes, { runs: 5, runCheck: true, log })
    const projected = projectedMemoryBytes(r.machine)
    for (const l of describeSynth(r.result, projected)) log(l)
    outcomes.push({ bytes, runs: 5, result: r.result, failure: null, projectedBytes: projected, childPeakRss: null, wallMs: now() - t0 })
    if (gib === 64) big = r
    gc()
  }
  {
    const bytes = 1024 * GiB
    log(`-- ${sizeLabel(bytes)} (${fmtCount(bytes / 4096)} pages), in a child process (same node flags, default heap)`)
    const o = await runChild(bytes, 3)
    outcomes.push(o)
    if (o.result) {
      for (const l of describeSynth(o.result, o.projectedBytes)) log(l)
    } else {
      log(`  FAILED: ${o.failure}`)
      log('  (the model itself is typed arrays, off the JS heap; the child ran with the default heap, and a larger --max-old-space-size would not lift a per-array element limit, so the bench does not re-spawn with one)')
      log(`  model memory projected from the capture's counts (exact for 4 GiB and 64 GiB above): ${fmtMiB(o.projectedBytes)} = ` +
        `${(o.projectedBytes / (bytes / 4096)).toFixed(4)} bytes/page`)
    }
    if (o.childPeakRss !== null) log(`  child peak RSS: ${fmtMiB(o.childPeakRss, 0)}; wall ${fmtMs(o.wallMs)}`)
  }
  log()

  // ---------------------------------------------------------------- part 2
  log('== 2. kpageflags parse throughput, 64 GiB machine ==')
  const dir = mkdtempSync(join(os.tmpdir(), 'buddyscope-bench-'))
  let kp: KpageResult | null = null
  let kpError: string | null = null
  try {
    const src = big!
    const files = writeKpageFiles(src.model, join(dir, 'kpageflags'), join(dir, 'kpagecount'))
    const writeInfo = `${fmtCount(files.entries)} PFNs, ${fmtMiB(files.bytes, 0)} each`
    log(`  wrote kpageflags + kpagecount (${writeInfo}) to ${dir} in ${fmtMs(files.writeMs)}, from the synthesized 64 GiB model`)
    log(`  flag mix: ${Object.entries(files.mix).map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join(', ')}`)
    const capture = captureOf(src.machine, true)
    big = null // drop the synthesized model before the timed runs
    gc()
    kp = await benchKpage(files, capture, src.model, 5, log)
    log(`  (a) raw read, createReadStream highWaterMark 1 MiB:  median ${fmtMs(median(kp.rawMs))} = ${kp.rawMBps.toFixed(0)} MB/s`)
    log(`  (b) decode + classify, KpageDecoder → ExactLayoutBuilder.flagsSink: median ${fmtMs(median(kp.decodeMs))} = ${kp.decodeMBps.toFixed(0)} MB/s`)
    log(`  decode / raw = ${(100 * kp.ratio).toFixed(1)} % (target ≥ ${100 * TARGET_DECODE_RATIO} %): ${verdict(kp.ratio >= TARGET_DECODE_RATIO)}`)
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

  // ---------------------------------------------------------------- part 3
  log('== 3. Full compaction of the largest zone vs a bare two-pointer sweep of the same size ==')
  const compaction: Array<CompactionBench | { bytes: number; failure: string }> = []
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

  // ---------------------------------------------------------------- part 4
  log('== 4. The app in headless Chromium (browser mode, real host) ==')
  let ui: UiBench | null = null
  let uiError: string | null = null
  try {
    ui = await benchUi(log)
  } catch (e) {
    uiError = e instanceof Error ? e.message.split('\n')[0]! : String(e)
    log(`  FAILED: ${uiError}`)
  }
  log()

  log('== 4b. A real capture as a .tar.gz bundle through the service, next to the same capture as a directory ==')
  let bundle: BundleBench | null = null
  try {
    bundle = await benchBundle(join(fileURLToPath(new URL('..', import.meta.url)), 'fixtures'), log)
  } catch (e) {
    log(`  FAILED: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
  }
  log()

  // ---------------------------------------------------------------- part 5
  log('== 5. Contiguous allocations on a fragmented 64 GiB machine, next to its full compaction ==')
  let contigRows: Array<[string, string, string, string]> = []
  try {
    contigRows = (await benchContig(log)).rows
  } catch (e) {
    log(`  FAILED: ${e instanceof Error ? e.message : String(e)}`)
  }
  log()

  // ---------------------------------------------------------------- part 6
  const wall = now() - tStart
  log('== 6. Summary ==')
  const rows: Array<[string, string, string, string]> = []
  for (const o of outcomes) {
    const L = sizeLabel(o.bytes)
    const r = o.result
    const isT = o.bytes === 64 * GiB
    const isB = o.bytes === 1024 * GiB
    if (r) {
      rows.push([`${L} synthesizeModel time (median of ${o.runs})`, fmtMs(r.medianMs), isT ? `≤ ${TARGET_64G_MS} ms` : '', isT ? verdict(r.medianMs <= TARGET_64G_MS) : ''])
      rows.push([`${L} model memory per page`, `${r.bytesPerPage.toFixed(4)} B`, isB ? `≤ ${TARGET_1T_BYTES_PER_PAGE} B` : '', isB ? verdict(r.bytesPerPage <= TARGET_1T_BYTES_PER_PAGE) : ''])
      rows.push([`${L} model memory`, fmtMiB(r.memoryBytes), '', ''])
      rows.push([`${L} RSS / JS heap / ArrayBuffers delta (model alive)`, `${fmtSignedMiB(r.mem.rss)} / ${fmtSignedMiB(r.mem.heapUsed)} / ${fmtSignedMiB(r.mem.arrayBuffers)}`, '', ''])
      if (r.runPeakRss !== null) rows.push([`${L} peak RSS during synthesizeModel`, `${fmtMiB(r.runPeakRss, 0)} (${fmtSignedMiB(r.runPeakOverBase!)})`, '', ''])
      rows.push([`${L} counts reproduced`, r.countsReproduced ? 'yes' : 'no', 'yes', verdict(r.countsReproduced)])
      rows.push([`${L} checkModel(model).length === 0`, r.check.ran ? String(r.check.problems === 0) : 'skipped', r.check.ran ? 'true' : '', r.check.ran ? verdict(r.check.problems === 0) : ''])
    } else {
      rows.push([`${L} synthesizeModel time (median of ${o.runs})`, 'aborted (see above)', isT ? `≤ ${TARGET_64G_MS} ms` : '', isT ? 'FAIL' : ''])
      rows.push([`${L} model memory per page`, `n/a, no model (projected ${(o.projectedBytes / (o.bytes / 4096)).toFixed(4)} B)`, isB ? `≤ ${TARGET_1T_BYTES_PER_PAGE} B` : '', isB ? 'FAIL' : ''])
      rows.push([`${L} counts reproduced`, 'n/a, no model', '', ''])
      rows.push([`${L} checkModel(model).length === 0`, 'n/a, no model', '', ''])
    }
    if (o.childPeakRss !== null) rows.push([`${L} child process peak RSS`, fmtMiB(o.childPeakRss, 0), '', ''])
  }
  if (kp) {
    rows.push(['kpageflags raw read, 64 GiB (MB/s)', `${kp.rawMBps.toFixed(0)} MB/s`, '', ''])
    rows.push(['kpageflags decode + classify (MB/s)', `${kp.decodeMBps.toFixed(0)} MB/s`, '', ''])
    rows.push(['kpageflags decode / raw read', `${(100 * kp.ratio).toFixed(1)} %`, `≥ ${100 * TARGET_DECODE_RATIO} %`, verdict(kp.ratio >= TARGET_DECODE_RATIO)])
    rows.push(['kpagecount decode, 64 GiB (median of 5)', fmtMs(median(kp.countMs)), '', ''])
    rows.push(['ExactLayoutBuilder.finish(), 64 GiB (median of 5)', fmtMs(median(kp.finishMs)), '', ''])
  } else {
    rows.push(['kpageflags decode / raw read', `n/a (${kpError})`, `≥ ${100 * TARGET_DECODE_RATIO} %`, 'FAIL'])
  }
  for (const c of compaction) {
    const L = sizeLabel(c.bytes)
    if ('failure' in c) {
      rows.push([`${L} full compaction / sweep`, `n/a (${c.failure})`, c.bytes === 64 * GiB ? '≤ 3×' : '', c.bytes === 64 * GiB ? 'FAIL' : ''])
      continue
    }
    rows.push([`${L} full compaction of ${c.zone.replace('Node 0, zone ', '')} (median)`, fmtMs(median(c.compactMs)), '', ''])
    rows.push([`${L} full compaction / bare sweep`, `${c.ratio.toFixed(1)}×`, c.bytes === 64 * GiB ? '≤ 3×' : '', c.bytes === 64 * GiB ? verdict(c.ratio <= 3) : ''])
  }
  if (bundle) {
    const r = (a: number, b: number): string => `${a.toFixed(0)} ms vs ${b.toFixed(0)} ms (${(a / b).toFixed(2)}×)`
    rows.push([`service: open ${bundle.capture} as .tar.gz vs directory`, r(bundle.openMs.bundle, bundle.openMs.directory), '', ''])
    rows.push(['service: what-if (full compaction) on it, .tar.gz vs directory', r(bundle.whatifMs.bundle, bundle.whatifMs.directory), '', ''])
    rows.push(['service: what-if with 4 pin seeds on the pool, .tar.gz vs directory', r(bundle.ensembleMs.bundle, bundle.ensembleMs.directory), '', ''])
    rows.push(['service: temp copies of the bundle while open', String(bundle.unpackedCopies), '1', verdict(bundle.unpackedCopies === 1)])
  }
  if (ui) {
    rows.push(['app: open a 64 GiB summary snapshot → its first chart painted', fmtMs(ui.openToChartMs), '≤ 1 s', verdict(ui.openToChartMs <= 1000)])
    rows.push([`app: pageblock map first paint, 1 TiB (${fmtCount(ui.mapPageblocks)} cells)`, `${ui.firstPaintMs.toFixed(1)} ms (${ui.firstPaintRatio.toFixed(1)}× the bare draw's first run)`, '≤ 3× bare', verdict(ui.firstPaintRatio <= 3)])
    rows.push(['app: pageblock map zoom frame, 1 TiB (median)', `${median(ui.zoomMs).toFixed(1)} ms (${ui.zoomRatio.toFixed(1)}× bare, warm)`, '≤ 3× bare', verdict(ui.zoomRatio <= 3)])
    rows.push(['app: bare LUT fill + putImageData + scaled drawImage, same grid', `first ${ui.bareColdMs.toFixed(1)} ms, warm ${ui.bareWarmMs.toFixed(1)} ms`, '', ''])
    rows.push(['app: opening the 1 TiB summary snapshot (host synthesizes it)', fmtMs(ui.openRunMs), '', ''])
  } else {
    rows.push(['app benchmarks (headless Chromium)', `n/a (${uiError})`, '', 'FAIL'])
  }
  rows.push(...contigRows)
  rows.push(['bench process peak RSS', fmtMiB(peakRss(), 0), '< 8 GiB', verdict(peakRss() < 8 * GiB && outcomes.every((o) => (o.childPeakRss ?? 0) < 8 * GiB))])
  rows.push(['bench wall time', fmtMs(wall), '< 3 min', verdict(wall < 180_000)])
  rows.push(['load average at the end (1/5/15 min)', os.loadavg().map((x) => x.toFixed(2)).join(' '), '', ''])
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length)), Math.max(6, ...rows.map((r) => r[2].length))]
  log(`${'figure'.padEnd(w[0]!)}  ${'value'.padEnd(w[1]!)}  ${'target'.padEnd(w[2]!)}  verdict`)
  for (const r of rows) log(`${r[0].padEnd(w[0]!)}  ${r[1].padEnd(w[1]!)}  ${r[2].padEnd(w[2]!)}  ${r[3]}`.trimEnd())
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

/** Part 1 for one size in a child process; reports a crash instead of sharing it. */
async function runChild(bytes: number, runs: number): Promise<SizeOutcome> {
  const machine = syntheticMachine(bytes, MACHINE_SEED)
  const projectedBytes = projectedMemoryBytes(machine)
  const script = fileURLToPath(new URL('./synth-child.ts', import.meta.url))
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
