/**
 * The `buddyscope` command line: argv to the host layer's calls, answers as text or JSON.
 * Exit codes: 0 ok, 1 bad input (message on stderr), 2 usage (the command's usage on stderr).
 * `buddyscope serve` is its own host (serve/main.ts); bin/buddyscope.mjs picks it.
 */
import { parseArgs } from 'node:util'
import type { WhatifCompactRequest } from '../contract/schemas.ts'
import type { LayoutChoice } from '../host/load.ts'
import { argvMessage } from '../host/argv_message.ts'
import type { Target } from '../host/workers/jobs.ts'
import { COMMON_FLAGS, COMMAND_FLAGS, USAGE, commandUsage, type CommandName } from './usage.ts'

/**
 * The modules the commands run on, imported once a command is about to run: `--help` and usage
 * errors load none of them (the CLI starts in a fraction of the time).
 */
async function commandModules() {
  const [engine, schemas, load, snapshot, summary, compact, inspect, whatif, whatifContig] = await Promise.all([
    import('../engine/index.ts'), import('../contract/schemas.ts'), import('../host/load.ts'), import('../host/snapshot.ts'),
    import('../host/summary.ts'), import('../host/whatif/compact.ts'), import('./commands/inspect.ts'), import('./commands/whatif.ts'),
    import('./commands/whatif_contig.ts'),
  ])
  return {
    formatBuddyinfo: engine.formatBuddyinfo, formatPagetypeinfo: engine.formatPagetypeinfo, formatExtfragIndex: engine.formatExtfragIndex,
    formatUnusableIndex: engine.formatUnusableIndex, modelBuddyinfo: engine.modelBuddyinfo, modelPagetypeinfo: engine.modelPagetypeinfo,
    modelFragIndex: engine.modelFragIndex, whatifCompactSchema: schemas.whatifCompactSchema, whatifContigSchema: schemas.whatifContigSchema,
    loadSnapshot: load.loadSnapshot, OpenedPath: snapshot.OpenedPath, inspectJson: summary.inspectJson, WhatifRequestError: compact.WhatifRequestError,
    inspectText: inspect.inspectText, parsePinned: whatif.parsePinned, parseStrategy: whatif.parseStrategy, whatifCompactText: whatif.whatifCompactText,
    WhatifUsageError: whatif.WhatifUsageError, contigRequest: whatifContig.contigRequest, whatifContigText: whatifContig.whatifContigText,
    // the report and its charts (echarts) load only for `report`
    reportCommand: async (a: Parameters<typeof import('./commands/report.ts').reportCommand>[0]) => (await import('./commands/report.ts')).reportCommand(a),
  }
}

type CommandModules = Awaited<ReturnType<typeof commandModules>>

class UsageError extends Error {
  constructor(message: string, readonly command: CommandName | null) {
    super(message)
  }
}

interface Out {
  out: (s: string) => void
  err: (s: string) => void
}

const PROC_FILES = ['buddyinfo', 'pagetypeinfo', 'extfrag_index', 'unusable_index'] as const

const OPTIONS = {
  json: { type: 'boolean' },
  capture: { type: 'string' },
  layout: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  node: { type: 'string' },
  zone: { type: 'string' },
  order: { type: 'string' },
  full: { type: 'boolean' },
  mode: { type: 'string' },
  strategy: { type: 'string' },
  seeds: { type: 'string' },
  pinned: { type: 'string' },
  proactive: { type: 'string' },
  cpu: { type: 'string' },
  pages: { type: 'string' },
  size: { type: 'string' },
  align: { type: 'string' },
  area: { type: 'string' },
  base: { type: 'string' },
  count: { type: 'string' },
  'order-per-bit': { type: 'string' },
  'no-compact': { type: 'boolean' },
  gfp: { type: 'string' },
  enabled: { type: 'string' },
  defrag: { type: 'string' },
  madvised: { type: 'boolean' },
  faults: { type: 'string' },
  movablecore: { type: 'string' },
  kernelcore: { type: 'string' },
  'migrate-before-pin': { type: 'string' },
  'pin-placement': { type: 'string' },
  to: { type: 'string' },
  text: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  csv: { type: 'boolean' },
  'summary-only': { type: 'boolean' },
  whatif: { type: 'string', multiple: true },
  diff: { type: 'string' },
  format: { type: 'string' },
  timeline: { type: 'boolean' },
  top: { type: 'string' },
  ndjson: { type: 'boolean' },
  workers: { type: 'string' },
  by: { type: 'string' },
  trace: { type: 'string' },
} as const

