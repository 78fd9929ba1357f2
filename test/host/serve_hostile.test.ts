/**
 * Hostile clients of `buddyscope serve` (issue 15), all on loopback: no or a wrong token, a wrong
 * Host (DNS rebinding) or Origin, oversized and binary frames, malformed JSON, messages that fail
 * the schema, a flood bounded in count and time, too many connections; the CSP of the built
 * renderer and of every answer; `--host` warns.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import WebSocket from 'ws'
import { serve, hostAllowed, ensureRenderer, RENDERER_DIR, CSP, MAX_CLIENTS, MAX_MESSAGE_BYTES, type RunningServer } from '../../serve/server.ts'
import { exposedWarning, main as serveMain } from '../../serve/main.ts'
import { decodeWire, encodeWire, type ServerMessage } from '../../contract/wire.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let srv: RunningServer
let scratch: string
const TOKEN = 'b'.repeat(48)

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'bs-hostile-'))
  process.env['XDG_CONFIG_HOME'] = scratch
  await ensureRenderer(() => undefined)
  srv = await serve({ snapshot: join(FIXTURES, 'x86-512M-s1-compact'), port: 0, log: () => {}, token: TOKEN, rendererDir: RENDERER_DIR })
}, 180_000)
afterAll(async () => {
  await srv.close()
  rmSync(scratch, { recursive: true, force: true })
})

/** A raw HTTP request with any headers (fetch would not let us set Host). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: srv.port, path, method, headers: { host: `127.0.0.1:${srv.port}`, ...headers } }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', fail)
    req.end()
  })
}

/** A WebSocket upgrade with any headers; resolves with the HTTP status (101 = accepted). */
function upgrade(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request({
      host: '127.0.0.1', port: srv.port, path,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', host: `127.0.0.1:${srv.port}`, origin: `http://127.0.0.1:${srv.port}`, ...headers },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      ok(res.statusCode ?? 0)
    })
    req.on('response', (res) => {
      res.resume()
      ok(res.statusCode ?? 0)
    })
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? ok(0) : fail(e)))
    req.end()
  })
}

function connect(): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api?token=${TOKEN}`, { origin: `http://127.0.0.1:${srv.port}` })
    ws.once('open', () => ok(ws))
    ws.once('error', fail)
    ws.once('unexpected-response', (_q, res) => fail(new Error(`HTTP ${res.statusCode}`)))
  })
}

/** The next n results on a socket. */
function results(ws: WebSocket, n: number, timeoutMs = 10_000): Promise<Array<Extract<ServerMessage, { t: 'result' }>>> {
  return new Promise((ok, fail) => {
    const got: Array<Extract<ServerMessage, { t: 'result' }>> = []
    const t = setTimeout(() => fail(new Error(`only ${got.length} of ${n} answers in ${timeoutMs} ms`)), timeoutMs)
    const on = (d: WebSocket.RawData): void => {
      const m = decodeWire(String(d)) as ServerMessage
      if (m.t !== 'result') return
      got.push(m)
      if (got.length === n) {
        clearTimeout(t)
        ws.off('message', on)
        ok(got)
      }
    }
    ws.on('message', on)
  })
}

describe('the token on every HTTP request', () => {
  it('refuses a request without the token, or with a wrong one, in plain words', async () => {
    for (const path of ['/', '/index.html', '/?token=wrong', `/?token=${'c'.repeat(48)}`, '/assets/x.js']) {
      const r = await raw(path)
      expect(r.status, path).toBe(401)
      expect(r.body).toContain('needs its access token')
      expect(r.headers['content-security-policy']).toBe(CSP)
    }
  })

  it('serves the page with the token and sets an HttpOnly SameSite=Strict cookie that the page\'s assets carry', async () => {
    const r = await raw(`/?token=${TOKEN}`)
    expect(r.status).toBe(200)
    const cookie = String(r.headers['set-cookie'])
    expect(cookie).toBe(`buddyscope_token_${srv.port}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`)
    const asset = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(r.body)?.[1]
    expect(asset).toBeDefined()
    expect((await raw(`/${asset}`)).status).toBe(401)
    const withCookie = await raw(`/${asset}`, { cookie: `other=1; buddyscope_token_${srv.port}=${TOKEN}` })
    expect(withCookie.status).toBe(200)
    expect(withCookie.headers['set-cookie']).toBeUndefined()
    expect((await raw(`/${asset}`, { cookie: `buddyscope_token_${srv.port}=${'d'.repeat(48)}` })).status).toBe(401)
  })

  it('refuses other methods and malformed paths, with the token', async () => {
    expect((await raw(`/?token=${TOKEN}`, {}, 'POST')).status).toBe(405)
    expect((await raw(`/%E0%A4%A?token=${TOKEN}`)).status).toBe(400)
    expect([403, 404]).toContain((await raw(`/..%2f..%2fpackage.json?token=${TOKEN}`)).status)
  })
})

