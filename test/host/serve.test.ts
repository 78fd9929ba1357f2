/**
 * Browser-mode host: loopback only, token and Origin checked on the WebSocket, static files
 * confined to the renderer folder with a strict CSP, and the contract spoken over the wire.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { serve, type RunningServer } from '../../serve/server.ts'
import { decodeWire, encodeWire, type ServerMessage } from '../../contract/wire.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let srv: RunningServer
const TOKEN = 'a'.repeat(48)

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bs-renderer-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>')
  srv = await serve({ snapshot: join(FIXTURES, 'x86-512M-s1-compact'), port: 0, log: () => {}, token: TOKEN, rendererDir: dir })
})
afterAll(async () => {
  await srv.close()
})

function connect(token = TOKEN, origin = `http://127.0.0.1:${srv.port}`): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api?token=${token}`, { origin })
    ws.once('open', () => ok(ws))
    ws.once('error', fail)
    ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)))
  })
}

function client(ws: WebSocket) {
  let id = 0
  const pending = new Map<number, (m: ServerMessage) => void>()
  const events: Array<{ event: string; payload: unknown }> = []
  ws.on('message', (d) => {
    const m = decodeWire(String(d)) as ServerMessage
    if (m.t === 'event') events.push({ event: m.event, payload: m.payload })
    else pending.get(m.id)?.(m)
  })
  return {
    events,
    call(method: string, args: unknown): Promise<ServerMessage> {
      const n = ++id
      return new Promise((ok) => {
        pending.set(n, ok)
        ws.send(encodeWire({ t: 'call', id: n, method, args }))
      })
    },
  }
}

describe('buddyscope serve', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/?token=${TOKEN}`)
  })

  it('serves the renderer with a strict CSP and refuses paths outside it', async () => {
    expect((await fetch(`http://127.0.0.1:${srv.port}/`)).status).toBe(401)
    const r = await fetch(`http://127.0.0.1:${srv.port}/?token=${TOKEN}`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'")
    const bad = await fetch(`http://127.0.0.1:${srv.port}/..%2f..%2fpackage.json?token=${TOKEN}`)
    expect([403, 404]).toContain(bad.status)
  })

  it('refuses a WebSocket without the token or from another origin', async () => {
    await expect(connect('wrong'.padEnd(48, 'x'))).rejects.toThrow(/403/)
    await expect(connect(TOKEN, 'http://evil.example')).rejects.toThrow(/403/)
  })

  it('answers contract calls and pushes run events', async () => {
    const ws = await connect()
    const c = client(ws)
    const info = await c.call('appInfo', {})
    expect(info).toMatchObject({ ok: true, value: { transport: 'browser', contractVersion: 2 } })
    const bad = await c.call('getSnapshot', { id: 42 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
    const start = await c.call('startOpenBundled', {})
    expect(start.t === 'result' && start.ok).toBe(true)
    const runId = (start as { value: { runId: string } }).value.runId
    for (let i = 0; i < 200 && !c.events.some((e) => e.event === 'run:done' || e.event === 'run:failed'); i++) await new Promise((r) => setTimeout(r, 50))
    const done = c.events.find((e) => e.event === 'run:done') as { payload: { runId: string; snapshot: { id: string; label: string; zones: unknown[] } } }
    expect(done.payload.runId).toBe(runId)
    expect(done.payload.snapshot.label).toBe('02-before')
    const map = await c.call('getPageblockMap', { id: done.payload.snapshot.id })
    expect(map.t === 'result' && map.ok && (map.value as { mt: Uint8Array }).mt).toBeInstanceOf(Uint8Array)
    // the semantic zoom's batch: each block's page classes as the page-level view has them
    const id = done.payload.snapshot.id
    const batch = await c.call('getPageClasses', { id, pageblocks: [100, 7] })
    const v = (batch as { value: { pageblocks: number[]; pagesPerBlock: number; classes: Uint8Array } }).value
    expect(v.pageblocks).toEqual([100, 7])
    expect(v.classes).toBeInstanceOf(Uint8Array)
    for (const [k, pb] of [100, 7].entries()) {
      const d = await c.call('getPageblockDetail', { id, pageblock: pb })
      expect([...v.classes.subarray(k * v.pagesPerBlock, (k + 1) * v.pagesPerBlock)]).toEqual([...(d as { value: { classes: Uint8Array } }).value.classes])
    }
    expect(await c.call('getPageClasses', { id, pageblocks: [1e9] })).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
    ws.close()
  })

  it('reports a missing snapshot as a failed run in plain words', async () => {
    const ws = await connect()
    const c = client(ws)
    await c.call('startOpenPath', { path: '/nonexistent/capture' })
    for (let i = 0; i < 100 && !c.events.some((e) => e.event === 'run:failed'); i++) await new Promise((r) => setTimeout(r, 50))
    const f = c.events.find((e) => e.event === 'run:failed') as { payload: { error: { code: string; message: string } } }
    expect(f.payload.error.code).toBe('bad-input')
    expect(f.payload.error.message).toContain('/nonexistent/capture')
    expect(f.payload.error.message).not.toContain('    at ')
    ws.close()
  })
})
