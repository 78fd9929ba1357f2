/**
 * The `buddyscope` command line. Exit codes: 0 ok, 1 bad input (message on stderr), 2 usage.
 */
import { parseArgs } from 'node:util'
import { formatBuddyinfo, formatPagetypeinfo, formatExtfragIndex, formatUnusableIndex, modelBuddyinfo, modelPagetypeinfo, modelFragIndex, ParseError } from '../engine/index.ts'
import { loadSnapshot, type LayoutChoice } from './host/load.ts'
import { SnapshotError } from './host/snapshot_source.ts'
import { inspectJson, inspectText } from './commands/inspect.ts'

const USAGE = `Usage: buddyscope <command> [options]

Commands:
  inspect <snapshot> [--json]                 machine, zones, free areas, pageblocks, indices, findings
  proc <snapshot> <file>                      re-print a /proc or debugfs file from the model:
                                              buddyinfo | pagetypeinfo | extfrag_index | unusable_index
  whatif compact <snapshot> [--node N] [--zone NAME] [--order K | --full]
         [--mode async|sync-light|sync] [--proactive P|capture] [--strategy W,..] [--seeds N]
         [--pinned P] [--cpu N] [--json]
                                              what compaction would produce now (--cpu: the CPU it
                                              runs on, whose per-cpu lists it churns); for a capture
                                              followed by a compaction trigger, predicted vs real
  whatif cma <snapshot> --pages N | --size SIZE [--align ORDER] [--area NAME | --base PFN --count PAGES]
  whatif hugetlb <snapshot> --count N [--size 2M|1G|64K|32M] [--no-compact]
  whatif contig <snapshot> --size SIZE [--gfp kernel|movable]
  whatif thp <snapshot> [--defrag always|defer|defer+madvise|madvise|never] [--madvised] [--faults N]
         [--pinned P] [--migrate-before-pin on|off] [--movablecore SIZE|N% | --kernelcore SIZE|N%]
         [--seeds N] [--json]                 contiguous allocations (kernel 6.1 rules): the verdict,
                                              the windows tried and the pages blocking them;
                                              --movablecore re-runs the layout with ZONE_MOVABLE
  serve [snapshot] [--port N]                 the app in a browser: a host on 127.0.0.1 only, with a
                                              random access token in the URL it prints
  help                                        this text

A <snapshot> is a capture directory, a .tar.gz/.tgz bundle, a single captured file, or a
directory of numbered captures (a series; the "before" capture is used unless --capture says).

Options:
  --capture LABEL     which capture of a series (e.g. 03-after-compact-node, or 3)
  --layout MODE       auto (exact when kpageflags is present) | exact | synthesized
  --seed N            seed of a synthesized layout (default 1)
  --json              machine-readable output
  --pinned P          pinned-page assumption of a what-if: auto (the capture's workload log, else
                      none) | none | N pages | F% of anonymous pages | @FILE of PFNs
  --strategy W,..     fast-free|no-fast-free, fast-migrate|no-fast-migrate,
                      skip-bits|ignore-skip-bits, scan-unmovable|no-scan-unmovable
  --seeds N           run N seeds (layout seeds when synthesized, pin seeds when exact) on worker
                      threads and report the median and a 90% band
`

class UsageError extends Error {}

interface Out {
  out: (s: string) => void
  err: (s: string) => void
}

const PROC_FILES = ['buddyinfo', 'pagetypeinfo', 'extfrag_index', 'unusable_index'] as const

export async function main(argv: string[], io: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  try {
    return await run(argv, io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`buddyscope: ${e.message}\n\n${USAGE}`)
      return 2
    }
    if (e instanceof ParseError || e instanceof SnapshotError) {
      io.err(`buddyscope: ${e.message}\n`)
      return 1
    }
    if (e instanceof Error) {
      io.err(`buddyscope: ${e.message}\n`)
      return 1
    }
    io.err(`buddyscope: ${String(e)}\n`)
    return 1
  }
}

