/**
 * The browser-mode host (`buddyscope serve`): serves the built renderer and the same service as
 * Electron main (host/service.ts), over HTTP + WebSocket, on 127.0.0.1 only (another address only
 * with `--host`, and then with a warning), with a random access token in the URL. For remote
 * machines (an SSH tunnel) and the end-to-end tests.
 *
 * Every request is checked (docs/security.md, "Browser mode"):
 * - the token, on every HTTP request (`?token=`, or the HttpOnly SameSite=Strict cookie the first
 *   page load sets) and on the WebSocket upgrade (`/api?token=`), compared in constant time;
 * - the Host header (DNS rebinding: a web page whose name resolves to 127.0.0.1 sends its own
 *   name), and the Origin header of the upgrade and of any request that has one;
 * - WebSocket messages: at most MAX_UPLOAD_BYTES for an upload and MAX_MESSAGE_BYTES for any
 *   other call, JSON of the call shape, then the method's schema (host/service.ts); at most
 *   MAX_IN_FLIGHT unanswered calls per connection and MAX_CLIENTS connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { extname, join, normalize, resolve, sep, dirname } from 'node:path'
import { isIP } from 'node:net'
import { hostname as osHostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import { BuddyscopeService } from '../host/service.ts'
import { EnginePool } from '../host/workers/pool.ts'
import { RecentFileStore } from '../host/recent.ts'
import { decodeWire, encodeWire, isHostError, type ClientMessage, type ServerMessage } from '../contract/index.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const RENDERER_DIR = join(ROOT, 'out', 'renderer')
export const BUNDLED_SNAPSHOT = join(ROOT, 'fixtures', 'x86-512M-s1-compact')

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
}

/** Build the renderer with Vite when out/renderer is missing. */
export async function ensureRenderer(log: (s: string) => void): Promise<void> {
  if (existsSync(join(RENDERER_DIR, 'index.html'))) return
  log('building the renderer (first run) …\n')
  const vite = await import('vite')
  await vite.build({ configFile: join(ROOT, 'vite.renderer.config.ts'), logLevel: 'warn' })
}

/** A call other than an upload: its JSON text. The largest real one (a report of many what-ifs) is a few KiB. */
export const MAX_MESSAGE_BYTES = 1024 * 1024
/** An upload's frame: the files base64 in JSON (a capture bundle is a few MiB; kpageflags of a 64 GiB machine, gzip'd, tens). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024
/** Unanswered calls per connection; the app has a handful in flight at most. */
export const MAX_IN_FLIGHT = 64
/** WebSocket connections at once (browser tabs of the app). */
export const MAX_CLIENTS = 16

export interface ServeOptions {
  snapshot: string | null
  port: number
  /** the address to listen on (default 127.0.0.1); another than loopback is `--host`'s, and warned about */
  host?: string
  log: (s: string) => void
  /** for tests: a fixed token */
  token?: string
  /** for tests: serve static files from here instead of the built renderer */
  rendererDir?: string
}

export interface RunningServer {
  url: string
  port: number
  token: string
  host: BuddyscopeService
  close(): Promise<void>
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const rendererDir = opts.rendererDir ?? RENDERER_DIR
  if (!opts.rendererDir) await ensureRenderer(opts.log)
  const token = opts.token ?? randomBytes(24).toString('hex')
  const bindHost = opts.host ?? '127.0.0.1'
  const clients = new Set<WebSocket>()
  const host = new BuddyscopeService({
    transport: 'browser',
    version: process.env['npm_package_version'] ?? '0.1.0',
    emit: (event, payload) => {
      const msg = encodeWire({ t: 'event', event, payload } satisfies ServerMessage)
      for (const c of clients) if (c.readyState === c.OPEN) c.send(msg)
    },
    pool: new EnginePool(),
    recent: RecentFileStore.inConfigDir(),
    bundledSnapshot: opts.snapshot ? resolve(opts.snapshot) : BUNDLED_SNAPSHOT,
    captureScript: join(ROOT, 'capture', 'buddyscope-capture'),
  })

