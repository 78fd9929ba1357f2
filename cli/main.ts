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
  serve [snapshot] [--port N]                 the app in a browser: a host on 127.0.0.1 only, with a
                                              random access token in the URL it prints
  help                                        this text

A <snapshot> is a capture directory, a .tar.gz/.tgz bundle, a single captured file, or a
directory of numbered captures (a series; the "before" capture is used unless --capture says).

Options:
  --capture LABEL     which capture of a series (e.g. 03-after-compact-node, or 3)
  --layout MODE       auto (exact when kpageflags is present) | exact | synthesized
  --seed N            seed of a synthesized layout (default 1)
  --json              machine-readable output (inspect)
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
