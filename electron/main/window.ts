/**
 * The main window: where the renderer and the preload are, the window's options, and creating
 * and loading it with the security guards in place.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions } from 'electron'
import { BrowserWindow, shell } from 'electron'
import { APP_INDEX_URL, hardenWebContents, secureWebPreferences, type RendererLocation } from './security.ts'

export interface AppPaths {
  /** out/preload/index.cjs (CommonJS: sandboxed preloads cannot be ES modules) */
  preload: string
  renderer: RendererLocation
  /** window icon (Linux/Windows in development; packaged apps take it from the desktop entry) */
  icon: string | null
}

/**
 * Paths of the built app, relative to the directory of out/main/index.js. The dev server URL
 * (ELECTRON_RENDERER_URL, set by `electron-vite dev`) is only honoured in unpackaged runs, so an
 * environment variable cannot point an installed app's window (and its preload API) at a foreign page.
 */
export function resolveAppPaths(opts: { mainDir: string; appPath: string; isPackaged: boolean; devUrl?: string | undefined }): AppPaths {
  const renderer: RendererLocation = !opts.isPackaged && opts.devUrl
    ? { kind: 'url', url: opts.devUrl }
    : { kind: 'app', root: join(opts.mainDir, '..', 'renderer') }
  const icon = join(opts.appPath, 'build', 'icon.png')
  return {
    preload: join(opts.mainDir, '..', 'preload', 'index.cjs'),
    renderer,
    icon: !opts.isPackaged && existsSync(icon) ? icon : null,
  }
}

export function windowOptions(paths: AppPaths): BrowserWindowConstructorOptions {
  return {
    title: 'Buddyscope',
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#14161a',
    autoHideMenuBar: false,
    ...(paths.icon ? { icon: paths.icon } : {}),
    webPreferences: secureWebPreferences(paths.preload),
  }
}

export function createMainWindow(paths: AppPaths): BrowserWindowType {
  const win = new BrowserWindow(windowOptions(paths))
  hardenWebContents(win.webContents, paths.renderer, (url) => shell.openExternal(url))
  win.once('ready-to-show', () => win.show())
  // the built renderer is served on app://buddyscope/ (protocol.ts), never loaded from file://
  const loading = win.loadURL(paths.renderer.kind === 'url' ? paths.renderer.url : APP_INDEX_URL)
  loading.catch((e: unknown) => console.error(`buddyscope: the window could not load the renderer: ${e instanceof Error ? e.message : String(e)}`))
  return win
}

/** Bring the window to the front (second instance, open from the dock). */
export function focusWindow(win: BrowserWindowType | null): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  if (!win.isVisible()) win.show()
  win.focus()
}
