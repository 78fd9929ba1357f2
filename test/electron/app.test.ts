import { describe, expect, it, vi, beforeEach, afterEach, type Mock } from 'vitest'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { MenuItemConstructorOptions } from 'electron'

vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)

import { FakeBrowserWindow, FakeEvent, FakeWebContents, click, fake, findItem, resetFake, submenu } from './fake_electron.ts'
import { startApp, type AppHost, type StartOptions } from '../../electron/main/app.ts'
import type { HostDeps } from '../../host/deps.ts'
import { METHODS } from '../../contract/index.ts'
import { EVENT_CHANNEL, callChannel } from '../../contract/names.ts'
import { CSP } from '../../electron/main/security.ts'

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const mainDir = '/app/out/main'

interface TestHost extends AppHost {
  deps: HostDeps
  handle: Mock<(method: string, args: unknown) => Promise<unknown>>
  openPath: Mock<(path: string) => string>
  dispose: Mock<() => Promise<void>>
}

let tmp: string
let hosts: TestHost[]
beforeEach(() => {
  resetFake()
  tmp = mkdtempSync(join(tmpdir(), 'bs-app-'))
  fake.app.userData = join(tmp, 'userData')
  fake.app.appPath = repoRoot
  hosts = []
})
afterEach(() => rmSync(tmp, { recursive: true, force: true }))

const fakePool = { run: vi.fn(), destroy: vi.fn(async () => {}) }

function options(over: Partial<StartOptions> = {}): StartOptions {
  return {
    createPool: () => fakePool,
    createHost: (deps) => {
      let n = 0
      const h: TestHost = {
        deps,
        handle: vi.fn(async (method: string, _args: unknown): Promise<unknown> => ({ method })),
        openPath: vi.fn((_path: string) => `r${++n}`),
        dispose: vi.fn(async (): Promise<void> => {}),
      }
      hosts.push(h)
      return h
    },
    mainDir,
    argv: ['buddyscope-app'],
    cwd: '/work/dir',
    env: {},
    ...over,
  }
}

async function started(over: Partial<StartOptions> = {}) {
  const running = startApp(options(over))
  if (!running) throw new Error('startApp returned null')
  fake.app.becomeReady()
  await running.ready
  const win = FakeBrowserWindow.all[0]!
  return { running, win, host: hosts[0]! }
}

describe('single instance', () => {
  it('a second process quits without creating anything', () => {
    fake.app.lock = false
    expect(startApp(options())).toBeNull()
    expect(fake.app.quitCalls).toBe(1)
    fake.app.becomeReady()
    expect(FakeBrowserWindow.all).toHaveLength(0)
    expect(fake.ipcHandlers.size).toBe(0)
  })

  it('second-instance with a path focuses the window and opens the path', async () => {
    const { win, host } = await started()
    win.minimized = true
    fake.app.emit('second-instance', new FakeEvent(), ['buddyscope-app', '--some-switch', 'caps/box.tar.gz'], '/home/u')
    expect(win.minimized).toBe(false)
    expect(win.focused).toBe(1)
    expect(host.openPath).toHaveBeenCalledWith('/home/u/caps/box.tar.gz')
  })

  it('second-instance after the window was closed (macOS) opens a new window with the path', async () => {
    const { win, host } = await started()
    win.close()
    fake.app.emit('second-instance', new FakeEvent(), ['buddyscope-app', '/caps/x.tgz'], '/home/u')
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1)
    expect(host.openPath).toHaveBeenCalledWith('/caps/x.tgz')
  })

  it('second-instance without a path only focuses', async () => {
    const { win, host } = await started()
    fake.app.emit('second-instance', new FakeEvent(), ['buddyscope-app'], '/home/u')
    expect(win.focused).toBe(1)
    expect(host.openPath).not.toHaveBeenCalled()
  })
})