describe('Host and Origin (DNS rebinding)', () => {
  it('refuses a request whose Host is another name or port, even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${srv.port}`, `127.0.0.1:${srv.port + 1}`, `attacker.127.0.0.1.nip.io:${srv.port}`]) {
      const r = await raw(`/?token=${TOKEN}`, { host })
      expect(r.status, host).toBe(403)
      expect(r.body).toContain('is not this server')
    }
    expect((await raw(`/?token=${TOKEN}`, { host: `localhost:${srv.port}` })).status).toBe(200)
  })

  it('refuses a request from another Origin', async () => {
    const r = await raw(`/?token=${TOKEN}`, { origin: 'http://evil.example' })
    expect(r.status).toBe(403)
    expect(r.body).toContain('Origin "http://evil.example" is not this server\'s')
  })

  it('hostAllowed: loopback names only, unless --host', () => {
    expect(hostAllowed('127.0.0.1:80', 80, '127.0.0.1')).toBe(true)
    expect(hostAllowed('[::1]:80', 80, '127.0.0.1')).toBe(true)
    expect(hostAllowed('192.168.1.2:80', 80, '127.0.0.1')).toBe(false)
    expect(hostAllowed('192.168.1.2:80', 80, '0.0.0.0')).toBe(true)
    expect(hostAllowed('rebind.example:80', 80, '0.0.0.0')).toBe(false)
    expect(hostAllowed('127.0.0.1', 80, '127.0.0.1')).toBe(false)
  })
})

describe('the WebSocket upgrade', () => {
  it('accepts the token with this server\'s Host and Origin only', async () => {
    expect(await upgrade(`/api?token=${TOKEN}`, {})).toBe(101)
    expect(await upgrade('/api', {})).toBe(403)
    expect(await upgrade(`/api?token=${'e'.repeat(48)}`, {})).toBe(403)
    expect(await upgrade(`/api?token=${TOKEN}`, { origin: 'http://evil.example' })).toBe(403)
    expect(await upgrade(`/api?token=${TOKEN}`, { origin: 'null' })).toBe(403)
    expect(await upgrade(`/api?token=${TOKEN}`, { host: `evil.example:${srv.port}`, origin: `http://evil.example:${srv.port}` })).toBe(403)
    expect(await upgrade(`/other?token=${TOKEN}`, {})).toBe(403)
    // no Origin at all: not a browser page of ours
    const noOrigin = await new Promise<number>((ok) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: `/api?token=${TOKEN}`, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
      req.on('upgrade', (res, s) => { s.destroy(); ok(res.statusCode ?? 0) })
      req.on('response', (res) => { res.resume(); ok(res.statusCode ?? 0) })
      req.on('error', () => ok(0))
      req.end()
    })
    expect(noOrigin).toBe(403)
  })
})

