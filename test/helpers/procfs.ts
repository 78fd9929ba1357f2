/**
 * Helpers of the importer tests: every capture folder (NN-label) of every fixture run with a
 * reader for its files, and a way to get the ParseError a parser throws.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { ParseError } from '../../engine/procfs/types.ts'

const FIXTURES = new URL('../../fixtures/', import.meta.url)

/** Every capture folder (NN-label) of every run, with a reader for its files. */
export function captures(): Array<{ name: string; read: (f: string) => string }> {
  const out: Array<{ name: string; read: (f: string) => string }> = []
  for (const run of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!run.isDirectory()) continue
    const runUrl = new URL(`${run.name}/`, FIXTURES)
    for (const cap of readdirSync(runUrl, { withFileTypes: true })) {
      if (!cap.isDirectory() || !/^\d\d-/.test(cap.name)) continue
      const dir = new URL(`${cap.name}/`, runUrl)
      out.push({ name: `${run.name}/${cap.name}`, read: (f) => readFileSync(new URL(f, dir), 'utf8') })
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

/** The ParseError that fn throws (fails the test if it throws something else or nothing). */
export function parseError(fn: () => unknown): ParseError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ParseError) return e
    throw new Error(`expected a ParseError, got ${String(e)}`, { cause: e })
  }
  throw new Error('expected a ParseError, nothing was thrown')
}

/**
 * The captures the QEMU harness made (test/harness): same boot command line, debugfs mounted,
 * 6.1/6.12 zoneinfo layouts. The captures of the developers' own machine (host-*) are not.
 */
export function harnessCaptures(): Array<{ name: string; read: (f: string) => string }> {
  return captures().filter((c) => !c.name.startsWith('host-'))
}
