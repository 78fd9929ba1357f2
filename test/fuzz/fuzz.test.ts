/**
 * The fuzzer in `npm test`: 10 000 mutated inputs from the real fixtures through every importer,
 * the model builders, the host's loader, the bundle reader and the CLI, with a time budget
 * (whichever comes first). Bar: 0 crashes, 0 hangs, no stack trace to a user. A long campaign:
 * `npm run fuzz -- --cases 1000000` (scripts/fuzz.ts). The seed is fixed so a failure reproduces;
 * BUDDYSCOPE_FUZZ_SEED picks another.
 */
import { describe, it, expect } from 'vitest'
import { gunzipSync } from 'node:zlib'
import {
  runFuzz, reportText, TEST_WEIGHTS, FuzzRng, loadSeeds, seedFiles, mutateFile, mutateTar, tarEntries, classifyError, classifyCli,
  minimiseBytes, TEXT_MUTATOR_NAMES, BINARY_MUTATOR_NAMES, gzipBomb, runInput, PARSERS,
} from './fuzz_core.ts'
import { ParseError } from '../../engine/index.ts'

const CASES = 10_000
const TIME_BUDGET_MS = 50_000
/** below this many cases in the time budget, the run proves too little (a machine far slower than expected, or a slow importer) */
const MIN_CASES = 4_000

