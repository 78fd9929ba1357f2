/**
 * Security settings of the window and its session: the web preferences, the
 * Content-Security-Policy header, no navigation away from the app, no new windows, no
 * <webview>, no permissions. Plain functions over Electron objects, so the tests can drive them
 * with fakes.
 */
import type { Session, WebContents, WebPreferences } from 'electron'

/** The renderer's policy. The renderer's index.html carries the same policy in a <meta>, and the
 * app:// handler (protocol.ts) sends it as a header on every file it serves. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** The renderer's own scheme and origin (electron/main/protocol.ts serves it; checklist item 17). */
export const APP_SCHEME = 'app'
export const APP_HOST = 'buddyscope'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/**
 * Where the renderer is loaded from: the dev server (electron-vite dev), or the built renderer
 * directory `root` served on app://buddyscope/ (the window loads APP_INDEX_URL).
 */
export type RendererLocation = { kind: 'url'; url: string } | { kind: 'app'; root: string }

/**
 * Whether `url` is the app's own renderer: the dev server's origin, or the app:// origin's
 * index.html (query and fragment ignored; no file:// URL, no other scheme, host or path).
 */
export function isAppUrl(location: RendererLocation, url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (location.kind === 'url') {
    let dev: URL
    try {
      dev = new URL(location.url)
    } catch {
      return false
    }
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === dev.origin
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username !== '' || u.password !== '') return false
  return u.pathname === '/' || u.pathname === '/index.html'
}

/** The window's web preferences: isolated, sandboxed, no Node, nothing optional switched on. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    enableWebSQL: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: true,
  }
}

/** Response headers with our CSP replacing any Content-Security-Policy the response had. */
export function withCsp(headers: Record<string, string | string[]> | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = v
  }
  out['Content-Security-Policy'] = [CSP]
  return out
}

/** CSP on every response; every permission request and check denied. */
export function installSessionSecurity(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.url.startsWith('devtools:')) return callback({})
    callback({ responseHeaders: withCsp(details.responseHeaders) })
  })
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}

/**
 * Whether a link may leave the app for the user's browser: https only, with a host, no
 * credentials in it (file:, http:, javascript:, custom schemes such as smb: or ms-msdt: that
 * launch other programs are never handed to the desktop).
 */
export function isSafeExternalUrl(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === ''
}

/** Hand a link to the desktop's browser when it is safe (isSafeExternalUrl); true when it was. */
export function openExternalSafely(openExternal: (url: string) => Promise<void>, url: string): boolean {
  if (!isSafeExternalUrl(url)) return false
  openExternal(url).catch(() => undefined)
  return true
}

/**
 * Guards for one webContents: navigation only within the app (a file dropped on the window
 * would otherwise navigate to its file:// URL), no popups (an https link the page opens goes to
 * the desktop's browser when `openExternal` is given: shell.openExternal), no <webview>.
 */
export function hardenWebContents(contents: WebContents, location: RendererLocation, openExternal?: (url: string) => Promise<void>): void {
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(location, url)) event.preventDefault()
  }
  contents.on('will-navigate', (event, url) => guard(event, url))
  contents.on('will-redirect', (event, url) => guard(event, url))
  contents.on('will-frame-navigate', (event) => guard(event, event.url))
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (openExternal) openExternalSafely(openExternal, url)
    return { action: 'deny' }
  })
}