describe('startup', () => {
  it('sandboxes every renderer and creates one secure window loading the built renderer', async () => {
    const { win } = await started()
    expect(fake.app.sandboxEnabled).toBe(true)
    expect(FakeBrowserWindow.all).toHaveLength(1)
    const wp = win.options['webPreferences'] as Record<string, unknown>
    expect(wp).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/app/out/preload/index.cjs' })
    expect(win.loaded).toEqual({ kind: 'url', target: 'app://buddyscope/index.html' })
    // app:// privileged before ready, handled after (checklist item 17)
    expect(fake.privilegedSchemes).toEqual([{ schemes: [expect.objectContaining({ scheme: 'app' })], whenReady: false }])
    expect([...fake.protocolHandlers.keys()]).toEqual(['app'])
  })

  it('installs the CSP header and denies permissions on the default session', async () => {
    await started()
    let headers: Record<string, string | string[]> | undefined
    fake.session.headersListener!({ url: 'file:///app/out/renderer/index.html', responseHeaders: {} }, (r) => (headers = r.responseHeaders))
    expect(headers!['Content-Security-Policy']).toEqual([CSP])
    const cb = vi.fn()
    fake.session.permissionRequest!({}, 'media', cb)
    expect(cb).toHaveBeenCalledWith(false)
  })

  it('registers the contract methods on IPC and forwards trusted calls to the host', async () => {
    const { host } = await started()
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(Object.keys(METHODS).map(callChannel).sort())
    const h = fake.ipcHandlers.get(callChannel('listRecent'))!
    const trusted = { senderFrame: { url: 'app://buddyscope/index.html', parent: null } }
    expect(await h(trusted, {})).toEqual({ ok: true, value: { method: 'listRecent' } })
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } }
    expect(await h(foreign, {})).toMatchObject({ ok: false, error: { code: 'unsupported' } })
    const fromFile = { senderFrame: { url: pathToFileURL('/app/out/renderer/index.html').href, parent: null } }
    expect(await h(fromFile, {})).toMatchObject({ ok: false, error: { code: 'unsupported' } })
    expect(host.handle).toHaveBeenCalledTimes(1)
  })

  it('gives the host electron transport, the app version and the bundled capture', async () => {
    const { host } = await started()
    expect(host.deps.transport).toBe('electron')
    expect(host.deps.version).toBe('0.1.0')
    expect(host.deps.bundledSnapshot).toBe(join(repoRoot, 'fixtures', 'x86-512M-s1-compact'))
    expect(host.deps.pool).toBe(fakePool)
  })

  it('a packaged app finds the bundled capture in resources/ and ignores ELECTRON_RENDERER_URL', async () => {
    fake.app.isPackaged = true
    const resources = join(tmp, 'resources')
    mkdirSync(join(resources, 'fixtures', 'x86-512M-s1-compact'), { recursive: true })
    const proc = process as NodeJS.Process & { resourcesPath: string }
    const before = proc.resourcesPath
    proc.resourcesPath = resources
    try {
      const { host, win } = await started({ env: { ELECTRON_RENDERER_URL: 'https://evil.example/' } })
      expect(host.deps.bundledSnapshot).toBe(join(resources, 'fixtures', 'x86-512M-s1-compact'))
      expect(win.loaded).toEqual({ kind: 'url', target: 'app://buddyscope/index.html' })
    } finally {
      proc.resourcesPath = before
    }
  })

  it('in development loads the dev server', async () => {
    const { win } = await started({ env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } })
    expect(win.loaded).toEqual({ kind: 'url', target: 'http://localhost:5173' })
  })

  it('pickPath shows the native dialog for the asked kind', async () => {
    const { host, win } = await started()
    fake.dialogResult = { canceled: false, filePaths: ['/caps/dir'] }
    await expect(host.deps.pickPath!('directory')).resolves.toBe('/caps/dir')
    expect(fake.dialogCalls[0]![0]).toBe(win)
    expect((fake.dialogCalls[0]![1] as { properties: string[] }).properties).toEqual(['openDirectory'])
    fake.dialogResult = { canceled: true, filePaths: [] }
    await expect(host.deps.pickPath!('file')).resolves.toBeNull()
  })

  it('gives the host the capture script, and saves it where the native save dialog says, executable', async () => {
    const { host, win } = await started()
    expect(host.deps.captureScript).toBe(join(repoRoot, 'capture', 'buddyscope-capture'))
    const target = join(tmp, 'saved-capture')
    fake.saveDialogResult = { canceled: false, filePath: target }
    await expect(host.deps.saveFile!('buddyscope-capture', '#!/bin/sh\n', 0o755)).resolves.toBe(target)
    expect(fake.dialogCalls[0]![0]).toBe(win)
    expect(fake.dialogCalls[0]![1]).toMatchObject({ defaultPath: 'buddyscope-capture' })
    expect(readFileSync(target, 'utf8')).toBe('#!/bin/sh\n')
    expect(statSync(target).mode & 0o777).toBe(0o755)
    fake.saveDialogResult = { canceled: true }
    await expect(host.deps.saveFile!('buddyscope-capture', 'x', 0o755)).resolves.toBeNull()
  })

  it('host events reach the renderer on bs:event once the page has loaded', async () => {
    const { host, win } = await started()
    host.deps.emit('run:progress', { runId: 'r1', phase: 'reading', done: 1, total: 3 })
    expect(win.webContents.sent).toEqual([])
    win.webContents.finishLoad()
    expect(win.webContents.sent).toEqual([{ channel: EVENT_CHANNEL, message: { event: 'run:progress', payload: { runId: 'r1', phase: 'reading', done: 1, total: 3 } } }])
  })

  it('a startup failure is reported instead of leaving a process without a window', async () => {
    const running = startApp(options({ createHost: () => { throw new Error('cannot start') } }))!
    fake.app.becomeReady()
    await running.ready
    expect(fake.errorBoxes).toEqual([['Buddyscope could not start', 'cannot start']])
    expect(fake.app.exitCode).toBe(1)
  })
})

