/**
 * Wiring of the Electron app: single instance, the host, the window, IPC, the menu, opens from
 * the command line, a second instance or macOS Finder. index.ts only supplies what needs the
 * bundler (the engine worker's file) and calls startApp.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BrowserWindow, Menu, app, dialog, ipcMain, nativeTheme, protocol, session } from 'electron'
import type { HostDeps } from '../../host/deps.ts'
import type { EngineRunner } from '../../host/workers/pool.ts'
import { RECENT_FILE_NAME, RecentFileStore } from '../../host/recent.ts'
import { snapshotPathFromArgv } from './argv.ts'
import { RendererEvents, isTrustedSender, registerIpc } from './ipc.ts'
import { createMenuActions, menuTemplate, showOpenDialog, showSaveDialog, type MenuActions } from './menu.ts'
import { installSessionSecurity } from './security.ts'
import { handleAppProtocol, registerAppScheme } from './protocol.ts'
import { printReportPdf, showReportSaveDialog } from './report.ts'
import { createMainWindow, focusWindow, resolveAppPaths, type AppPaths } from './window.ts'

/** What the app needs of the service (host/service.ts). */
export interface AppHost {
  handle(method: string, args: unknown): Promise<unknown>
  openPath(path: string): string
  dispose(): Promise<void>
}

export interface StartOptions {
  /** the engine's worker pool */
  createPool(): EngineRunner
  createHost(deps: HostDeps): AppHost
  /** directory of out/main/index.js */
  mainDir: string
  argv?: readonly string[]
  cwd?: string
  env?: Record<string, string | undefined>
}

export const BUNDLED_SNAPSHOT_NAME = 'x86-512M-s1-compact'

/** The real capture shipped with the app: extraResources in a package, fixtures/ in the repo. */
export function bundledSnapshotPath(isPackaged: boolean, resourcesPath: string, appPath: string): string | null {
  const p = isPackaged ? join(resourcesPath, 'fixtures', BUNDLED_SNAPSHOT_NAME) : join(appPath, 'fixtures', BUNDLED_SNAPSHOT_NAME)
  return existsSync(p) ? p : null
}

/** capture/buddyscope-capture (Help › How to capture): extraResources in a package, capture/ in the repo. */
export function captureScriptPath(isPackaged: boolean, resourcesPath: string, appPath: string): string {
  return isPackaged ? join(resourcesPath, 'capture', 'buddyscope-capture') : join(appPath, 'capture', 'buddyscope-capture')
}

export interface RunningApp {
  /** null until the app is ready */
  readonly host: AppHost | null
  readonly recent: RecentFileStore
  readonly events: RendererEvents
  readonly paths: AppPaths
  window(): BrowserWindow | null
  /** open a snapshot from outside the renderer (now, or once the app is ready) */
  openPath(path: string): void
  ready: Promise<void>
}

/** Starts the app; null when another instance already runs (it receives our command line and we quit). */
export function startApp(opts: StartOptions): RunningApp | null {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return null
  }
  app.enableSandbox()
  // app://buddyscope/ must be privileged before ready (checklist item 17)
  registerAppScheme(protocol)
  if (process.platform === 'win32') app.setAppUserModelId('dev.buddyscope.app')

  const env = opts.env ?? process.env
  const isDev = !app.isPackaged
  const defaultApp = Boolean(process.defaultApp)
  const paths = resolveAppPaths({ mainDir: opts.mainDir, appPath: app.getAppPath(), isPackaged: app.isPackaged, devUrl: env['ELECTRON_RENDERER_URL'] })
  const recent = new RecentFileStore(join(app.getPath('userData'), RECENT_FILE_NAME))
  const events = new RendererEvents()
  const pending: string[] = []
  const launchPath = snapshotPathFromArgv(opts.argv ?? process.argv, opts.cwd ?? process.cwd(), defaultApp)
  if (launchPath) pending.push(launchPath)

  let win: BrowserWindow | null = null
  let host: AppHost | null = null
  let actions: MenuActions | null = null

  const openPath = (path: string): void => {
    if (host && win && !win.isDestroyed()) host.openPath(path)
    else pending.push(path)
  }

  const refreshMenu = (): void => {
    if (!actions) return
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ platform: process.platform, isDev, recent: recent.list(), appName: app.getName() }, actions)))
  }

  const openWindow = (): void => {
    win = createMainWindow(paths)
    events.attach(win.webContents)
    win.on('closed', () => {
      win = null
    })
    if (host) for (const p of pending.splice(0)) host.openPath(p)
  }

  // a second launch (file manager, command line) hands its arguments to us and quits
  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (!win && host) openWindow()
    focusWindow(win)
    const p = snapshotPathFromArgv(argv, workingDirectory, defaultApp)
    if (p) openPath(p)
  })

  // macOS: a file dropped on the dock icon or opened from Finder
  app.on('open-file', (event, path) => {
    event.preventDefault()
    openPath(path)
  })

  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-attach-webview', (e) => e.preventDefault())
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  app.on('activate', () => {
    if (host && BrowserWindow.getAllWindows().length === 0) openWindow()
  })

  let disposed = false
  app.on('will-quit', (event) => {
    if (disposed || !host) return
    disposed = true
    event.preventDefault()
    const h = host
    void Promise.race([h.dispose().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]).finally(() => app.quit())
  })

  const ready = app.whenReady().then(() => {
    installSessionSecurity(session.defaultSession)
    if (paths.renderer.kind === 'app') handleAppProtocol(protocol, paths.renderer.root)
    host = opts.createHost({
      transport: 'electron',
      version: app.getVersion(),
      emit: (event, payload) => events.emit(event, payload),
      pool: opts.createPool(),
      recent,
      // opened with a path: that snapshot is what the renderer shows first, not the bundled one
      bundledSnapshot: pending.length > 0 ? null : bundledSnapshotPath(app.isPackaged, process.resourcesPath, app.getAppPath()),
      pickPath: (kind) => showOpenDialog(dialog, win, kind, process.platform),
      captureScript: captureScriptPath(app.isPackaged, process.resourcesPath, app.getAppPath()),
      saveFile: (name, text, mode) => showSaveDialog(dialog, win, name, text, mode),
      printPdf: (html) => printReportPdf(BrowserWindow, html),
      saveReportPath: (fileName, format) => showReportSaveDialog(dialog, win, fileName, format, app.getPath('documents')),
    })
    const h = host
    registerIpc(ipcMain, h, (event) => isTrustedSender(paths.renderer, event))
    actions = createMenuActions({
      platform: process.platform,
      getWindow: () => win,
      dialog,
      nativeTheme,
      host: { openPath: (p) => h.openPath(p) },
      recent,
      emit: (event, payload) => events.emit(event, payload),
    })
    recent.onChange(refreshMenu)
    refreshMenu()
    openWindow()
  }).catch((e: unknown) => {
    // without a host there is no app: say why instead of leaving a process without a window
    dialog.showErrorBox('Buddyscope could not start', e instanceof Error ? e.message : String(e))
    app.exit(1)
  })

  return {
    get host() {
      return host
    },
    recent,
    events,
    paths,
    window: () => win,
    openPath,
    ready,
  }
}