describe('messages', () => {
  it('answers malformed JSON and non-calls with an error, and keeps serving', async () => {
    const ws = await connect()
    const bad = ['{not json', '[]', 'null', '42', '{"t":"call","id":"x","method":"appInfo"}', '{"t":"event","id":1}', '{"t":"call","id":1.5,"method":"appInfo"}', '']
    const answers = results(ws, bad.length)
    for (const b of bad) ws.send(b)
    for (const a of await answers) expect(a).toMatchObject({ id: -1, ok: false, error: { code: 'bad-argument', message: expect.stringContaining('malformed message') } })
    const ok = results(ws, 1)
    ws.send(encodeWire({ t: 'call', id: 7, method: 'appInfo', args: {} }))
    expect((await ok)[0]).toMatchObject({ id: 7, ok: true })
    ws.close()
  })

  it('validates every call against its schema (unknown method, wrong types, extra keys, prototype keys)', async () => {
    const ws = await connect()
    const calls = [
      { method: 'noSuchMethod', args: {} },
      { method: 'getSnapshot', args: { id: 42 } },
      { method: 'startOpenPath', args: { path: ['x'] } },
      { method: 'startOpenPath', args: null },
      { method: 'getPageClasses', args: { id: 's1', pageblocks: Array(10).fill('x') } },
      { method: '__proto__', args: {} },
      { method: 'constructor', args: {} },
    ]
    const answers = results(ws, calls.length)
    calls.forEach((c, i) => ws.send(JSON.stringify({ t: 'call', id: i + 1, ...c })))
    for (const a of await answers) {
      expect(a.ok).toBe(false)
      expect((a as { error: { code: string; message: string } }).error.code).toBe('bad-argument')
      expect((a as { error: { message: string } }).error.message).not.toContain('    at ')
    }
    ws.close()
  })

  it('refuses a call over the size limit without parsing it, and binary frames', async () => {
    const ws = await connect()
    const answers = results(ws, 2)
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'startOpenPath', args: { path: 'x'.repeat(MAX_MESSAGE_BYTES) } }))
    ws.send(Buffer.from([1, 2, 3]))
    const [big, bin] = await answers
    expect(big).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^message too large \(\d+ bytes; a call may have at most 1048576 bytes/) } })
    expect(bin).toMatchObject({ ok: false, error: { message: expect.stringContaining('binary frames') } })
    ws.close()
  })

  it('closes the connection (1009) on a frame that announces more than the upload limit', async () => {
    const ws = await connect()
    const closed = new Promise<number>((ok) => ws.once('close', (code) => ok(code)))
    // a masked text frame header announcing 2^40 bytes, then a little data
    const header = Buffer.from([0x81, 0x80 | 127, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4])
    ;(ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.concat([header, Buffer.alloc(64)]))
    expect(await closed).toBe(1009)
  })

  it(`a flood of 5000 calls is answered within 15 s (or refused as too many at once), and the server keeps serving`, async () => {
    const ws = await connect()
    const n = 5000
    const t0 = performance.now()
    const answers = results(ws, n, 15_000)
    for (let i = 1; i <= n; i++) ws.send(encodeWire({ t: 'call', id: i, method: 'appInfo', args: {} }))
    const got = await answers
    expect(performance.now() - t0).toBeLessThan(15_000)
    expect(new Set(got.map((g) => g.id)).size).toBe(n)
    for (const g of got) if (!g.ok) expect(g.error.message).toContain('too many calls at once')
    ws.close()
    const fresh = await connect()
    const one = results(fresh, 1)
    fresh.send(encodeWire({ t: 'call', id: 1, method: 'appInfo', args: {} }))
    expect((await one)[0]!.ok).toBe(true)
    fresh.close()
  }, 30_000)

  it(`at most ${MAX_CLIENTS} connections at once`, async () => {
    const open: WebSocket[] = []
    await new Promise((r) => setTimeout(r, 100))
    try {
      for (let i = 0; i < MAX_CLIENTS; i++) open.push(await connect())
      await expect(connect()).rejects.toThrow(/HTTP 503/)
    } finally {
      for (const w of open) w.close()
    }
  })
})

describe('CSP', () => {
  it('the built renderer has no inline script and its policy has no unsafe-eval', () => {
    const html = readFileSync(join(RENDERER_DIR, 'index.html'), 'utf8')
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/)
      expect(body!.trim()).toBe('')
    }
    expect(html).not.toMatch(/\son[a-z]+=/i) // no inline event handlers
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBeDefined()
    for (const policy of [meta!, CSP]) {
      expect(policy).not.toContain('unsafe-eval')
      expect(/script-src ([^;]+)/.exec(policy)?.[1]).toBe("'self'")
    }
  })

  it('every answer carries the policy and the other security headers', async () => {
    const r = await raw(`/?token=${TOKEN}`)
    expect(r.headers['content-security-policy']).toBe(CSP)
    expect(r.headers['x-content-type-options']).toBe('nosniff')
    expect(r.headers['referrer-policy']).toBe('no-referrer')
    expect(r.headers['x-frame-options']).toBe('DENY')
    expect(CSP).toContain("frame-ancestors 'none'")
  })
})

describe('serve --host', () => {
  it('warns when listening beyond loopback, refuses a host name, and binds loopback by default', async () => {
    expect(exposedWarning('0.0.0.0')).toMatch(/^buddyscope: warning: --host 0\.0\.0\.0 makes this server reachable from other machines/)
    let err = ''
    expect(await serveMain(['--host', 'evil.example'], { out: () => undefined, err: (s) => { err += s } })).toBe(2)
    expect(err).toContain('--host must be an IP address')
    expect(srv.url.startsWith('http://127.0.0.1:')).toBe(true)
    const s2 = await serve({ snapshot: null, port: 0, log: () => {}, host: '127.0.0.2', rendererDir: scratch })
    try {
      writeFileSync(join(scratch, 'index.html'), '<!doctype html>')
      expect(s2.url.startsWith('http://127.0.0.2:')).toBe(true)
    } finally {
      await s2.close()
    }
  })
})
