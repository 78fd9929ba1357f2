/**
 * The `buddyscope` command line, in-process through main(argv, io): inspect (text and --json)
 * on a capture folder, a series, a .tar.gz bundle and a single buddyinfo file; proc; exit codes
 * (0 ok, 1 bad input with a one-line message naming the file, 2 usage with the usage text).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { c as tarCreate } from 'tar'
import { parseBuddyinfo, parsePagetypeinfo } from '../../engine/index.ts'
import type { InspectJson } from '../../host/summary.ts'
import { liveTempDirCount } from '../../host/sources/snapshot_bundle.ts'
import { loadSnapshot } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { copyTextFiles, fixturePath, runCli, textFileNames, type CliResult } from '../helpers/cli_harness.ts'

const X86_RUN = 'x86-512M-s1-compact'
const X86_SERIES = fixturePath(X86_RUN)
const X86 = fixturePath(X86_RUN, '02-before')
const X86_03 = fixturePath(X86_RUN, '03-after-compact-node')
const ARM = fixturePath('arm64-1G-s6-cma-compact', '02-before')
const X86_LABELS = ['01-boot', '02-before', '03-after-compact-node', '04-after-compact-memory', '05-after-hugetlb-2M-x64']

const ZONE_KEYS = ['node', 'zone', 'startPfn', 'spanned', 'present', 'managed', 'freeBlocks', 'freeBlocksByMigratetype', 'pageblocks', 'unusableIndex', 'extfragIndex']

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-cli-test-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function json(r: CliResult): InspectJson {
  expect(r.err).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.out) as InspectJson
}

/** The JSON shape the spec promises: machine, zones, findings, and the per-zone fields. */
function expectSpecShape(j: InspectJson): void {
  expect(Object.keys(j)).toEqual(expect.arrayContaining(['machine', 'zones', 'findings']))
  expect(j.machine.nrOrders).toBeGreaterThan(0)
  const nrOrders = j.machine.nrOrders
  expect(j.zones.length).toBeGreaterThan(0)
  for (const z of j.zones) {
    expect(Object.keys(z)).toEqual(expect.arrayContaining(ZONE_KEYS))
    expect(typeof z.node).toBe('number')
    expect(typeof z.zone).toBe('string')
    for (const k of ['startPfn', 'spanned', 'present', 'managed'] as const) expect(Number.isSafeInteger(z[k]), k).toBe(true)
    expect(z.freeBlocks).toHaveLength(nrOrders)
    expect(z.unusableIndex).toHaveLength(nrOrders)
    expect(z.extfragIndex).toHaveLength(nrOrders)
    expect(Object.keys(z.freeBlocksByMigratetype)).toEqual(j.machine.migratetypes)
    for (const row of Object.values(z.freeBlocksByMigratetype)) expect(row).toHaveLength(nrOrders)
    // the model's per-migratetype lists add up to its per-order totals (the captured files, read
    // moments apart, need not: buddyinfo and pagetypeinfo are shown as they are)
    const m = z.model ?? z
    for (let o = 0; o < nrOrders; o++) expect(Object.values(m.freeBlocksByMigratetype).reduce((s, row) => s + row[o]!, 0)).toBe(m.freeBlocks[o])
    expect(Object.keys(z.pageblocks)).toEqual(j.machine.migratetypes)
  }
  for (const f of j.findings) {
    expect(['info', 'warning', 'error']).toContain(f.severity)
    expect(typeof f.code).toBe('string')
    expect(typeof f.message).toBe('string')
  }
}

/** exit 1, one line on stderr naming `names`, nothing on stdout, no stack trace */
function expectBadInput(r: CliResult, ...names: string[]): void {
  expect(r.code, r.err).toBe(1)
  expect(r.out).toBe('')
  expect(r.err).toMatch(/^buddyscope: .+\n$/)
  expect(r.err.trimEnd()).not.toContain('\n')
  expect(r.err).not.toContain('    at ')
  for (const n of names) expect(r.err).toContain(n)
}

