/**
 * Test helpers for the CLI: run `main(argv, io)` in-process and capture its output, copy a
 * fixture capture's text files into a scratch folder, and fingerprint input files so a test
 * can prove the CLI only ever read them.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { main } from '../../cli/main.ts'
import { FIXTURES } from './fixtures.ts'

export interface CliResult {
  code: number
  out: string
  err: string
}

/** `buddyscope ...argv` in this process, stdout and stderr captured. */
export async function runCli(argv: string[]): Promise<CliResult> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => { out += s }, err: (s) => { err += s } })
  return { code, out, err }
}

/** Absolute path of a fixture run or one of its captures. */
export function fixturePath(run: string, capture?: string): string {
  return capture === undefined ? join(FIXTURES, run) : join(FIXTURES, run, capture)
}

/** The captured kpageflags / kpagecount, stored raw (x86) or gzipped (arm64). */
export const BINARY_NAMES: ReadonlySet<string> = new Set(['kpageflags', 'kpagecount', 'kpageflags.gz', 'kpagecount.gz'])

/** Names of a capture's text files (everything but kpageflags / kpagecount), sorted. */
export function textFileNames(captureDir: string): string[] {
  return readdirSync(captureDir, { withFileTypes: true }).filter((e) => e.isFile() && !BINARY_NAMES.has(e.name)).map((e) => e.name).sort()
}

/** Copy a capture's text files (not kpageflags / kpagecount) into `dest` (created). */
export function copyTextFiles(captureDir: string, dest: string): string[] {
  mkdirSync(dest, { recursive: true })
  const names = textFileNames(captureDir)
  for (const f of names) copyFileSync(join(captureDir, f), join(dest, f))
  return names
}

export interface FilePrint {
  sha256: string
  size: number
  mtimeMs: number
}

/** Content hash, size and mtime of every file under `path` (a file or a folder), by relative path. */
export function fingerprint(path: string): Record<string, FilePrint> {
  const out: Record<string, FilePrint> = {}
  const visit = (p: string): void => {
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) visit(join(p, e))
      return
    }
    out[relative(path, p) || '.'] = { sha256: createHash('sha256').update(readFileSync(p)).digest('hex'), size: st.size, mtimeMs: st.mtimeMs }
  }
  visit(path)
  return out
}
