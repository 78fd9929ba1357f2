/**
 * The `buddyscope` command as a user starts it (node bin/buddyscope.mjs, no loader flags):
 *  - start-up: `--help`, and a usage error (an unknown command, exit 2), median of 5 each;
 *  - a capture of a 24 GiB machine with kpageflags (fixtures/host-24G-k618-a, exact layout):
 *    `inspect` and `whatif compact --seeds 4`, wall time and the process's peak RSS.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runTimed, type ChildRun } from './spawn.ts'
import { median } from './util.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'buddyscope.mjs')
export const OWN_CAPTURE = 'host-24G-k618-a'

export interface CliStart {
  helpMs: number[]
  usageErrorMs: number[]
  /** `node -e 0` in the same loop: what any node command costs to start on this machine now */
  bareNodeMs: number[]
}

/**
 * dist-cli/ brought up to date first (scripts/build-cli.mjs, as `npm install`'s prepare step and
 * `npm run build` do): with a source edited after the last build, bin/buddyscope.mjs would run the
 * TypeScript through tsx, and the bench would time that fallback instead of the command users run.
 */
export async function buildCli(log: (l: string) => void): Promise<void> {
  const r = await runTimed(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')])
  if (r.code !== 0) throw new Error(`scripts/build-cli.mjs exited ${r.code}: ${r.stderr.trim().split('\n').slice(0, 2).join(' | ')}`)
  log(`  dist-cli/ built (scripts/build-cli.mjs, as npm install does) in ${r.ms.toFixed(0)} ms`)
}

/** `buddyscope ARGS` with plain node; throws when it exits with another code than `want`. */
export async function cli(args: string[], want = 0): Promise<ChildRun> {
  const r = await runTimed(process.execPath, [BIN, ...args])
  if (r.code !== want) throw new Error(`buddyscope ${args.join(' ')} exited ${r.code} (expected ${want}): ${r.stderr.trim().split('\n').slice(0, 2).join(' | ')}`)
  return r
}

export async function benchCliStart(log: (l: string) => void, runs = 5): Promise<CliStart> {
  await cli(['--help']) // warm the file cache
  const helpMs: number[] = []
  const usageErrorMs: number[] = []
  const bareNodeMs: number[] = []
  for (let i = 0; i < runs; i++) {
    helpMs.push((await cli(['--help'])).ms)
    usageErrorMs.push((await cli(['no-such-command'], 2)).ms)
    bareNodeMs.push((await runTimed(process.execPath, ['-e', '0'])).ms)
  }
  log(`  buddyscope --help: median ${median(helpMs).toFixed(0)} ms (${helpMs.map((x) => x.toFixed(0)).join(', ')}); ` +
    `a usage error: median ${median(usageErrorMs).toFixed(0)} ms (${usageErrorMs.map((x) => x.toFixed(0)).join(', ')}); ` +
    `bare \`node -e 0\`: median ${median(bareNodeMs).toFixed(0)} ms`)
  return { helpMs, usageErrorMs, bareNodeMs }
}

export interface OwnCapture {
  inspect: ChildRun
  whatif: ChildRun
}

export async function benchOwnCapture(log: (l: string) => void): Promise<OwnCapture> {
  const path = join(ROOT, 'fixtures', OWN_CAPTURE)
  const inspect = await cli(['inspect', path, '--layout', 'exact'])
  const mib = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`)
  const cpu = (ms: number | null): string => (ms === null ? 'n/a' : `${ms.toFixed(0)} ms`)
  log(`  ${OWN_CAPTURE} (exact, from kpageflags): inspect ${inspect.ms.toFixed(0)} ms, peak RSS ${mib(inspect.peakRss)}, CPU ${cpu(inspect.cpuMs)}`)
  const whatif = await cli(['whatif', 'compact', path, '--layout', 'exact', '--seeds', '4', '--json'])
  log(`  ${OWN_CAPTURE}: whatif compact --seeds 4 ${whatif.ms.toFixed(0)} ms, peak RSS ${mib(whatif.peakRss)}, CPU ${cpu(whatif.cpuMs)}`)
  return { inspect, whatif }
}
