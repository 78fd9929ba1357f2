/**
 * The browser-mode host (`buddyscope serve`): serves the built renderer and the same service as
 * Electron main (host/service.ts), over HTTP + WebSocket, on 127.0.0.1 only, with a random
 * access token in the URL. For remote machines (an SSH tunnel) and the end-to-end tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { extname, join, normalize, resolve, sep, dirname } from 'node:path'
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

export interface ServeOptions {
  snapshot: string | null
  port: number
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

  const server = createServer((req, res) => {
    void serveStatic(req, res).catch(() => {
      res.writeHead(500).end('internal error')
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 512 * 1024 * 1024 })
  let port = 0
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    const origin = req.headers.origin
    const okOrigin = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
    if (u.pathname !== '/api' || !tokenOk(u.searchParams.get('token'), token) || !okOrigin) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws)
      ws.on('close', () => clients.delete(ws))
      ws.on('message', (data) => {
        void onMessage(ws, String(data))
      })
    })
  })

  async function onMessage(ws: WebSocket, text: string): Promise<void> {
    let msg: ClientMessage
    try {
      msg = decodeWire(text) as ClientMessage
      if (msg?.t !== 'call' || typeof msg.id !== 'number' || typeof msg.method !== 'string') throw new Error('not a call')
    } catch {
      ws.send(encodeWire({ t: 'result', id: -1, ok: false, error: { code: 'bad-argument', message: 'malformed message' } } satisfies ServerMessage))
      return
    }
    let reply: ServerMessage
    try {
      reply = { t: 'result', id: msg.id, ok: true, value: await host.handle(msg.method, msg.args) }
    } catch (e) {
      reply = { t: 'result', id: msg.id, ok: false, error: isHostError(e) ? { code: e.code, message: e.message } : { code: 'internal', message: String(e) } }
    }
    if (ws.readyState === ws.OPEN) ws.send(encodeWire(reply))
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return
    }
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    let rel = decodeURIComponent(u.pathname)
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
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port, '127.0.0.1', () => ok())
  })
  const addr = server.address()
  port = typeof addr === 'object' && addr ? addr.port : opts.port
  const url = `http://127.0.0.1:${port}/?token=${token}`
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

function tokenOk(given: string | null, token: string): boolean {
  if (!given || given.length !== token.length) return false
  return timingSafeEqual(Buffer.from(given), Buffer.from(token))
}