/** exit 2, the reason and the usage text (that command's, when the command is known) on stderr, nothing on stdout */
function expectUsage(r: CliResult, reason?: string | RegExp): void {
  expect(r.code, r.err).toBe(2)
  expect(r.out).toBe('')
  expect(r.err).toMatch(/Usage: buddyscope (<command> \[options\]|inspect|proc|whatif)/)
  expect(r.err).not.toContain('    at ')
  if (typeof reason === 'string') expect(r.err).toContain(reason)
  else if (reason) expect(r.err).toMatch(reason)
}

const capturedFree = (dir: string) => parseBuddyinfo(readFileSync(join(dir, 'buddyinfo'), 'utf8')).rows

describe('inspect a capture directory', () => {
  it('prints machine, layout, zones and findings as text', async () => {
    const r = await runCli(['inspect', X86])
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    expect(r.out).toContain(`Snapshot   ${X86}\n`)
    expect(r.out).not.toContain('Series ')
    expect(r.out).toContain('Kernel     6.1.0-56-amd64 (x86_64)')
    expect(r.out).toContain('Geometry   page size 4 KiB (meminfo/zoneinfo), pageblock order 9 (512 pages = 2.0 MiB), 11 orders')
    expect(r.out).toContain(`Layout     exact, from ${join(X86, 'kpageflags')}`)
    // zone geometry from zoneinfo: DMA start_pfn 1, spanned 4095, present 3998, managed 3840
    expect(r.out).toContain('\nNode 0, zone DMA: pfn 1..4095  spanned 4095  present 3998  managed 3840 (15.0 MiB)\n')
    expect(r.out).toContain('\nNode 0, zone DMA32: pfn 4096..131036  spanned 126941  present 126941  managed 113199 (442.2 MiB)\n')
    expect(r.out).toMatch(/^ {2}free blocks(\s+\d+){11} {3}\(buddyinfo\)$/m)
    expect(r.out).toMatch(/^ {2}unusable(\s+\d\.\d{3}){11}$/m)
    expect(r.out).toMatch(/^ {2}extfrag(\s+-?\d\.\d{3}){11}$/m)
    expect(r.out).toContain('\nFindings\n')
    expect(r.out.endsWith('\n')).toBe(true)
  })

  it('--json has the spec shape, an exact layout and the capture\'s pageblocks', async () => {
    const j = json(await runCli(['inspect', X86, '--json']))
    expectSpecShape(j)
    expect(j.machine).toMatchObject({ kernelRelease: '6.1.0-56-amd64', arch: 'x86_64', pageSize: 4096, pageblockOrder: 9, pagesPerBlock: 512, nrOrders: 11 })
    expect(j.snapshot).toMatchObject({ path: X86, label: null, series: null })
    expect(j.snapshot.files).toEqual(expect.arrayContaining(['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'kpageflags', 'kpagecount']))
    expect(j.layout).toEqual({ method: 'exact', seed: null, source: join(X86, 'kpageflags') })
    expect(j.zones.map((z) => `${z.node}/${z.zone}`)).toEqual(['0/DMA', '0/DMA32'])
    const pt = parsePagetypeinfo(readFileSync(join(X86, 'pagetypeinfo'), 'utf8'))
    for (const z of j.zones) {
      const row = pt.blocks.find((b) => b.zone === z.zone)!
      expect(z.pageblocks).toEqual(Object.fromEntries(pt.migratetypes.map((mt, i) => [mt, row.counts[i]])))
    }
    expect(j.findings.some((f) => f.code === 'pcp-pages')).toBe(true)
  })

  it('--json on the arm64 capture (gzipped kpageflags, CMA)', async () => {
    const j = json(await runCli(['inspect', ARM, '--json']))
    expectSpecShape(j)
    expect(j.machine.arch).toBe('arm64')
    expect(j.machine.migratetypes).toContain('CMA')
    expect(j.layout).toEqual({ method: 'exact', seed: null, source: join(ARM, 'kpageflags.gz') })
    expect(j.zones[0]!.pageblocks['CMA']).toBeGreaterThan(0)
  })

  it('inspect output is the same in text whether asked with --layout exact or left on auto', async () => {
    const auto = await runCli(['inspect', X86])
    const exact = await runCli(['inspect', X86, '--layout', 'exact'])
    expect(exact.code).toBe(0)
    expect(exact.out).toBe(auto.out)
  })
})

describe('inspect a series directory', () => {
  it('opens the "before" capture by default (text names the capture and the series)', async () => {
    const r = await runCli(['inspect', X86_SERIES])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`Snapshot   ${X86_SERIES} [02-before]\n`)
    expect(r.out).toContain(`Series     ${X86_LABELS.join(', ')}\n`)
  })

  it('--json: label 02-before, the series labels, and the same zones as the capture folder itself', async () => {
    const j = json(await runCli(['inspect', X86_SERIES, '--json']))
    expectSpecShape(j)
    expect(j.snapshot).toMatchObject({ path: X86_SERIES, label: '02-before', series: X86_LABELS })
    const direct = json(await runCli(['inspect', X86, '--json']))
    expect(j.zones).toEqual(direct.zones)
  })

  it('--capture 3 picks 03-after-compact-node (also by full label and by bare label)', async () => {
    const j = json(await runCli(['inspect', X86_SERIES, '--json', '--capture', '3']))
    expect(j.snapshot.label).toBe('03-after-compact-node')
    const direct = json(await runCli(['inspect', X86_03, '--json']))
    expect(j.zones).toEqual(direct.zones)
    for (const c of ['03-after-compact-node', 'after-compact-node']) {
      expect(json(await runCli(['inspect', X86_SERIES, '--json', '--capture', c])).snapshot.label).toBe('03-after-compact-node')
    }
  })

  it('--capture of a capture the series lacks is bad input naming the series and its captures', async () => {
    expectBadInput(await runCli(['inspect', X86_SERIES, '--capture', '9']), X86_SERIES, '"9"', X86_LABELS.join(', '))
  })

  it('--capture on a single capture is bad input', async () => {
    expectBadInput(await runCli(['inspect', X86, '--capture', '3']), X86, 'not a series')
  })

  it('proc on a series re-prints the chosen capture', async () => {
    const r = await runCli(['proc', X86_SERIES, 'pagetypeinfo', '--capture', '3', '--layout', 'synthesized'])
    expect(r.code).toBe(0)
    expect(r.out).toBe(readFileSync(join(X86_03, 'pagetypeinfo'), 'utf8'))
  })
})

describe('inspect a .tar.gz bundle of text files', () => {
  let bundle: string
  beforeAll(async () => {
    bundle = join(work, 'x86-02-before-text.tar.gz')
    await tarCreate({ gzip: true, file: bundle, cwd: X86 }, textFileNames(X86))
  })

  it('--json: synthesized layout (no kpageflags in the bundle), same zones as the folder synthesized', async () => {
    const before = liveTempDirCount()
    const j = json(await runCli(['inspect', bundle, '--json']))
    expect(liveTempDirCount(), 'the bundle\'s temporary copy is removed').toBe(before)
    expectSpecShape(j)
    expect(j.layout).toEqual({ method: 'synthesized', seed: 1, source: null })
    expect(j.snapshot).toMatchObject({ path: bundle, label: null, series: null })
    expect(j.snapshot.files).not.toContain('kpageflags')
    expect(j.snapshot.files).not.toContain('kpagecount')
    expect(j.findings.some((f) => f.code === 'unknown' && f.message.includes('no kpageflags'))).toBe(true)
    // a consistent capture: the synthesized free lists are buddyinfo's
    const rows = capturedFree(X86)
    expect(j.zones.map((z) => z.freeBlocks)).toEqual(rows.map((r) => r.nrFree))
    const dir = json(await runCli(['inspect', X86, '--json', '--layout', 'synthesized']))
    expect(j.zones).toEqual(dir.zones)
    expect(j.machine).toEqual(dir.machine)
  })

  it('text names the bundle and the synthesized layout', async () => {
    const r = await runCli(['inspect', bundle])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`Snapshot   ${bundle}\n`)
    expect(r.out).toContain('Layout     synthesized from summaries, seed 1\n')
  })

  it('proc buddyinfo from the bundle re-prints the captured file', async () => {
    const r = await runCli(['proc', bundle, 'buddyinfo'])
    expect(r.code).toBe(0)
    expect(r.out).toBe(readFileSync(join(X86, 'buddyinfo'), 'utf8'))
  })

  it('--layout exact on the bundle is bad input (no kpageflags)', async () => {
    expectBadInput(await runCli(['inspect', bundle, '--layout', 'exact']), bundle, 'kpageflags')
  })
})

describe('inspect a .tar.gz bundle of a whole series (text files, one top folder)', () => {
  let bundle: string
  beforeAll(async () => {
    bundle = join(work, 'x86-series-text.tgz')
    await tarCreate({ gzip: true, file: bundle, cwd: FIXTURES, filter: (p) => !/kpage(flags|count)/.test(p) }, [X86_RUN])
  })

  it('opens 02-before by default and --capture 3 picks 03-after-compact-node', async () => {
    const before = liveTempDirCount()
    const d = json(await runCli(['inspect', bundle, '--json']))
    expect(d.snapshot).toMatchObject({ path: bundle, label: '02-before', series: X86_LABELS })
    expect(d.layout.method).toBe('synthesized')
    expect(d.zones.map((z) => z.freeBlocks)).toEqual(capturedFree(X86).map((r) => r.nrFree))
    const c3 = json(await runCli(['inspect', bundle, '--json', '--capture', '3']))
    expect(c3.snapshot.label).toBe('03-after-compact-node')
    expect(c3.zones.map((z) => z.freeBlocks)).toEqual(capturedFree(X86_03).map((r) => r.nrFree))
    expect(liveTempDirCount(), 'temporary copies removed').toBe(before)
  })
})

describe('inspect a single buddyinfo file', () => {
  const file = join(X86, 'buddyinfo')

  it('--json: zones from buddyinfo only, synthesized, with unknown findings', async () => {
    const j = json(await runCli(['inspect', file, '--json']))
    expectSpecShape(j)
    expect(j.layout.method).toBe('synthesized')
    expect(j.snapshot.files).toEqual(['buddyinfo'])
    expect(j.machine.pageSizeSource).toBe('assumed')
    const rows = capturedFree(X86)
    expect(j.zones.map((z) => `${z.node}/${z.zone}`)).toEqual(rows.map((r) => `${r.node}/${r.zone}`))
    expect(j.zones.map((z) => z.freeBlocks)).toEqual(rows.map((r) => r.nrFree))
    const unknown = j.findings.filter((f) => f.code === 'unknown')
    expect(unknown.length).toBeGreaterThan(0)
    expect(unknown.some((f) => f.message.includes('no pagetypeinfo'))).toBe(true)
    expect(unknown.some((f) => f.message.includes('no zoneinfo'))).toBe(true)
  })

  it('text works too', async () => {
    const r = await runCli(['inspect', file])
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    expect(r.out).toContain(`Snapshot   ${file}\n`)
    expect(r.out).toContain('Node 0, zone DMA32:')
    expect(r.out).toContain('[info] ')
  })

  it('proc buddyinfo on the file alone re-prints it', async () => {
    const r = await runCli(['proc', file, 'buddyinfo'])
    expect(r.code).toBe(0)
    expect(r.out).toBe(readFileSync(file, 'utf8'))
  })
})

describe('exit codes', () => {
  it('help: 0, usage on stdout', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const r = await runCli(argv)
      expect(r.code, argv.join(' ')).toBe(0)
      expect(r.out).toContain('Usage: buddyscope <command> [options]')
      expect(r.err).toBe('')
    }
  })

  it('no command: 2', async () => {
    expectUsage(await runCli([]))
  })

  it('unknown command: 2', async () => {
    expectUsage(await runCli(['frobnicate', X86]), 'unknown command "frobnicate"')
  })

  it('bad --layout: 2', async () => {
    expectUsage(await runCli(['inspect', X86, '--layout', 'bogus']), '--layout must be auto, exact or synthesized, not "bogus"')
    expectUsage(await runCli(['proc', X86, 'buddyinfo', '--layout', 'Exact']), '--layout')
  })

  it('bad --seed: 2', async () => {
    expectUsage(await runCli(['inspect', X86, '--seed', 'x']), '--seed')
    expectUsage(await runCli(['inspect', X86, '--seed', '1.5']), '--seed')
  })

  it('proc with an unknown file: 2', async () => {
    expectUsage(await runCli(['proc', X86, 'meminfo']), 'not "meminfo"')
    expectUsage(await runCli(['proc', X86, 'zoneinfo']), 'not "zoneinfo"')
  })

  it('missing or extra arguments: 2', async () => {
    expectUsage(await runCli(['inspect']), 'inspect takes exactly one snapshot')
    expectUsage(await runCli(['inspect', X86, X86_03]), 'inspect takes exactly one snapshot')
    expectUsage(await runCli(['proc', X86]), 'proc takes a snapshot and a file name')
    expectUsage(await runCli(['proc']), 'proc takes a snapshot and a file name')
    expectUsage(await runCli(['inspect', X86, '--capture']), /--capture/)
  })

  it('unknown option: 2', async () => {
    expectUsage(await runCli(['inspect', X86, '--frob']), '--frob')
  })

  it('a flag of another command is a usage error, with this command\'s usage only', async () => {
    const r = await runCli(['inspect', X86, '--pages', '5'])
    expectUsage(r, 'inspect takes no --pages')
    expect(r.err).toContain('Usage: buddyscope inspect')
    expect(r.err).not.toContain('whatif hugetlb')
    expectUsage(await runCli(['whatif', 'compact', X86, '--gfp', 'kernel']), 'whatif compact takes no --gfp')
  })

  it('a negative number is a usage error that says what the flag needs, not "ambiguous"', async () => {
    const r = await runCli(['whatif', 'hugetlb', X86, '--count', '-5'])
    expectUsage(r, '--count')
    expect(r.err).not.toContain('ambiguous')
  })

  it('bad input: 1, one line naming the path, no stack trace', async () => {
    const missing = join(work, 'no-such-capture')
    expectBadInput(await runCli(['inspect', missing]), missing, 'no such file or directory')
    expectBadInput(await runCli(['proc', missing, 'buddyinfo']), missing)
    expectBadInput(await runCli(['inspect', join(X86_SERIES, 'RUN.md')]), join(X86_SERIES, 'RUN.md'))
  })

  // BUG (documented, not fixed here): the CLI accepts any digit string as --seed, but the engine's
  // Rng keeps only `seed >>> 0`, so --seed 4294967297 silently gives seed 1's layout while
  // inspect reports "seed 4294967297", and --seed 100000000000000000000 (not a safe integer)
  // is accepted too. Expected: such seeds are refused with exit 2, or each names its own layout.
  // Remove `.fails` once fixed.
  it('--seed beyond 2^32 − 1 is refused (exit 2) or gives its own layout, not seed 1\'s', async () => {
    const r = await runCli(['inspect', X86, '--json', '--layout', 'synthesized', '--seed', '4294967297'])
    if (r.code === 2) return
    expect(r.code).toBe(0)
    const hash = async (seed: number) => {
      const s = await loadSnapshot(X86, { layout: 'synthesized', seed })
      return createHash('sha256').update(s.model.pageblockMt).update(s.model.memMap).digest('hex')
    }
    expect(await hash(4294967297)).not.toBe(await hash(1))
  })

  it('a good run writes nothing to stderr and ends its output with a newline', async () => {
    for (const f of ['buddyinfo', 'pagetypeinfo', 'extfrag_index', 'unusable_index']) {
      const r = await runCli(['proc', X86, f])
      expect(r.code, f).toBe(0)
      expect(r.err).toBe('')
      expect(r.out.endsWith(' \n'), f).toBe(true)
    }
  })
})