export async function main(argv: string[], io: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  try {
    return await run(argv, io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`buddyscope: ${e.message}\n\n${e.command ? commandUsage(e.command) : USAGE}`)
      return 2
    }
    if (e instanceof Error) {
      io.err(`buddyscope: ${e.message}\n`)
      return 1
    }
    io.err(`buddyscope: ${String(e)}\n`)
    return 1
  }
}

/** The command a positional list names (whatif takes its kind as the second word). */
function commandOf(positionals: string[]): CommandName | null {
  const [cmd, kind] = positionals
  if (cmd === 'inspect' || cmd === 'proc' || cmd === 'capture-script' || cmd === 'report') return cmd
  if (cmd === 'diff' || cmd === 'timeline') return cmd
  if (cmd === 'trace' || cmd === 'fleet') return cmd
  if (cmd === 'polluters') return cmd
  if (cmd === 'whatif' && (kind === 'compact' || kind === 'cma' || kind === 'hugetlb' || kind === 'contig' || kind === 'thp')) return `whatif ${kind}`
  return null
}

/** A schema's first complaint, in the CLI's words (--flag: reason). */
function schemaMessage(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, flagOf: Record<string, string>): string {
  const i = issues[0]
  if (!i) return 'invalid arguments'
  const key = String(i.path[0] ?? '')
  return `${flagOf[key] ?? (key ? `--${key}` : 'arguments')}: ${i.message}`
}

