import { describe, expect, it, vi, beforeEach } from 'vitest'
import { pathToFileURL } from 'node:url'
import type { Session, WebContents } from 'electron'

vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)

import { FakeEvent, FakeSession, FakeWebContents, resetFake, FakeBrowserWindow, fake } from './fake_electron.ts'
import { CSP, hardenWebContents, installSessionSecurity, isAppUrl, isSafeExternalUrl, withCsp, type RendererLocation } from '../../electron/main/security.ts'
import { createMainWindow, resolveAppPaths, windowOptions } from '../../electron/main/window.ts'

const indexHtml = '/opt/Buddyscope/resources/app.asar/out/renderer/index.html'
const fileLocation: RendererLocation = { kind: 'app', root: '/opt/Buddyscope/resources/app.asar/out/renderer' }
const APP_URL = 'app://buddyscope/index.html'
const devLocation: RendererLocation = { kind: 'url', url: 'http://localhost:5173/' }

beforeEach(() => resetFake())

describe('window options', () => {
  const paths = resolveAppPaths({ mainDir: '/app/out/main', appPath: '/app', isPackaged: true })

  it('isolates and sandboxes the renderer, without Node', () => {
    const wp = windowOptions(paths).webPreferences!
    expect(wp.contextIsolation).toBe(true)
    expect(wp.sandbox).toBe(true)
    expect(wp.nodeIntegration).toBe(false)
    expect(wp.nodeIntegrationInWorker).toBe(false)
    expect(wp.nodeIntegrationInSubFrames).toBe(false)
    expect(wp.webSecurity).toBe(true)
    expect(wp.allowRunningInsecureContent).toBe(false)
    expect(wp.webviewTag).toBe(false)
    expect(wp.navigateOnDragDrop).toBe(false)
    expect(wp.experimentalFeatures).toBe(false)
    expect(wp.enableBlinkFeatures).toBeUndefined()
    expect(wp.allowRunningInsecureContent).toBe(false)
  })

  it('uses the CommonJS preload next to out/main and the built index.html', () => {
    expect(paths.preload).toBe('/app/out/preload/index.cjs')
    expect(paths.renderer).toEqual({ kind: 'app', root: '/app/out/renderer' })
    expect(windowOptions(paths).webPreferences!.preload).toBe('/app/out/preload/index.cjs')
  })

  it('takes the dev server URL only in an unpackaged run', () => {
    const dev = resolveAppPaths({ mainDir: '/app/out/main', appPath: '/app', isPackaged: false, devUrl: 'http://localhost:5173' })
    expect(dev.renderer).toEqual({ kind: 'url', url: 'http://localhost:5173' })
    const packaged = resolveAppPaths({ mainDir: '/app/out/main', appPath: '/app', isPackaged: true, devUrl: 'https://evil.example/' })
    expect(packaged.renderer).toEqual({ kind: 'app', root: '/app/out/renderer' })
  })

  it('creates the window hidden, loads the renderer and guards its webContents', () => {
    const win = createMainWindow(paths) as unknown as FakeBrowserWindow
    expect(win.options['show']).toBe(false)
    expect(win.loaded).toEqual({ kind: 'url', target: APP_URL })
    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    win.emit('ready-to-show')
    expect(win.visible).toBe(true)
    expect(FakeBrowserWindow.all).toHaveLength(1)
  })
})

describe('Content-Security-Policy header', () => {
  it('is the strict policy', () => {
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(CSP).toContain(d)
    }
    expect(CSP).not.toMatch(/unsafe-eval|\*/)
    expect(CSP.split('; ').find((d) => d.startsWith('script-src'))).toBe("script-src 'self'")
  })

  it('replaces any policy the response had, keeping the other headers', () => {
    const h = withCsp({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] })
    expect(h).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CSP] })
  })

  it('is set on every response through session.webRequest.onHeadersReceived', () => {
    const s = new FakeSession()
    installSessionSecurity(s as unknown as Session)
    expect(s.headersListener).not.toBeNull()
    let answer: { responseHeaders?: Record<string, string | string[]> } | null = null
    s.headersListener!({ url: pathToFileURL(indexHtml).href, responseHeaders: { 'Content-Security-Policy': ['default-src *'] } }, (r) => (answer = r))
    expect(answer!.responseHeaders!['Content-Security-Policy']).toEqual([CSP])
    s.headersListener!({ url: 'http://localhost:5173/', responseHeaders: undefined }, (r) => (answer = r))
    expect(answer!.responseHeaders).toEqual({ 'Content-Security-Policy': [CSP] })
  })
})

describe('permissions', () => {
  it('denies every permission request and check', () => {
    const s = new FakeSession()
    installSessionSecurity(s as unknown as Session)
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid']) {
      const cb = vi.fn()
      s.permissionRequest!({}, p, cb)
      expect(cb).toHaveBeenCalledWith(false)
      expect(s.permissionCheck!({}, p, 'file://')).toBe(false)
    }
    expect(s.devicePermission!({})).toBe(false)
  })
})