  let port = 0
  const cookieName = (): string => `buddyscope_token_${port}`
  /** Why a request may not be served, or null: its Host, its Origin (when it has one). */
  const refuseHostOrigin = (req: IncomingMessage, originRequired: boolean): string | null => {
    const h = req.headers.host
    if (!h || !hostAllowed(h, port, bindHost)) return `Host ${JSON.stringify(h ?? '')} is not this server (DNS rebinding?)`
    const origin = req.headers.origin
    if (origin === undefined) return originRequired ? 'no Origin header' : null
    if (origin !== `http://${h}`) return `Origin ${JSON.stringify(origin)} is not this server's`
    return null
  }
  const sendPlain = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(text + '\n')
  }

  const server = createServer((req, res) => {
    void serveStatic(req, res).catch(() => {
      if (!res.headersSent) sendPlain(res, 500, 'internal error')
      else res.destroy()
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_UPLOAD_BYTES })
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    const refuse = (status: string): void => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      socket.destroy()
    }
    if (u.pathname !== '/api' || refuseHostOrigin(req, true) !== null || !tokenOk(u.searchParams.get('token'), token)) return refuse('403 Forbidden')
    if (clients.size >= MAX_CLIENTS) return refuse('503 Service Unavailable')
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws)
      let inFlight = 0
      ws.on('close', () => clients.delete(ws))
      ws.on('error', () => ws.terminate())
      ws.on('message', (data, isBinary) => {
        const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as ArrayBuffer | Buffer).byteLength
        const text = isBinary ? '' : String(data)
        if (isBinary) return refuseMessage(ws, 'binary frames are not part of the protocol (JSON text only)')
        if (size > MAX_MESSAGE_BYTES && !UPLOAD_CALL.test(text.slice(0, 200))) {
          return refuseMessage(ws, `message too large (${size} bytes; a call may have at most ${MAX_MESSAGE_BYTES} bytes, an upload ${MAX_UPLOAD_BYTES})`)
        }
        if (inFlight >= MAX_IN_FLIGHT) return refuseMessage(ws, `too many calls at once (${MAX_IN_FLIGHT} unanswered); wait for answers`, callId(text))
        inFlight++
        void onMessage(ws, text).finally(() => inFlight--)
      })
    })
  })

  async function onMessage(ws: WebSocket, text: string): Promise<void> {
    let msg: ClientMessage
    try {
      msg = decodeWire(text) as ClientMessage
      if (typeof msg !== 'object' || msg === null || msg.t !== 'call' || !Number.isSafeInteger(msg.id) || typeof msg.method !== 'string') throw new Error('not a call')
    } catch {
      refuseMessage(ws, 'malformed message: expected JSON {"t":"call","id":N,"method":"…","args":…}')
      return
    }
    let reply: ServerMessage
    try {
      reply = { t: 'result', id: msg.id, ok: true, value: await host.handle(msg.method, msg.args) }
    } catch (e) {
      reply = { t: 'result', id: msg.id, ok: false, error: isHostError(e) ? { code: e.code, message: e.message } : { code: 'internal', message: e instanceof Error ? e.message : String(e) } }
    }
    if (ws.readyState === ws.OPEN) ws.send(encodeWire(reply))
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const why = refuseHostOrigin(req, false)
    if (why !== null) return sendPlain(res, 403, `forbidden: ${why}`)
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    const given = u.searchParams.get('token')
    const viaQuery = tokenOk(given, token)
    if (!viaQuery && !tokenOk(cookieOf(req.headers.cookie, cookieName()), token)) {
      return sendPlain(res, 401, 'this Buddyscope server needs its access token: open the URL `buddyscope serve` printed (…/?token=…)')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end()
      return
    }
    let rel: string
    try {
      rel = decodeURIComponent(u.pathname)
    } catch {
      return sendPlain(res, 400, 'bad request: malformed percent-encoding in the path')
    }
    if (rel === '/' || rel === '') rel = '/index.html'
    const file = normalize(join(rendererDir, rel))
    if (!file.startsWith(rendererDir + sep)) {
      res.writeHead(403).end()
      return
    }
    const st = await stat(file).catch(() => null)
    if (!st || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const body = await readFile(file)
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      ...SECURITY_HEADERS,
      'cache-control': 'no-store',
      // the first load carries the token in its URL; the page's scripts, styles and later loads carry this cookie
      ...(viaQuery ? { 'set-cookie': `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict` } : {}),
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port, bindHost, () => ok())
  })
  const addr = server.address()
  port = typeof addr === 'object' && addr ? addr.port : opts.port
  const urlHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : isIP(bindHost) === 6 ? `[${bindHost}]` : bindHost
  const url = `http://${urlHost}:${port}/?token=${token}`
  return {
    url, port, token, host,
    close: async () => {
      for (const c of clients) c.terminate()
      wss.close()
      await host.dispose()
      await new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}

function tokenOk(given: string | null | undefined, token: string): boolean {
  if (!given || given.length !== token.length) return false
  return timingSafeEqual(Buffer.from(given), Buffer.from(token))
}

/** Headers of every answer: the CSP (no inline script, no eval), no sniffing, no referrer (the URL holds the token), no framing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

/** `{"t":"call","id":N,"method":"startOpenUpload"` as encodeWire writes it */
const UPLOAD_CALL = /^\{"t":"call","id":\d+,"method":"startOpenUpload"/

/** The id of a call, when the text is one, else -1 (for the answer to a refused message). */
function callId(text: string): number {
  const m = /^\{"t":"call","id":(\d+),/.exec(text.slice(0, 64))
  return m ? Number(m[1]) : -1
}

function refuseMessage(ws: WebSocket, message: string, id = -1): void {
  if (ws.readyState === ws.OPEN) ws.send(encodeWire({ t: 'result', id, ok: false, error: { code: 'bad-argument', message } } satisfies ServerMessage))
}

function cookieOf(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return null
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * Whether a Host header names this server: a loopback name with our port; with `--host`, also
 * an IP literal or this machine's name. Any other name is a page whose DNS name was pointed at
 * this machine (DNS rebinding), and is refused.
 */
export function hostAllowed(header: string, port: number, bindHost: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d+)$/.exec(header)
  if (!m || Number(m[2]) !== port) return false
  const name = m[1]!.replace(/^\[|\]$/g, '').toLowerCase()
  if (isLoopback(name)) return true
  if (isLoopback(bindHost)) return false
  return isIP(name) !== 0 || name === osHostname().toLowerCase() || name === bindHost.toLowerCase()
}
