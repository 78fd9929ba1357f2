/**
 * Nothing lost (issue 15): every CLI command only reads its inputs. The fixtures it is given (a
 * series folder, a capture tool bundle, a single file) are hashed (content, size, mtime) before
 * and after each command, report, diff and timeline included.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprint, fixturePath, runCli } from '../helpers/cli_harness.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const SERIES = fixturePath('x86-512M-s1-compact')
const BEFORE = fixturePath('x86-512M-s1-compact', '02-before')
const AFTER = fixturePath('x86-512M-s1-compact', '04-after-compact-memory')
const BUNDLE = join(FIXTURES, 'capture-script', 'x86-1G-s22-k61-compact.tar.gz')
const SINGLE = join(BEFORE, 'buddyinfo')
const CMA = fixturePath('arm64-1G-s6-cma-compact')
const INPUTS = [SERIES, BUNDLE, CMA]

let out: string
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'bs-inputs-'))
})
afterAll(() => rmSync(out, { recursive: true, force: true }))

const modes = (): Record<string, number> => Object.fromEntries(INPUTS.map((p) => [p, statSync(p).mode]))

const COMMANDS: string[][] = [
  ['inspect', SERIES],
  ['inspect', BUNDLE, '--json'],
  ['inspect', SINGLE],
  ['proc', SERIES, 'buddyinfo'],
  ['proc', BUNDLE, 'pagetypeinfo'],
  ['proc', SERIES, 'extfrag_index', '--layout', 'synthesized'],
  ['proc', SERIES, 'unusable_index'],
  ['whatif', 'compact', SERIES, '--order', '3'],
  ['whatif', 'cma', CMA, '--size', '16M'],
  ['whatif', 'hugetlb', SERIES, '--count', '8'],
  ['whatif', 'contig', BUNDLE, '--size', '8M'],
  ['whatif', 'thp', SERIES, '--defrag', 'always'],
  ['diff', SERIES],
  ['diff', BEFORE, AFTER, '--json'],
  ['timeline', SERIES, '--summary-only'],
  ['report', SERIES, '--whatif', 'compact', '-o', 'OUT/report.md'],
  ['report', BUNDLE, '--diff', BUNDLE, '-o', 'OUT/report.json'],
  ['capture-script', '-o', 'OUT/buddyscope-capture'],
]

describe('inputs are never modified', () => {
  for (const argv of COMMANDS) {
    it(`buddyscope ${argv.join(' ').replaceAll(FIXTURES, 'fixtures')}`, async () => {
      const before = INPUTS.map((p) => fingerprint(p))
      const modesBefore = modes()
      const r = await runCli(argv.map((a) => a.replace(/^OUT\//, `${out}/`)))
      expect(r.code, r.err).toBe(0)
      expect(INPUTS.map((p) => fingerprint(p))).toEqual(before)
      expect(modes()).toEqual(modesBefore)
    }, 120_000)
  }
})