describe('navigation and new windows', () => {
  function guarded(location: RendererLocation): FakeWebContents {
    const wc = new FakeWebContents()
    hardenWebContents(wc as unknown as WebContents, location)
    return wc
  }

  it('blocks navigation away from the app, e.g. to a dropped file', () => {
    const wc = guarded(fileLocation)
    for (const url of ['file:///home/u/capture.tar.gz', 'file:///etc/passwd', 'https://example.com/', 'javascript:alert(1)', 'not a url',
      pathToFileURL('/opt/Buddyscope/resources/app.asar/out/renderer/other.html').href, pathToFileURL(indexHtml).href,
      'app://buddyscope/other.html', 'app://evil/index.html', 'app://buddyscope:1/index.html', 'foo://buddyscope/index.html']) {
      const e = new FakeEvent(url)
      wc.emit('will-navigate', e, url)
      expect(e.defaultPrevented, url).toBe(true)
      const r = new FakeEvent(url)
      wc.emit('will-redirect', r, url)
      expect(r.defaultPrevented, url).toBe(true)
      const f = new FakeEvent(url)
      wc.emit('will-frame-navigate', f)
      expect(f.defaultPrevented, url).toBe(true)
    }
  })

  it('lets the app navigate to itself (reload, query, fragment)', () => {
    const wc = guarded(fileLocation)
    const self = APP_URL
    for (const url of [self, `${self}#/zones`, `${self}?x=1`, 'app://buddyscope/']) {
      const e = new FakeEvent(url)
      wc.emit('will-navigate', e, url)
      expect(e.defaultPrevented, url).toBe(false)
    }
  })

  it('with the dev server, allows its origin only', () => {
    const wc = guarded(devLocation)
    const ok = new FakeEvent()
    wc.emit('will-navigate', ok, 'http://localhost:5173/index.html')
    expect(ok.defaultPrevented).toBe(false)
    for (const url of ['http://localhost:5174/', 'http://127.0.0.1:5173/', 'file:///tmp/x']) {
      const e = new FakeEvent()
      wc.emit('will-navigate', e, url)
      expect(e.defaultPrevented, url).toBe(true)
    }
  })

  it('denies new windows and <webview>', () => {
    const wc = guarded(fileLocation)
    expect(wc.windowOpenHandler!({ url: pathToFileURL(indexHtml).href })).toEqual({ action: 'deny' })
    expect(wc.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    const e = new FakeEvent()
    wc.emit('will-attach-webview', e)
    expect(e.defaultPrevented).toBe(true)
  })

  it('isAppUrl accepts only app://buddyscope/index.html, never file://', () => {
    expect(isAppUrl(fileLocation, APP_URL)).toBe(true)
    expect(isAppUrl(fileLocation, pathToFileURL(indexHtml).href)).toBe(false)
    expect(isAppUrl(fileLocation, 'file://evil.example' + pathToFileURL(indexHtml).pathname)).toBe(false)
    expect(isAppUrl(fileLocation, 'app://buddyscope/index.html.x')).toBe(false)
    expect(isAppUrl(fileLocation, 'app://user@buddyscope/index.html')).toBe(false)
    expect(isAppUrl({ kind: 'url', url: 'not a url' }, 'http://localhost/')).toBe(false)
  })
})

describe('shell.openExternal', () => {
  it('only https links go to the desktop browser; the app window never opens one itself', () => {
    const paths = resolveAppPaths({ mainDir: '/app/out/main', appPath: '/app', isPackaged: true })
    const win = createMainWindow(paths) as unknown as FakeBrowserWindow
    const links = ['https://www.kernel.org/doc/html/latest/admin-guide/mm/', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)',
      'smb://evil/share', 'ms-msdt:/id', 'https://user:pw@evil.example/', 'not a url', pathToFileURL(indexHtml).href]
    for (const url of links) expect(win.webContents.windowOpenHandler!({ url }), url).toEqual({ action: 'deny' })
    expect(fake.externalOpened).toEqual(['https://www.kernel.org/doc/html/latest/admin-guide/mm/'])
  })

  it('isSafeExternalUrl: https with a host and no credentials', () => {
    expect(isSafeExternalUrl('https://example.com/a?b#c')).toBe(true)
    for (const u of ['HTTP://example.com', 'ftp://x', 'file:///x', 'data:text/html,x', 'https://a:b@example.com', 'vscode://x']) expect(isSafeExternalUrl(u), u).toBe(false)
  })

  it('without a shell (tests, other hosts) links are only denied', () => {
    const wc = new FakeWebContents()
    hardenWebContents(wc as unknown as WebContents, fileLocation)
    expect(wc.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    expect(fake.externalOpened).toEqual([])
  })
})

describe('the shipped binary', () => {
  it('electron-builder flips the fuses: no run-as-node, no NODE_OPTIONS, no --inspect, app code only from app.asar', async () => {
    const { readFileSync } = await import('node:fs')
    const yml = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8')
    const fuses = /^electronFuses:\n((?: {2}\w+: \w+\n)+)/m.exec(yml)?.[1] ?? ''
    expect(fuses).toContain('runAsNode: false')
    expect(fuses).toContain('enableNodeOptionsEnvironmentVariable: false')
    expect(fuses).toContain('enableNodeCliInspectArguments: false')
    expect(fuses).toContain('onlyLoadAppFromAsar: true')
    expect(yml).toMatch(/^asar: true$/m)
  })
})
