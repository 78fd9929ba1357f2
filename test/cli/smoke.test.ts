/**
 * Smoke tests of the real executable: `node bin/buddyscope.mjs` in a child process, and the
 * `buddyscope` bin of package.json run the way npm's bin link runs it (a symlink executed
 * through its shebang), as `npx buddyscope` does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { InspectJson } from '../../host/summary.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }

interface Run {
  code: number
  stdout: string
  stderr: string
}

function spawnRun(file: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { cwd: ROOT, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      done({ code, stdout, stderr })
    })
  })
}

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-smoke-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('the buddyscope executable', () => {
  it('node bin/buddyscope.mjs inspect fixtures/x86-512M-s1-compact/02-before --json', async () => {
    const r = await spawnRun(process.execPath, ['bin/buddyscope.mjs', 'inspect', 'fixtures/x86-512M-s1-compact/02-before', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout) as InspectJson
    expect(j.snapshot.path).toBe('fixtures/x86-512M-s1-compact/02-before')
    expect(j.layout.method).toBe('exact')
    expect(j.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32'])
  })

  it('npx-style: the package.json bin, run through an npm-style symlink, prints buddyinfo', async () => {
    expect(PKG.bin['buddyscope']).toBe('bin/buddyscope.mjs')
    const target = join(ROOT, PKG.bin['buddyscope']!)
    expect(readFileSync(target, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    accessSync(target, constants.X_OK)
    // what `npm install` creates for a dependency's bin: node_modules/.bin/<name> → the bin file
    const binDir = join(work, 'node_modules', '.bin')
    mkdirSync(binDir, { recursive: true })
    const link = join(binDir, 'buddyscope')
    symlinkSync(target, link)
    const r = await spawnRun(link, ['proc', 'fixtures/arm64-1G-s6-cma-compact/02-before', 'buddyinfo'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Node 0, zone {6}DMA( +\d+){11} \n$/)
  })

  // `npx buddyscope` in the project resolves the package's own bin (no install, no network)
  it('npx --no buddyscope help', async () => {
    const r = await spawnRun('npx', ['--no', 'buddyscope', 'help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: buddyscope <command>')
  })
})