describe('whatif compact --cpu (the CPU whose per-cpu lists the compaction churns)', () => {
  const S11 = fixturePath('x86-512M-s11-nopin')
  it('names the CPU in the assumptions, and the choice changes the outcome on a capture whose lists differ', async () => {
    const a = await runCli(['whatif', 'compact', S11, '--node', '0', '--cpu', '0', '--json'])
    const b = await runCli(['whatif', 'compact', S11, '--node', '0', '--cpu', '1', '--json'])
    expect(a.code).toBe(0)
    const ja = JSON.parse(a.out) as { assumptions: string[]; real: { predictedVsReal: Array<{ highOrderPagesPredicted: number }> } }
    const jb = JSON.parse(b.out) as typeof ja
    expect(ja.assumptions.some((s) => s.includes('runs on CPU 0'))).toBe(true)
    expect(jb.assumptions.some((s) => s.includes('runs on CPU 1'))).toBe(true)
    const hi = (j: typeof ja): number => j.real.predictedVsReal.reduce((s, z) => s + z.highOrderPagesPredicted, 0)
    expect(hi(ja)).not.toBe(hi(jb))
  })
  it('a CPU the capture has no lists for is a usage error naming the CPUs it has', async () => {
    const r = await runCli(['whatif', 'compact', S11, '--cpu', '7'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('per-cpu lists for CPU 0, 1 only')
  })
})

describe('whatif compact --json (what other tools read)', () => {
  it('after.zones[].freeBlocks and counters.pgmigrate_success as a number for one run', async () => {
    const r = await runCli(['whatif', 'compact', X86_SERIES, '--json'])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out) as { before: { zones: Array<{ freeBlocks: number[] }> }; after: { zones: Array<{ zone: string; freeBlocks: number[] }> }; counters: Record<string, unknown>; real: { capture: string } | null }
    expect(j.after.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32'])
    for (const z of j.after.zones) expect(z.freeBlocks).toHaveLength(11)
    expect(j.before.zones[1]!.freeBlocks).not.toEqual(j.after.zones[1]!.freeBlocks)
    expect(typeof j.counters['pgmigrate_success']).toBe('number')
    expect(j.counters['pgmigrate_success']).toBeGreaterThan(0)
    expect(j.real?.capture).toBe('03-after-compact-node')
  })

  it('an ensemble gives each counter as its median and 90% band, and the text headlines the median', async () => {
    const r = await runCli(['whatif', 'compact', X86_SERIES, '--json', '--seeds', '3', '--pinned', '2%'])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out) as { counters: Record<string, { median: number; p5: number; p95: number; lo: number; hi: number }> }
    const c = j.counters['pgmigrate_success']!
    expect(Object.keys(c).sort()).toEqual(['hi', 'lo', 'median', 'p5', 'p95'])
    expect(c.p5).toBeLessThanOrEqual(c.median)
    expect(c.median).toBeLessThanOrEqual(c.p95)
    // 3 seeds: the prediction interval is their smallest to largest, outside p5–p95
    expect(c.lo).toBeLessThanOrEqual(c.p5)
    expect(c.hi).toBeGreaterThanOrEqual(c.p95)
    const t = await runCli(['whatif', 'compact', X86_SERIES, '--seeds', '3', '--pinned', '2%'])
    const line = t.out.split('\n').find((l) => l.trim().startsWith('pgmigrate_success'))!
    const [, head, lo, hi] = /pgmigrate_success\s+(\d+)\s+band (\d+)\.\.(\d+)/.exec(line)!
    expect(Number(head)).toBe(Math.round(c.median))
    expect(Number(head)).toBeGreaterThanOrEqual(Number(lo))
    expect(Number(head)).toBeLessThanOrEqual(Number(hi))
    expect([Number(lo), Number(hi)]).toEqual([Math.round(c.lo), Math.round(c.hi)])
  })
})

describe('whatif compact compares with the right real outcome', () => {
  const s1 = (c: string): string => fixturePath(X86_RUN, c)
  /** a series of two captures of the s1 run with steps.log `steps` between them */
  function series(name: string, nextLabel: string, steps: string | null): string {
    const dir = join(work, name)
    copyTextFiles(s1('02-before'), join(dir, '01-before'))
    copyTextFiles(s1('03-after-compact-node'), join(dir, nextLabel))
    if (steps !== null) writeFileSync(join(dir, 'steps.log'), steps)
    return dir
  }

  it('refuses the comparison, with the reason, when another step came between the capture and the trigger', async () => {
    const dir = series('mixed', '02-after-compact-node', [
      '[1.00] cap 1-before',
      '[1.10 -> 1.20] step huge:2048:0: size=2048kB requested=0 before=64 obtained=0 rc=0',
      '    nr_free_pages +28000',
      '[1.30 -> 1.50] step cn: rc=0',
      '    pgmigrate_success +16268',
      '[2.00] cap 2-after-compact-node',
      '',
    ].join('\n'))
    const r = await runCli(['whatif', 'compact', dir, '--layout', 'synthesized', '--json'])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out) as { real: unknown; notCompared: string | null; assumptions: string[] }
    expect(j.real).toBeNull()
    expect(j.notCompared).toMatch(/not compared with capture 02-after-compact-node: .* also did huge:2048:0/)
    expect(j.assumptions).toContain(j.notCompared)
    const t = await runCli(['whatif', 'compact', dir, '--layout', 'synthesized'])
    expect(t.out).not.toMatch(/^\s+real\s/m)
    expect(t.out).toContain('huge:2048:0')
  })

  it('pairs NN-before with NN-after-compact-node by folder name when there is no steps.log, with vmstat deltas as the real counters', async () => {
    const dir = series('named', '02-after-compact-node', null)
    const r = await runCli(['whatif', 'compact', dir, '--layout', 'synthesized', '--json'])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out) as { real: { capture: string; trigger: { file: string; node: number | null }; counters: Record<string, number> } | null; assumptions: string[] }
    expect(j.real?.capture).toBe('02-after-compact-node')
    expect(j.real?.trigger).toEqual({ file: 'node_compact', node: 0 })
    // the s1 run's node compaction: pgmigrate_success +16268 in its steps.log; the vmstat files say the same
    expect(j.real?.counters['pgmigrate_success']).toBe(16268)
    expect(j.assumptions.join(' ')).toMatch(/by its folder name/)
  })
})

