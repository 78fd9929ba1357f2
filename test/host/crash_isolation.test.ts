/**
 * Crash isolation at the service level (issue 15): a worker that throws, runs out of memory
 * (resourceLimits) or exits fails its own run with a message, and the service keeps its
 * snapshots and serves the next run; cancel takes effect within 200 ms while unpacking a bundle
 * and while a worker spins; two opens at once, and an open while a what-if runs, both finish.
 * The pool runs test/host/workers/hostile_worker.mjs: the real engine worker that misbehaves on
 * chosen seeds.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool, workerFailure } from '../../host/workers/pool.ts'
import type { SnapshotView } from '../../contract/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const HOSTILE = fileURLToPath(new URL('./workers/hostile_worker.mjs', import.meta.url))
const X86 = join(FIXTURES, 'x86-512M-s1-compact')

type Ended = { event: 'run:done' | 'run:failed' | 'whatif:done'; payload: Record<string, unknown>; at: number }
const ended = new Map<string, Ended>()
const waiters = new Map<string, (e: Ended) => void>()
let host: BuddyscopeService
let scratch: string

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bs-crash-'))
  host = new BuddyscopeService({
    transport: 'browser', version: 'test', recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
    pool: new EnginePool(HOSTILE, { maxOldGenerationSizeMb: 128, minThreads: 1, maxThreads: 3 }),
    emit: (event, payload) => {
      const id = (payload as { runId?: string }).runId
      if (!id || !(event === 'run:done' || event === 'run:failed' || event === 'whatif:done')) return
      const e: Ended = { event, payload: payload as Record<string, unknown>, at: performance.now() }
      ended.set(id, e)
      waiters.get(id)?.(e)
    },
  })
})
afterAll(async () => {
  await host.dispose()
  rmSync(scratch, { recursive: true, force: true })
})

function end(runId: string, timeoutMs = 60_000): Promise<Ended> {
  const e = ended.get(runId)
  if (e) return Promise.resolve(e)
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`run ${runId} did not end in ${timeoutMs} ms`)), timeoutMs)
    waiters.set(runId, (x) => {
      clearTimeout(t)
      ok(x)
    })
  })
}

async function open(path: string, seed = 1, layout: 'auto' | 'synthesized' = 'synthesized'): Promise<Ended> {
  const { runId } = (await host.handle('startOpenPath', { path, seed, layout })) as { runId: string }
  return end(runId)
}

const snapshots = async (): Promise<string[]> => ((await host.handle('listSnapshots', {})) as SnapshotView[]).map((s) => s.id)
const errorOf = (e: Ended): { code: string; message: string } => e.payload['error'] as { code: string; message: string }

let first: SnapshotView

describe('a worker that fails fails its own run', () => {
  it('a snapshot opens through the hostile pool as through the real one', async () => {
    const e = await open(X86)
    expect(e.event).toBe('run:done')
    first = e.payload['snapshot'] as SnapshotView
  }, 90_000)

  it('throws: the run fails with its message, the snapshots stay', async () => {
    const e = await open(X86, 666)
    expect(e.event).toBe('run:failed')
    expect(errorOf(e).message).toBe(`${X86}: the worker threw on purpose`)
    expect(errorOf(e).message).not.toContain('    at ')
    expect(await snapshots()).toEqual([first.id])
  }, 60_000)

  it('runs out of memory: the run fails saying so, the process and its snapshots live on', async () => {
    const e = await open(X86, 667)
    expect(e.event).toBe('run:failed')
    expect(errorOf(e)).toEqual({ code: 'internal', message: 'the engine ran out of memory (its limit is 128 MiB) and stopped this job; the app and its open snapshots are unaffected' })
    expect(await snapshots()).toEqual([first.id])
    // the service still answers questions about the open snapshot
    expect((await host.handle('getSnapshot', { id: first.id }) as SnapshotView).label).toBe('02-before')
  }, 60_000)

  it('exits its thread: the run fails saying so', async () => {
    const e = await open(X86, 668)
    expect(e.event).toBe('run:failed')
    expect(errorOf(e).code).toBe('internal')
    expect(errorOf(e).message).toMatch(/^the engine's worker thread stopped unexpectedly \(.+\); the app and its open snapshots are unaffected$/)
    expect(await snapshots()).toEqual([first.id])
  }, 60_000)

  it('after all that, the next open works', async () => {
    const e = await open(X86, 2)
    expect(e.event).toBe('run:done')
    expect((await snapshots()).length).toBe(2)
    await host.handle('closeSnapshot', { id: (e.payload['snapshot'] as SnapshotView).id })
  }, 90_000)

  it('workerFailure keeps HostErrors and other errors as they are', () => {
    const h = { code: 'bad-input', message: 'x' }
    expect(workerFailure(h, 1)).toBe(h)
    const other = new Error('boom')
    expect(workerFailure(other, 1)).toBe(other)
  })
})

describe('cancel takes effect within 200 ms', () => {
  it('while the worker spins', async () => {
    const { runId } = (await host.handle('startOpenPath', { path: X86, seed: 669, layout: 'synthesized' })) as { runId: string }
    await new Promise((r) => setTimeout(r, 1500))
    expect(ended.has(runId)).toBe(false)
    const t0 = performance.now()
    expect(await host.handle('cancelRun', { runId })).toEqual({ cancelled: true })
    const e = await end(runId)
    expect(e.at - t0).toBeLessThan(200)
    expect(errorOf(e).code).toBe('cancelled')
    // the spinning thread was terminated: an open still finishes
    expect((await open(X86, 3)).event).toBe('run:done')
  }, 90_000)

  it('while a bundle is being unpacked, and its temp folder goes', async () => {
    // a bundle of ~600 MiB (gzip members of zeros): unpacking takes seconds
    const member = gzipSync(Buffer.alloc(8 * 1024 * 1024))
    const h = Buffer.alloc(512)
    h.write('kpageflags', 0)
    h.write('0000644\0', 100)
    h.write('0000000\0', 108)
    h.write('0000000\0', 116)
    h.write((600 * 1024 * 1024).toString(8).padStart(11, '0') + '\0', 124)
    h.write('15000000000\0', 136)
    h.fill(' ', 148, 156)
    h.write('0', 156)
    h.write('ustar\0', 257)
    h.write('00', 263)
    let sum = 0
    for (const b of h) sum += b
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
    const tgz = join(scratch, 'big.tar.gz')
    writeFileSync(tgz, Buffer.concat([gzipSync(h), ...new Array<Buffer>(75).fill(member), gzipSync(Buffer.alloc(1024))]))
    const temps = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`buddyscope-${process.pid}-`))
    const { runId } = (await host.handle('startOpenPath', { path: tgz })) as { runId: string }
    await new Promise((r) => setTimeout(r, 300))
    expect(ended.has(runId)).toBe(false)
    expect(temps().length).toBeGreaterThan(0)
    const t0 = performance.now()
    await host.handle('cancelRun', { runId })
    const e = await end(runId)
    expect(e.at - t0).toBeLessThan(200)
    for (let i = 0; i < 20 && temps().length > 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(performance.now() - t0).toBeLessThan(400)
    expect(temps()).toEqual([])
  }, 60_000)
})

describe('runs side by side', () => {
  it('two opens at once both finish', async () => {
    const ids = await Promise.all([
      host.handle('startOpenPath', { path: X86, layout: 'synthesized', seed: 4 }),
      host.handle('startOpenPath', { path: join(FIXTURES, 'x86-1G-s2-hugetlb'), layout: 'auto' }),
    ]) as Array<{ runId: string }>
    const [a, b] = await Promise.all(ids.map((r) => end(r.runId, 120_000)))
    expect(a!.event).toBe('run:done')
    expect(b!.event).toBe('run:done')
    expect((b!.payload['snapshot'] as SnapshotView).label).toBe('02-before')
  }, 150_000)

  it('an open while a what-if runs: both finish', async () => {
    const w = (await host.handle('startWhatifCompact', { id: first.id, pinned: 'none' })) as { runId: string }
    const o = (await host.handle('startOpenPath', { path: join(FIXTURES, 'arm64-1G-s6-cma-compact'), layout: 'synthesized' })) as { runId: string }
    const [we, oe] = await Promise.all([end(w.runId, 120_000), end(o.runId, 120_000)])
    expect(we.event, JSON.stringify(we.payload).slice(0, 300)).toBe('whatif:done')
    expect(oe.event).toBe('run:done')
  }, 150_000)
})
