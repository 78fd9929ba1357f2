/**
 * The precompiled CLI (scripts/build-cli.mjs, npm's prepare step): built into a folder of its
 * own, its entry answers exactly as the TypeScript sources do, for commands that read a capture,
 * run an ensemble on the worker pool (the bundle's own precompiled worker) and find files next
 * to the sources (the capture script); usage errors too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { main as sourceMain } from '../../cli/main.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
// inside the repository, so that the bundle's package imports resolve from node_modules
const OUT = join(ROOT, 'node_modules', '.cache', `buddyscope-cli-test-${process.pid}`)
const FIXTURE = 'fixtures/x86-512M-s1-compact/02-before'

type Main = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>
let builtMain: Main

async function answer(main: Main, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => { out += s }, err: (s) => { err += s } })
  return { code, out, err }
}

beforeAll(async () => {
  const { buildCli } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build-cli.mjs')).href)) as { buildCli: (out: string) => Promise<{ inputs: number }> }
  const { inputs } = await buildCli(OUT)
  expect(inputs).toBeGreaterThan(20)
  builtMain = ((await import(pathToFileURL(join(OUT, 'cli.mjs')).href)) as { main: Main }).main
}, 120_000)

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true })
})

describe('the precompiled CLI', () => {
  it('lists every source it was built from, for bin/buddyscope.mjs to check', () => {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(OUT, 'inputs.json'), 'utf8')) as { builtAt: number; inputs: string[] }
    expect(inputs).toContain('cli/main.ts')
    expect(inputs).toContain('engine/index.ts')
    expect(inputs).toContain('host/workers/engine_worker.ts')
    for (const p of inputs) expect(existsSync(join(ROOT, p)), p).toBe(true)
    expect(builtAt).toBeLessThanOrEqual(Date.now())
  })

  it.each([
    [['inspect', FIXTURE, '--json']],
    [['proc', FIXTURE, 'pagetypeinfo']],
    [['whatif', 'compact', 'fixtures/x86-512M-s1-compact', '--seeds', '3', '--json']],
    [['capture-script']],
    [['--help']],
    [['whatif', 'compact', FIXTURE, '--order', 'x']],
    [['no-such-command']],
    [['inspect', 'fixtures/no-such-capture']],
  ])('buddyscope %j answers as the sources do', async (argv) => {
    const built = await answer(builtMain, argv)
    const source = await answer(sourceMain, argv)
    expect(built).toEqual(source)
    expect(built.out.length + built.err.length).toBeGreaterThan(0)
  }, 120_000)

  it('bin/buddyscope.mjs still runs the sources when told to (or when the build is missing or stale)', async () => {
    const r = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, ['bin/buddyscope.mjs', 'proc', FIXTURE, 'buddyinfo'], { cwd: ROOT, env: { ...process.env, BUDDYSCOPE_FROM_SOURCE: '1' }, timeout: 60_000 }, (err, stdout) => {
        done({ code: err ? -1 : 0, stdout })
      })
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Node 0, zone +DMA/)
  }, 90_000)
})