async function run(argv: string[], io: Out): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, allowNegative: false, options: OPTIONS, strict: true, tokens: true })
  } catch (e) {
    throw new UsageError(argvMessage((e as Error).message, argv), commandOf(argv.filter((a) => !a.startsWith('-'))))
  }
  const { values, positionals, tokens } = parsed
  const [cmd, ...rest] = positionals
  if (values.help || cmd === 'help' || cmd === undefined) {
    const which = commandOf(cmd === 'help' ? rest : positionals)
    if (cmd === undefined && !values.help) {
      io.err(USAGE)
      return 2
    }
    io.out(which ? commandUsage(which) : USAGE)
    return 0
  }
  const command = commandOf(positionals)
  if (!command) {
    if (cmd === 'whatif') {
      const kind = rest[0]
      throw new UsageError(kind === undefined ? 'whatif needs a kind: compact, cma, hugetlb, contig or thp' : `unknown what-if "${kind}" (compact, cma, hugetlb, contig, thp)`, null)
    }
    if (cmd === 'serve') throw new UsageError('serve is started by the buddyscope command itself (bin/buddyscope.mjs), not by this entry', null)
    throw new UsageError(`unknown command "${cmd}"`, null)
  }
  if (command === 'capture-script') return captureScript(rest, values.output, tokens ?? [], io)
  // every flag given must be one of this command's
  const allowed = new Set([...COMMON_FLAGS, ...COMMAND_FLAGS[command]])
  for (const t of tokens ?? []) {
    if (t.kind === 'option' && !allowed.has(t.name)) throw new UsageError(`${command} takes no --${t.name}${command === 'report' ? ` (a what-if's flags go inside --whatif's quotes: --whatif "cma --size 64M")` : ''}`, command)
  }
  if (command === 'timeline') return timelineCommand(rest, values, io)
  if (command === 'trace') return traceCommand(rest, values, io)
  if (command === 'fleet') return fleetCommand(rest, values, io)
  const {
    formatBuddyinfo, formatPagetypeinfo, formatExtfragIndex, formatUnusableIndex, modelBuddyinfo, modelPagetypeinfo, modelFragIndex,
    whatifCompactSchema, whatifContigSchema, loadSnapshot, OpenedPath, inspectJson, WhatifRequestError, inspectText, whatifCompactText,
    WhatifUsageError, contigRequest, whatifContigText, reportCommand,
  } = modules = await commandModules()
  const layout = (values.layout ?? 'auto') as LayoutChoice
  if (!['auto', 'exact', 'synthesized'].includes(layout)) throw new UsageError(`--layout must be auto, exact or synthesized, not "${values.layout}"`, command)
  const seedText = values.seed ?? '1'
  if (!/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to 4294967295, not "${seedText}"`, command)
  const seed = Number(seedText)
  const load = (p: string) => loadSnapshot(p, { layout, seed, ...(values.capture ? { capture: values.capture } : {}) })
  switch (command) {
    case 'inspect': {
      if (rest.length !== 1) throw new UsageError('inspect takes exactly one snapshot', command)
      const s = await load(rest[0]!)
      io.out(values.json ? JSON.stringify(inspectJson(s), null, 2) + '\n' : inspectText(s))
      return 0
    }
    case 'proc': {
      if (rest.length !== 2) throw new UsageError('proc takes a snapshot and a file name', command)
      const file = rest[1] as (typeof PROC_FILES)[number]
      if (!PROC_FILES.includes(file)) throw new UsageError(`proc prints ${PROC_FILES.join(', ')}; not "${rest[1]}"`, command)
      const m = (await load(rest[0]!)).model
      if (file === 'buddyinfo') io.out(formatBuddyinfo(modelBuddyinfo(m)))
      else if (file === 'pagetypeinfo') io.out(formatPagetypeinfo(modelPagetypeinfo(m)))
      else if (file === 'extfrag_index') io.out(formatExtfragIndex(modelFragIndex(m, 'extfrag')))
      else io.out(formatUnusableIndex(modelFragIndex(m, 'unusable')))
      return 0
    }
    case 'diff': {
      if (values.json && values.text) throw new UsageError('--json and --text exclude each other', command)
      if (rest.length < 1 || rest.length > 2) throw new UsageError('diff takes two snapshots, or one series', command)
      const { diffPaths, DiffRequestError } = await import('../host/diff.ts')
      const { diffText } = await import('./commands/diff.ts')
      try {
        const d = await diffPaths(rest, { layout, seed, ...(values.capture ? { capture: values.capture } : {}), ...(values.to ? { to: values.to } : {}) })
        io.out(values.json ? JSON.stringify(d, null, 2) + '\n' : diffText(d))
      } catch (e) {
        if (e instanceof DiffRequestError) throw new UsageError(e.message, command)
        throw e
      }
      return 0
    }
    case 'polluters': {
      if (values.json && values.text) throw new UsageError('--json and --text exclude each other', command)
      if (rest.length !== 1) throw new UsageError('polluters takes exactly one snapshot', command)
      const by = values.by ?? 'stack'
      if (by !== 'stack' && by !== 'comm') throw new UsageError(`--by must be stack or comm, not "${by}"`, command)
      const topText = values.top
      if (topText !== undefined && (!/^\d+$/.test(topText) || Number(topText) < 1 || Number(topText) > 1e6)) throw new UsageError(`--top must be an integer from 1 to 1000000, not "${topText}"`, command)
      if (layout === 'synthesized') throw new UsageError('polluters places page_owner on the exact layout; --layout synthesized has no PFNs to place it on', command)
      const { loadPolluters } = await import('../host/polluters.ts')
      const { pollutersJson, pollutersText } = await import('./commands/polluters.ts')
      const r = await loadPolluters(rest[0]!, { by, ...(values.capture ? { capture: values.capture } : {}) })
      const top = topText !== undefined ? Number(topText) : null
      io.out(values.json ? JSON.stringify(pollutersJson(r, top), null, 2) + '\n' : pollutersText(r, top ?? 20))
      return 0
    }
    case 'report': {
      if (rest.length !== 1) throw new UsageError(`report takes exactly one snapshot${rest.length > 1 ? ` (a what-if's flags go inside --whatif, e.g. --whatif "cma --size 64M")` : ''}`, command)
      try {
        return await reportCommand({ snapshot: rest[0]!, values, layout, seed, compactRequest, out: io.out })
      } catch (e) {
        if (e instanceof WhatifRequestError || e instanceof WhatifUsageError) throw new UsageError(e.message, command)
        throw e
      }
    }
    default: {
      const [, path, ...more] = rest
      if (!path || more.length) throw new UsageError(`${command} takes exactly one snapshot`, command)
      const target: Target = { path, layout, seed, ...(values.capture ? { capture: values.capture } : {}) }
      const opened = new OpenedPath(path)
      try {
        if (command === 'whatif compact') {
          // a WhatifUsageError from the flags becomes a usage error below
          const checked = whatifCompactSchema.safeParse(compactRequest(values))
          if (!checked.success) throw new UsageError(schemaMessage(checked.error.issues, { proactive: '--proactive', order: '--order', seeds: '--seeds', cpu: '--cpu', node: '--node' }), command)
          const { whatifCompact } = await import('../host/whatif/compact.ts')
          const seeds = checked.data.seeds ?? 1
          const pool = seeds > 1 ? new (await import('../host/workers/pool.ts')).EnginePool() : null
          try {
            const j = await whatifCompact(target, checked.data, { opened, ...(pool ? { runSeeds: (jobs) => pool.runSeeds(jobs) } : {}) })
            io.out(values.json ? JSON.stringify(j, null, 2) + '\n' : whatifCompactText(j))
          } finally {
            await pool?.destroy()
          }
          return 0
        }
        const kind = command.slice('whatif '.length) as 'cma' | 'hugetlb' | 'contig' | 'thp'
        const checked = whatifContigSchema.safeParse(contigRequest(kind, values))
        if (!checked.success) throw new UsageError(schemaMessage(checked.error.issues, { sizeBytes: '--size', hugeSizeBytes: '--size', areaCount: '--count', basePfn: '--base' }), command)
        const { whatifContig, contigJsonOut } = await import('../host/whatif/contig.ts')
        const j = await whatifContig(target, checked.data, opened)
        io.out(values.json ? JSON.stringify(contigJsonOut(j), null, 2) + '\n' : whatifContigText(j))
        return 0
      } catch (e) {
        if (e instanceof WhatifRequestError || e instanceof WhatifUsageError) throw new UsageError(e.message, command)
        throw e
      } finally {
        await opened.close()
      }
    }
  }
}

/** `capture-script [-o FILE]`: the capture tool's text on stdout, or saved as an executable FILE. */
async function captureScript(rest: string[], output: string | undefined, tokens: ReadonlyArray<{ kind: string; name?: string }>, io: Out): Promise<number> {
  for (const t of tokens) {
    if (t.kind === 'option' && t.name !== 'output' && t.name !== 'help') throw new UsageError(`capture-script takes no --${t.name}`, 'capture-script')
  }
  if (rest.length) throw new UsageError(`capture-script takes no arguments (found "${rest[0]}")`, 'capture-script')
  const { readCaptureScript } = await import('../host/capture_script.ts')
  const text = await readCaptureScript()
  if (output === undefined) {
    io.out(text)
    return 0
  }
  const { writeFile, chmod } = await import('node:fs/promises')
  try {
    await writeFile(output, text, { mode: 0o755 })
    await chmod(output, 0o755)
  } catch (err) {
    throw new Error(`${output}: cannot write the capture script (${(err as { code?: string }).code ?? String(err)})`, { cause: err })
  }
  io.err(`wrote ${output} (run it on the machine to capture, as root: sudo sh ${output} -h)\n`)
  return 0
}

/** `buddyscope timeline <series> [<bundle> …] [--json | --csv] [--summary-only]` */
async function timelineCommand(paths: string[], values: Record<string, string | boolean | string[] | undefined>, io: Out): Promise<number> {
  for (const f of ['capture', 'layout', 'seed'] as const) {
    if (values[f] !== undefined) throw new UsageError(`timeline takes no --${f} (it reads every capture of the series)`, 'timeline')
  }
  if (paths.length === 0) throw new UsageError('timeline needs a series (or several bundles of one machine)', 'timeline')
  if (values['json'] && values['csv']) throw new UsageError('--json and --csv exclude each other', 'timeline')
  const { loadTimeline, timelineCsv } = await import('../host/timeline.ts')
  const { timelineText } = await import('./commands/timeline.ts')
  const tracePath = values['trace']
  if (tracePath !== undefined && (typeof tracePath !== 'string' || tracePath === '')) throw new UsageError('--trace needs a trace file (ftrace, trace-cmd report or perf script text)', 'timeline')
  if (tracePath !== undefined && values['csv']) throw new UsageError('--trace and --csv exclude each other (--json carries the fallbacks per interval)', 'timeline')
  const t = await loadTimeline(paths, { summaryOnly: values['summary-only'] === true })
  if (tracePath !== undefined) {
    const { loadTrace, traceOnTimeline } = await import('../host/trace.ts')
    const { timelineTraceText } = await import('./commands/timeline.ts')
    const tt = traceOnTimeline(t.points, await loadTrace(tracePath))
    io.out(values['json'] ? JSON.stringify({ ...t, trace: tt }, null, 2) + '\n' : timelineText(t) + timelineTraceText(tt, t.pageSize))
    return 0
  }
  io.out(values['json'] ? JSON.stringify(t, null, 2) + '\n' : values['csv'] ? timelineCsv(t) : timelineText(t))
  return 0
}

async function traceCommand(paths: string[], values: Record<string, string | boolean | string[] | undefined>, io: Out): Promise<number> {
  for (const f of ['capture', 'layout', 'seed'] as const) if (values[f] !== undefined) throw new UsageError(`trace takes no --${f}`, 'trace')
  if (paths.length !== 1) throw new UsageError('trace takes exactly one trace file', 'trace')
  const topText = values['top']
  if (topText !== undefined && (typeof topText !== 'string' || !/^\d+$/.test(topText) || Number(topText) < 1 || Number(topText) > 100000)) throw new UsageError(`--top must be an integer from 1 to 100000, not "${String(topText)}"`, 'trace')
  const top = topText === undefined ? 10 : Number(topText)
  const { loadTrace } = await import('../host/trace.ts')
  const { traceText } = await import('./commands/trace.ts')
  if (values['json']) {
    const t = await loadTrace(paths[0]!, { maxBlocks: topText === undefined ? undefined : top })
    io.out(JSON.stringify(t, null, 2) + '\n')
  } else {
    io.out(traceText(await loadTrace(paths[0]!), top))
  }
  return 0
}

async function fleetCommand(args: string[], values: Record<string, string | boolean | string[] | undefined>, io: Out): Promise<number> {
  for (const f of ['capture', 'layout', 'seed'] as const) if (values[f] !== undefined) throw new UsageError(`fleet takes no --${f} (each capture opens as it would alone)`, 'fleet')
  if (args.length !== 1) throw new UsageError('fleet takes one folder, glob (quote it) or list file', 'fleet')
  const formats = (['json', 'ndjson', 'csv'] as const).filter((f) => values[f])
  if (formats.length > 1) throw new UsageError(`--${formats.join(' and --')} exclude each other`, 'fleet')
  const w = values['workers']
  if (w !== undefined && (typeof w !== 'string' || !/^\d+$/.test(w) || Number(w) > 256)) throw new UsageError(`--workers must be an integer from 0 to 256, not "${String(w)}"`, 'fleet')
  const { fleetInputs, runFleet, fleetCsvHeader, fleetCsvRow, fleetTextRow, FleetInputError } = await import('../host/fleet.ts')
  let paths: string[]
  try {
    paths = await fleetInputs(args[0]!)
  } catch (e) {
    if (e instanceof FleetInputError) throw new Error(e.message, { cause: e })
    throw e
  }
  const format = formats[0] ?? 'text'
  if (format === 'csv') io.out(fleetCsvHeader())
  if (format === 'json') io.out('[')
  const res = await runFleet(paths, {
    ...(w !== undefined ? { workers: Number(w) } : {}),
    onRow: (r, i) => {
      if (format === 'csv') io.out(fleetCsvRow(r))
      else if (format === 'ndjson') io.out(JSON.stringify(r) + '\n')
      else if (format === 'json') io.out(`${i ? ',' : ''}\n${JSON.stringify(r)}`)
      else io.out(fleetTextRow(r))
    },
  })
  if (format === 'json') io.out('\n]\n')
  if (format === 'text') io.out(`${res.rows} captures, ${res.errors} failed\n`)
  return 0
}

/** the command modules, once run() loaded them (compactRequest is called after that) */
let modules: CommandModules | null = null

/** `whatif compact` flags as its request (ranges are the schema's to check). */
function compactRequest(values: Record<string, string | boolean | string[] | undefined>): WhatifCompactRequest {
  const { parsePinned, parseStrategy, WhatifUsageError } = modules!
  const int = (name: string, max = 2 ** 31): number | undefined => {
    const v = values[name]
    if (typeof v !== 'string') return undefined
    if (!/^\d+$/.test(v) || Number(v) > max) throw new WhatifUsageError(`--${name} must be an integer from 0 to ${max}, not "${v}"`)
    return Number(v)
  }
  if (values['full'] && values['order'] !== undefined) throw new WhatifUsageError('--full and --order exclude each other')
  if (values['proactive'] !== undefined && (values['full'] || values['order'] !== undefined)) throw new WhatifUsageError('--proactive excludes --full and --order')
  const mode = values['mode']
  if (typeof mode === 'string' && !['async', 'sync-light', 'sync'].includes(mode)) throw new WhatifUsageError(`--mode must be async, sync-light or sync, not "${mode}"`)
  const seeds = int('seeds', 256)
  if (seeds !== undefined && seeds < 1) throw new WhatifUsageError('--seeds must be at least 1')
  const node = int('node', 1023)
  const order = int('order', 63)
  const cpu = int('cpu', 8191)
  const proactive = values['proactive'] === 'capture' ? 'capture' as const : int('proactive', 100)
  const zone = values['zone']
  return {
    strategy: parseStrategy(typeof values['strategy'] === 'string' ? values['strategy'] : undefined),
    pinned: parsePinned(typeof values['pinned'] === 'string' ? values['pinned'] : undefined),
    ...(seeds !== undefined ? { seeds } : {}),
    ...(node !== undefined ? { node } : {}),
    ...(typeof zone === 'string' ? { zone } : {}),
    ...(order !== undefined ? { order } : {}),
    ...(typeof mode === 'string' ? { mode: mode as 'async' | 'sync-light' | 'sync' } : {}),
    ...(proactive !== undefined ? { proactive } : {}),
    ...(cpu !== undefined ? { cpu } : {}),
  }
}
