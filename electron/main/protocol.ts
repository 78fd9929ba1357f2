/**
 * The renderer's own scheme (Electron security checklist item 17): the window loads
 * app://buddyscope/index.html instead of a file:// URL, so the page's origin is the app's alone
 * (not every file on the disk), and the handler serves only files inside the built renderer
 * directory. The scheme is registered as privileged (standard, secure) before the app is ready;
 * the handler is installed with protocol.handle once it is.
 */
import { readFile, realpath, stat } from 'node:fs/promises'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import type { CustomScheme } from 'electron'
import { APP_HOST, APP_SCHEME, CSP } from './security.ts'

export { APP_HOST, APP_INDEX_URL, APP_ORIGIN, APP_SCHEME } from './security.ts'

/** What registerSchemesAsPrivileged gets: a standard, secure scheme (origin, 'self' in the CSP, fetch). */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false, bypassCSP: false, allowServiceWorkers: false },
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

/** The Content-Type of a served file by its extension (application/octet-stream when unknown). */
export function mimeTypeOf(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The file an app:// URL names inside `root`, or null: another scheme or host, a `..` or empty
 * segment, a backslash, a NUL, an encoded slash, or a path that does not resolve inside root.
 * `/` is index.html. Symlinks are checked by appFileFor (it needs the file system).
 */
export function appPathOf(root: string, url: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password || u.port) return null
  const raw = u.pathname === '/' ? '/index.html' : u.pathname
  if (/%2f|%5c|%00/i.test(raw)) return null
  let path: string
  try {
    path = decodeURIComponent(raw)
  } catch {
    return null
  }
  if (path.includes('\0') || path.includes('\\')) return null
  const segments = path.split('/').slice(1)
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null
  const file = resolve(root, ...segments)
  const rel = relative(root, file)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return file
}

/** appPathOf, then the real path (symlinks followed) must still be a regular file inside root's real path. */
export async function appFileFor(root: string, url: string): Promise<string | null> {
  const file = appPathOf(root, url)
  if (!file) return null
  try {
    const realRoot = await realpath(root)
    const real = await realpath(file)
    if (!real.startsWith(realRoot + sep)) return null
    if (!(await stat(real)).isFile()) return null
    return real
  } catch {
    return null
  }
}

/** The protocol.handle handler for APP_SCHEME, serving files of `root` (GET and HEAD only). */
export function appProtocolHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD' } })
    const file = await appFileFor(root, request.url)
    if (!file) return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    const body = request.method === 'HEAD' ? null : await readFile(file)
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': mimeTypeOf(file), 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' },
    })
  }
}

/** The part of Electron's protocol module this file uses. */
export interface ProtocolModule {
  registerSchemesAsPrivileged(schemes: CustomScheme[]): void
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void
}

/** Before ready: declare the scheme privileged. */
export function registerAppScheme(protocol: Pick<ProtocolModule, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])
}

/** Once ready: serve the built renderer directory on the scheme. */
export function handleAppProtocol(protocol: Pick<ProtocolModule, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, appProtocolHandler(root))
}
