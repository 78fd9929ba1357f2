/**
 * The application menu. `menuTemplate` is a pure function of what the menu shows (platform,
 * development mode, recent snapshots) and the actions its items call; `createMenuActions`
 * binds those actions to the window, the native dialog and the host.
 */
import { chmod, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { BrowserWindow, Dialog, MenuItemConstructorOptions, NativeTheme, OpenDialogOptions } from 'electron'
import type { EventName, MenuCommand } from '../../contract/names.ts'
import type { RecentEntry } from '../../contract/dto.ts'
import type { EventPayloads } from '../../contract/schemas.ts'

export type DialogKind = 'snapshot' | 'directory' | 'file'

export interface MenuActions {
  /** File › Open Snapshot… / Open Snapshot Folder…: native dialog, then host.openPath */
  open(kind: DialogKind): Promise<void>
  openRecent(path: string): void
  clearRecent(): void
  /** a command the renderer carries out ('menu:command' event) */
  command(command: MenuCommand): void
  zoom(step: 'in' | 'out' | 'reset'): void
  theme(theme: 'light' | 'dark'): void
  toggleDevTools(): void
}

export interface MenuState {
  platform: NodeJS.Platform
  /** unpackaged run: View › Toggle Developer Tools */
  isDev: boolean
  recent: RecentEntry[]
  appName?: string
}

/** A menu label shows '&' literally only when doubled (Windows/Linux mnemonics). */
function menuText(s: string): string {
  return s.replace(/&/g, '&&')
}

export function recentLabel(entry: RecentEntry): string {
  const name = entry.label && entry.label !== basename(entry.path) ? `${basename(entry.path)} · ${entry.label}` : basename(entry.path)
  return menuText(`${name} — ${entry.path}`)
}

export function recentSubmenu(recent: RecentEntry[], actions: MenuActions): MenuItemConstructorOptions[] {
  if (recent.length === 0) return [{ label: 'No Recent Snapshots', enabled: false }]
  return [
    ...recent.map((e): MenuItemConstructorOptions => ({ label: recentLabel(e), click: () => actions.openRecent(e.path) })),
    { type: 'separator' },
    { label: 'Clear Recent', click: () => actions.clearRecent() },
  ]
}

export function menuTemplate(state: MenuState, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: state.appName ?? 'Buddyscope',
      submenu: [
        { label: 'About Buddyscope', click: () => actions.command('about') },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    })
  }
  template.push({
    label: '&File',
    submenu: [
      {
        id: 'open-snapshot',
        label: 'Open Snapshot…',
        accelerator: 'CmdOrCtrl+O',
        click: () => void actions.open('snapshot'),
      },
      {
        id: 'open-snapshot-folder',
        label: 'Open Snapshot Folder…',
        accelerator: 'CmdOrCtrl+Shift+O',
        click: () => void actions.open('directory'),
      },
      { id: 'open-fleet', label: 'Open Fleet…', click: () => actions.command('open-fleet') },
      { id: 'open-recent', label: 'Open Recent', submenu: recentSubmenu(state.recent, actions) },
      { type: 'separator' },
      { id: 'export-report', label: 'Export Report…', accelerator: 'CmdOrCtrl+E', click: () => actions.command('export-report') },
      { type: 'separator' },
      { id: 'close-snapshot', label: 'Close Snapshot', accelerator: 'CmdOrCtrl+W', click: () => actions.command('close-snapshot') },
      ...(mac ? [] : [{ type: 'separator' } as const, { id: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q', role: 'quit' } as const]),
    ],
  })
  template.push({
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  })
  template.push({
    label: '&View',
    submenu: [
      { id: 'zoom-in', label: 'Zoom In', accelerator: 'CmdOrCtrl+=', click: () => actions.zoom('in') },
      { id: 'zoom-out', label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: () => actions.zoom('out') },
      { id: 'zoom-reset', label: 'Actual Size', accelerator: 'CmdOrCtrl+0', click: () => actions.zoom('reset') },
      { type: 'separator' },
      { id: 'theme-light', label: 'Light Theme', click: () => actions.theme('light') },
      { id: 'theme-dark', label: 'Dark Theme', click: () => actions.theme('dark') },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(state.isDev
        ? [
            { type: 'separator' } as const,
            { id: 'toggle-devtools', label: 'Toggle Developer Tools', accelerator: mac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I', click: () => actions.toggleDevTools() },
          ]
        : []),
    ],
  })
  template.push({
    label: '&Help',
    role: 'help',
    submenu: [
      { id: 'how-to-capture', label: 'How to Capture a Snapshot', click: () => actions.command('how-to-capture') },
      ...(mac ? [] : [{ type: 'separator' } as const, { id: 'about', label: 'About Buddyscope', click: () => actions.command('about') }]),
    ],
  })
  return template
}

/** Options of the native dialog for each kind of open. macOS can offer files and folders in one dialog; GTK and Windows cannot. */
export function openDialogOptions(kind: DialogKind, platform: NodeJS.Platform): OpenDialogOptions {
  const archives = [
    { name: 'Snapshot archives (.tar.gz, .tgz)', extensions: ['tar.gz', 'tgz'] },
    { name: 'All files', extensions: ['*'] },
  ]
  if (kind === 'directory') return { title: 'Open Snapshot Folder', properties: ['openDirectory'] }
  if (kind === 'file') return { title: 'Open Snapshot File', properties: ['openFile'], filters: archives }
  return {
    title: 'Open Snapshot',
    properties: platform === 'darwin' ? ['openFile', 'openDirectory'] : ['openFile'],
    filters: archives,
  }
}

/** Save `text` where the user picks in the native save dialog (an executable `mode` such as 0o755 is kept); the path, or null when cancelled. */
export async function showSaveDialog(dialog: Pick<Dialog, 'showSaveDialog'>, win: BrowserWindow | null, defaultName: string, text: string, mode: number): Promise<string | null> {
  const options = { title: `Save ${defaultName}`, defaultPath: defaultName, buttonLabel: 'Save' }
  const r = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options)
  if (r.canceled || !r.filePath) return null
  await writeFile(r.filePath, text, { mode })
  await chmod(r.filePath, mode)
  return r.filePath
}

/** The dialog's path, or null when cancelled. */
export async function showOpenDialog(dialog: Pick<Dialog, 'showOpenDialog'>, win: BrowserWindow | null, kind: DialogKind, platform: NodeJS.Platform): Promise<string | null> {
  const options = openDialogOptions(kind, platform)
  const r = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
  if (r.canceled) return null
  return r.filePaths[0] ?? null
}

export interface MenuActionDeps {
  platform: NodeJS.Platform
  getWindow(): BrowserWindow | null
  dialog: Pick<Dialog, 'showOpenDialog'>
  nativeTheme: Pick<NativeTheme, 'themeSource'>
  host: { openPath(path: string): string }
  recent: { clear(): void }
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void
}

export const ZOOM_STEP = 0.5
export const ZOOM_MIN = -3
export const ZOOM_MAX = 3

export function createMenuActions(d: MenuActionDeps): MenuActions {
  const contents = () => {
    const w = d.getWindow()
    return w && !w.isDestroyed() ? w.webContents : null
  }
  return {
    async open(kind) {
      const path = await showOpenDialog(d.dialog, d.getWindow(), kind, d.platform)
      if (path) d.host.openPath(path)
    },
    openRecent(path) {
      d.host.openPath(path)
    },
    clearRecent() {
      d.recent.clear()
    },
    command(command) {
      d.emit('menu:command', { command })
    },
    zoom(step) {
      const wc = contents()
      if (!wc) return
      const level = step === 'reset' ? 0 : wc.getZoomLevel() + (step === 'in' ? ZOOM_STEP : -ZOOM_STEP)
      wc.setZoomLevel(Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, level)))
    },
    theme(theme) {
      d.nativeTheme.themeSource = theme
      d.emit('menu:command', { command: theme === 'light' ? 'theme-light' : 'theme-dark' })
    },
    toggleDevTools() {
      contents()?.toggleDevTools()
    },
  }
}