async function run(argv: string[], io: Out): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        capture: { type: 'string' },
        layout: { type: 'string', default: 'auto' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h', default: false },
        port: { type: 'string', default: '0' },
        node: { type: 'string' },
        zone: { type: 'string' },
        order: { type: 'string' },
        full: { type: 'boolean', default: false },
        mode: { type: 'string' },
        strategy: { type: 'string' },
        seeds: { type: 'string', default: '1' },
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
        'no-compact': { type: 'boolean', default: false },
        gfp: { type: 'string' },
        defrag: { type: 'string' },
        madvised: { type: 'boolean', default: false },
        faults: { type: 'string' },
        movablecore: { type: 'string' },
        kernelcore: { type: 'string' },
        'migrate-before-pin': { type: 'string' },
        'pin-placement': { type: 'string' },
      },
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const { values, positionals } = parsed
  const [cmd, ...rest] = positionals
  if (values.help || cmd === 'help' || cmd === undefined) {
    if (cmd === undefined && !values.help) {
      io.err(USAGE)
      return 2
    }
    io.out(USAGE)
    return 0
  }
  const layout = values.layout as LayoutChoice
  if (!['auto', 'exact', 'synthesized'].includes(layout)) throw new UsageError(`--layout must be auto, exact or synthesized, not "${values.layout}"`)
  if (!/^\d+$/.test(values.seed ?? '') || Number(values.seed) > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to 4294967295, not "${values.seed}"`)
  const seed = Number(values.seed)
  const load = (p: string) => loadSnapshot(p, { layout, seed, ...(values.capture ? { capture: values.capture } : {}) })
  switch (cmd) {
    case 'inspect': {
      if (rest.length !== 1) throw new UsageError('inspect takes exactly one snapshot')
      const s = await load(rest[0]!)
      io.out(values.json ? JSON.stringify(inspectJson(s), null, 2) + '\n' : inspectText(s))
      return 0
    }
    case 'proc': {
      if (rest.length !== 2) throw new UsageError('proc takes a snapshot and a file name')
      const file = rest[1] as (typeof PROC_FILES)[number]
      if (!PROC_FILES.includes(file)) throw new UsageError(`proc prints ${PROC_FILES.join(', ')}; not "${rest[1]}"`)
      const s = await load(rest[0]!)
      const m = s.model
      if (file === 'buddyinfo') io.out(formatBuddyinfo(modelBuddyinfo(m)))
      else if (file === 'pagetypeinfo') io.out(formatPagetypeinfo(modelPagetypeinfo(m)))
      else if (file === 'extfrag_index') io.out(formatExtfragIndex(modelFragIndex(m, 'extfrag')))
      else io.out(formatUnusableIndex(modelFragIndex(m, 'unusable')))
      return 0
    }
    case 'whatif': {
      const [kind, path, ...more] = rest
      if (kind === 'cma' || kind === 'hugetlb' || kind === 'contig' || kind === 'thp') {
        if (!path || more.length) throw new UsageError(`whatif ${kind} takes exactly one snapshot`)
        const { runWhatifContigCli, ContigUsageError } = await import('./commands/whatif_contig.ts')
        const { WhatifUsageError } = await import('./commands/whatif.ts')
        try {
          return await runWhatifContigCli(kind, path, values, { layout, seed }, io.out)
        } catch (e) {
          if (e instanceof ContigUsageError || e instanceof WhatifUsageError) throw new UsageError(e.message)
          throw e
        }
      }
      if (kind !== 'compact') throw new UsageError(kind === undefined ? 'whatif needs a kind: compact, cma, hugetlb, contig or thp' : `unknown what-if "${kind}" (compact, cma, hugetlb, contig, thp)`)
      if (values.movablecore !== undefined || values.kernelcore !== undefined) throw new UsageError('--movablecore/--kernelcore apply to whatif cma, hugetlb, contig and thp (not compact)')
      if (!path || more.length) throw new UsageError('whatif compact takes exactly one snapshot')
      const int = (name: string, v: string | undefined, max = 2 ** 31): number | undefined => {
        if (v === undefined) return undefined
        if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`--${name} must be an integer from 0 to ${max}, not "${v}"`)
        return Number(v)
      }
      if (values.full && values.order !== undefined) throw new UsageError('--full and --order exclude each other')
      const mode = values.mode
      if (mode !== undefined && !['async', 'sync-light', 'sync'].includes(mode)) throw new UsageError(`--mode must be async, sync-light or sync, not "${mode}"`)
      const seeds = int('seeds', values.seeds, 256)!
      if (seeds < 1) throw new UsageError('--seeds must be at least 1')
      const { whatifCompact, whatifCompactText, parseStrategy, parsePinned, WhatifUsageError } = await import('./commands/whatif.ts')
      let strategy
      let pinned
      try {
        strategy = parseStrategy(values.strategy)
        pinned = parsePinned(values.pinned)
      } catch (e) {
        if (e instanceof WhatifUsageError) throw new UsageError(e.message)
        throw e
      }
      const node = int('node', values.node, 1023)
      if (values.proactive !== undefined && (values.full || values.order !== undefined)) throw new UsageError('--proactive excludes --full and --order')
      const proactive = values.proactive === undefined ? undefined : values.proactive === 'capture' ? 'capture' as const : int('proactive', values.proactive, 100)
      const order = int('order', values.order, 63)
      const cpu = int('cpu', values.cpu, 8191)
      const { tsxWorker } = await import('./host/tsx_worker.ts')
      let j
      try {
        j = await whatifCompact({
        path, layout, seed, seeds, strategy, pinned,
        ...(values.capture ? { capture: values.capture } : {}),
        ...(node !== undefined ? { node } : {}),
        ...(values.zone ? { zone: values.zone } : {}),
        ...(order !== undefined ? { order } : {}),
        ...(mode ? { mode: mode as 'async' | 'sync-light' | 'sync' } : {}),
        ...(proactive !== undefined ? { proactive } : {}),
        ...(cpu !== undefined ? { cpu } : {}),
      }, tsxWorker)
      } catch (e) {
        if (e instanceof WhatifUsageError) throw new UsageError(e.message)
        throw e
      }
      if (values.json) io.out(JSON.stringify(j, null, 2) + '\n')
      else io.out(whatifCompactText(j))
      return 0
    }
    case 'serve': {
      if (rest.length > 1) throw new UsageError('serve takes at most one snapshot')
      if (!/^\d+$/.test(values.port ?? '') || Number(values.port) > 65535) throw new UsageError(`--port must be 0..65535, not "${values.port}"`)
      const { serve } = await import('./commands/serve.ts')
      const s = await serve({ snapshot: rest[0] ?? null, port: Number(values.port), log: io.err })
      io.out(`Buddyscope is serving on ${s.url}\n(127.0.0.1 only; the token in the URL is the key. Ctrl-C stops it.)\n`)
      await new Promise<void>((done) => {
        const stop = (): void => {
          void s.close().then(done)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      return 0
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`)
  }
}