describe('fuzz harness', () => {
  it('seeds from every capture folder in fixtures/ and the capture tool bundles', () => {
    const s = loadSeeds()
    expect(s.captures.length).toBeGreaterThanOrEqual(60)
    expect(s.captures.some((c) => c.name.startsWith('host-24G-k618-a/'))).toBe(true)
    expect(s.captures.every((c) => c.files.has('buddyinfo'))).toBe(true)
    expect(s.tars.length).toBeGreaterThanOrEqual(2)
    expect(tarEntries(s.tars[0]!.tar).some((e) => e.name.endsWith('manifest.json'))).toBe(true)
  })

  it('every mutator changes something (or says why not)', () => {
    const cap = loadSeeds().captures.find((c) => c.name === 'x86-512M-s1-compact/02-before')!
    const files = seedFiles(cap)
    const rng = new FuzzRng(3)
    const seenText = new Set<string>()
    const seenBin = new Set<string>()
    let changed = 0
    for (let i = 0; i < 600; i++) {
      const t = mutateFile('zoneinfo', files.get('zoneinfo')!, rng)
      seenText.add(/^zoneinfo: ([\w-]+)/.exec(t.how)![1]!)
      const b = mutateFile('kpageflags', files.get('kpageflags')!, rng)
      seenBin.add(/^kpageflags: ([\w-]+)/.exec(b.how)![1]!)
      if (Buffer.compare(t.bytes, files.get('zoneinfo')!) !== 0) changed++
    }
    expect(changed).toBeGreaterThan(540)
    expect([...seenText].sort()).toEqual([...TEXT_MUTATOR_NAMES].sort())
    expect([...seenBin].sort()).toEqual([...BINARY_MUTATOR_NAMES].sort())
    // big-endian kpageflags: the same entries with their bytes reversed
    const e = mutateFile('kpageflags', Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), { pick: () => 'endianness', chance: () => false } as unknown as FuzzRng)
    expect([...e.bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 1])
    expect(gunzipSync(gzipBomb()).length).toBe(96 * 1024 * 1024)
  })

  it('tar mutations cut at entry boundaries and rewrite headers with a valid checksum', () => {
    const t = loadSeeds().tars[0]!.tar
    const rng = new FuzzRng(11)
    const kinds = new Set<string>()
    for (let i = 0; i < 300; i++) kinds.add(mutateTar(t, rng).how.replace(/^.*?(bit flips|cut|type|renamed|size field|duplicated|\(padded).*$/, '$1'))
    expect(kinds).toEqual(new Set(['bit flips', 'cut', 'type', 'renamed', 'size field', 'duplicated', '(padded']))
  })

  it('classifies: a ParseError or SnapshotError naming the input is a rejection; anything else a crash', () => {
    expect(classifyError(new ParseError('fuzz/buddyinfo', 3, 'x'), ['fuzz/']).verdict).toBe('rejected')
    expect(classifyError(new ParseError('elsewhere', 3, 'x'), ['fuzz/']).verdict).toBe('crash')
    expect(classifyError(new TypeError("Cannot read properties of undefined (reading 'x')"), ['fuzz/']).verdict).toBe('crash')
    expect(classifyError(new RangeError('Invalid typed array length: -8'), ['fuzz/']).verdict).toBe('crash')
    expect(classifyError(new Error('fuzz/kpageflags: no entries'), ['fuzz/']).verdict).toBe('rejected')
    expect(classifyError(new Error('no file named'), ['fuzz/']).verdict).toBe('crash')
    expect(classifyError('a string', ['fuzz/']).verdict).toBe('crash')
    expect(classifyCli(1, 'buddyscope: /tmp/x/buddyinfo:3: expected …\n', ['/tmp/x']).verdict).toBe('rejected')
    expect(classifyCli(1, "buddyscope: /tmp/x: Cannot read properties of undefined (reading 'a')\n", ['/tmp/x']).verdict).toBe('crash')
    expect(classifyCli(1, 'buddyscope: boom\n    at run (/work/cli/main.ts:12:5)\n', ['/tmp/x']).verdict).toBe('crash')
    expect(classifyCli(1, 'buddyscope: something\n', ['/tmp/x']).verdict).toBe('crash')
    expect(classifyCli(1, 'buddyscope: /tmp/x/meminfo:12: expected a decimal integer, found "NaN"\n', ['/tmp/x']).verdict).toBe('rejected')
    expect(classifyCli(1, 'buddyscope: /tmp/x: zone NaN has undefined pages\n', ['/tmp/x']).verdict).toBe('crash')
    expect(classifyCli(134, '', ['/tmp/x']).verdict).toBe('crash')
  })

  it('the minimiser keeps the failing part only', async () => {
    const input = Buffer.from(['a', 'b', 'BAD', 'c', 'd', 'e', 'f', 'g'].join('\n') + '\n')
    const out = await minimiseBytes(input, async (b) => b.includes('BAD'))
    expect(out.toString()).toBe('BAD')
  })

  it('every importer is reached', async () => {
    const cap = loadSeeds().captures.find((c) => c.name === 'x86-512M-s1-compact/02-before')!
    for (const p of Object.keys(PARSERS)) {
      const bytes = cap.files.get(p) ?? Buffer.from('x')
      const o = await runInput({ target: 'parser', parser: p, bytes }, 5000, '/tmp')
      expect(['ok', 'rejected']).toContain(o.verdict)
    }
  })
})

describe('fuzzing the importers', () => {
  it(`${CASES} cases: no crash, no hang, every error names its file`, async () => {
    const seed = Number(process.env['BUDDYSCOPE_FUZZ_SEED'] ?? 20261204)
    const r = await runFuzz({ seed, cases: CASES, timeMs: TIME_BUDGET_MS, deadlineMs: 10_000, weights: TEST_WEIGHTS, keepDir: null })
    const text = reportText(r)
    expect(r.crashes + r.hangs, text).toBe(0)
    expect(r.casesRun, text).toBeGreaterThanOrEqual(MIN_CASES)
    for (const t of ['parser', 'capture', 'model', 'load', 'bundle', 'cli'] as const) expect(r.byTarget[t].cases, `${t}\n${text}`).toBeGreaterThan(0)
    // the mutations reach past the first line: most rejections are about the content, not emptiness
    expect(r.byTarget.parser.rejected).toBeGreaterThan(r.byTarget.parser.cases / 10)
    expect(r.byTarget.parser.ok).toBeGreaterThan(r.byTarget.parser.cases / 10)
  }, 120_000)
})