describe('inspect --json: captured is captured, modelled is modelled', () => {
  it('freeBlocks, freeBlocksByMigratetype and pageblocks are buddyinfo\'s and pagetypeinfo\'s numbers; the model\'s go under model', async () => {
    const cap = fixturePath('host-24G-k618-a', '01-before')
    const j = json(await runCli(['inspect', cap, '--json']))
    const bi = parseBuddyinfo(readFileSync(join(cap, 'buddyinfo'), 'utf8'))
    const pti = parsePagetypeinfo(readFileSync(join(cap, 'pagetypeinfo'), 'utf8'))
    for (const z of j.zones) {
      expect(z.freeBlocks, z.zone).toEqual(bi.rows.find((r) => r.zone === z.zone)!.nrFree)
      for (const r of pti.free.filter((x) => x.zone === z.zone)) expect(z.freeBlocksByMigratetype[r.migratetype], `${z.zone} ${r.migratetype}`).toEqual(r.counts)
      const blocks = pti.blocks.find((x) => x.zone === z.zone)!
      pti.migratetypes.forEach((mt, i) => expect(z.pageblocks[mt], `${z.zone} ${mt}`).toBe(blocks.counts[i]))
    }
    const normal = j.zones.find((z) => z.zone === 'Normal')!
    // the figures: Unmovable 866 → here the file's 708 at order 2, Reclaimable 1059 at order 0
    expect(normal.freeBlocksByMigratetype['Reclaimable']![0]).toBe(1059)
    expect(normal.model?.reason).toMatch(/kpageflags/)
    expect(normal.model?.captured).toEqual({ freeBlocks: 'buddyinfo', freeBlocksByMigratetype: 'pagetypeinfo', pageblocks: 'pagetypeinfo' })
  })
})