describe('every webContents', () => {
  it('gets no popups and no <webview>', async () => {
    await started()
    const wc = new FakeWebContents()
    fake.app.emit('web-contents-created', new FakeEvent(), wc)
    expect(wc.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    const e = new FakeEvent()
    wc.emit('will-attach-webview', e)
    expect(e.defaultPrevented).toBe(true)
  })
})

describe('opening from outside the renderer', () => {
  it('a path on the command line opens after the window exists, instead of the bundled capture', async () => {
    const { host } = await started({ argv: ['buddyscope-app', 'caps/first.tgz'], cwd: '/home/u' })
    expect(host.openPath).toHaveBeenCalledTimes(1)
    expect(host.openPath).toHaveBeenCalledWith('/home/u/caps/first.tgz')
    expect(host.deps.bundledSnapshot).toBeNull()
  })

  it('macOS open-file before ready is opened once the window exists', async () => {
    const running = startApp(options())!
    const e = new FakeEvent()
    fake.app.emit('open-file', e, '/caps/finder.tar.gz')
    expect(e.defaultPrevented).toBe(true)
    fake.app.becomeReady()
    await running.ready
    expect(hosts[0]!.openPath).toHaveBeenCalledWith('/caps/finder.tar.gz')
  })

  it('File › Open Snapshot… opens the dialog path through the host', async () => {
    const { host } = await started()
    fake.dialogResult = { canceled: false, filePaths: ['/caps/picked.tar.gz'] }
    click(findItem(fake.menu, 'open-snapshot'))
    await new Promise((r) => setTimeout(r, 0))
    expect(host.openPath).toHaveBeenCalledWith('/caps/picked.tar.gz')
  })

  it('Open Recent is rebuilt when the host records an opened snapshot', async () => {
    const { host } = await started()
    const recentItems = () => findItem(fake.menu, 'open-recent')!.submenu as MenuItemConstructorOptions[]
    expect(recentItems()[0]!.label).toBe('No Recent Snapshots')
    host.deps.recent.add({ path: '/caps/series', label: '02-before', openedAt: '2025-01-01T00:00:00.000Z' })
    expect(recentItems()[0]!.label).toBe('series · 02-before — /caps/series')
    click(recentItems()[0])
    expect(host.openPath).toHaveBeenCalledWith('/caps/series')
    expect(submenu(fake.menu, 'File').length).toBeGreaterThan(0)
  })
})

describe('shutdown', () => {
  it('closing the last window quits (not on macOS)', async () => {
    await started()
    fake.app.emit('window-all-closed')
    expect(fake.app.quitCalls).toBe(process.platform === 'darwin' ? 0 : 1)
  })

  it('will-quit waits for the host to stop its workers, then quits', async () => {
    const { host } = await started()
    const e = new FakeEvent()
    fake.app.emit('will-quit', e)
    expect(e.defaultPrevented).toBe(true)
    expect(host.dispose).toHaveBeenCalledTimes(1)
    await new Promise((r) => setTimeout(r, 0))
    expect(fake.app.quitCalls).toBe(1)
    const again = new FakeEvent()
    fake.app.emit('will-quit', again)
    expect(again.defaultPrevented).toBe(false)
  })

  it('a closed window drops its reference; activate re-creates it', async () => {
    const { win } = await started()
    win.close()
    fake.app.emit('activate')
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1)
    expect(FakeBrowserWindow.all).toHaveLength(2)
  })
})
