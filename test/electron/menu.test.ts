import { describe, expect, it, vi, beforeEach } from 'vitest'
import type { BrowserWindow, MenuItemConstructorOptions } from 'electron'

vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)

import { FakeBrowserWindow, click, fake, findItem, resetFake, submenu, electronModule } from './fake_electron.ts'
import { createMenuActions, menuTemplate, openDialogOptions, recentLabel, type MenuActions } from '../../electron/main/menu.ts'
import type { EventName, EventPayloads, RecentEntry } from '../../contract/index.ts'

beforeEach(() => resetFake())

const recent: RecentEntry[] = [
  { path: '/caps/box-a.tar.gz', label: null, openedAt: '2025-01-02T00:00:00.000Z' },
  { path: '/caps/series-b', label: '02-before', openedAt: '2025-01-01T00:00:00.000Z' },
]

function setup(opts: { platform?: NodeJS.Platform; isDev?: boolean; recent?: RecentEntry[] } = {}) {
  const win = new FakeBrowserWindow({})
  const host = { openPath: vi.fn((_p: string) => 'r1') }
  const store = { clear: vi.fn() }
  const emitted: Array<{ event: EventName; payload: unknown }> = []
  const actions = createMenuActions({
    platform: opts.platform ?? 'linux',
    getWindow: () => win as unknown as BrowserWindow,
    dialog: electronModule.dialog as never,
    nativeTheme: fake.nativeTheme as never,
    host,
    recent: store,
    emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => void emitted.push({ event, payload }),
  })
  const template = menuTemplate({ platform: opts.platform ?? 'linux', isDev: opts.isDev ?? false, recent: opts.recent ?? recent }, actions)
  return { win, host, store, emitted, actions, template }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('menu template', () => {
  it('has File, Edit, View and Help on Linux', () => {
    const { template } = setup()
    expect(template.map((i) => i.label?.replace(/&/g, ''))).toEqual(['File', 'Edit', 'View', 'Help'])
  })

  it('File: Open Snapshot… (CmdOrCtrl+O), Open Recent, Export Report…, Close Snapshot, Quit', () => {
    const { template } = setup()
    const file = submenu(template, 'File').filter((i) => i.type !== 'separator')
    expect(file.map((i) => i.label)).toEqual(['Open Snapshot…', 'Open Snapshot Folder…', 'Open Fleet…', 'Open Recent', 'Export Report…', 'Close Snapshot', 'Quit'])
    expect(findItem(template, 'export-report')!.accelerator).toBe('CmdOrCtrl+E')
    expect(findItem(template, 'open-snapshot')!.accelerator).toBe('CmdOrCtrl+O')
    expect(findItem(template, 'open-snapshot-folder')!.accelerator).toBe('CmdOrCtrl+Shift+O')
    expect(findItem(template, 'quit')!.role).toBe('quit')
  })

  it('View: zoom in/out/reset, themes, and no developer tools in a packaged app', () => {
    const { template } = setup({ isDev: false })
    const labels = submenu(template, 'View').map((i) => i.label ?? i.role ?? i.type)
    expect(labels).toEqual(expect.arrayContaining(['Zoom In', 'Zoom Out', 'Actual Size', 'Light Theme', 'Dark Theme']))
    expect(findItem(template, 'zoom-in')!.accelerator).toBe('CmdOrCtrl+=')
    expect(findItem(template, 'zoom-out')!.accelerator).toBe('CmdOrCtrl+-')
    expect(findItem(template, 'zoom-reset')!.accelerator).toBe('CmdOrCtrl+0')
    expect(findItem(template, 'toggle-devtools')).toBeUndefined()
    expect(JSON.stringify(template)).not.toMatch(/toggleDevTools|Developer Tools/)
  })

  it('View › Toggle Developer Tools only in development', () => {
    const { template, win } = setup({ isDev: true })
    click(findItem(template, 'toggle-devtools'))
    expect(win.webContents.devToolsToggles).toBe(1)
  })

  it('Help: How to Capture and About', () => {
    const { template } = setup()
    expect(submenu(template, 'Help').filter((i) => i.type !== 'separator').map((i) => i.label)).toEqual(['How to Capture a Snapshot', 'About Buddyscope'])
  })

  it('macOS: an app menu with About and Quit, no Quit in File', () => {
    const { template } = setup({ platform: 'darwin' })
    expect(template[0]!.label).toBe('Buddyscope')
    const appMenu = template[0]!.submenu as MenuItemConstructorOptions[]
    expect(appMenu.some((i) => i.role === 'quit')).toBe(true)
    expect(appMenu.some((i) => i.label === 'About Buddyscope')).toBe(true)
    expect(findItem(template, 'quit')).toBeUndefined()
  })
})

describe('File › Open', () => {
  it('opens what the native dialog returned through host.openPath', async () => {
    const { template, host, win } = setup()
    fake.dialogResult = { canceled: false, filePaths: ['/captures/box.tgz'] }
    click(findItem(template, 'open-snapshot'))
    await flush()
    expect(host.openPath).toHaveBeenCalledTimes(1)
    expect(host.openPath).toHaveBeenCalledWith('/captures/box.tgz')
    // the dialog is modal to the window, for files with the archive filters
    const [parent, options] = fake.dialogCalls[0] as [unknown, Electron.OpenDialogOptions]
    expect(parent).toBe(win)
    expect(options.properties).toEqual(['openFile'])
    expect(options.filters?.flatMap((f) => f.extensions)).toEqual(['tar.gz', 'tgz', '*'])
  })

  it('Open Snapshot Folder… picks a directory', async () => {
    const { template, host } = setup()
    fake.dialogResult = { canceled: false, filePaths: ['/captures/series'] }
    click(findItem(template, 'open-snapshot-folder'))
    await flush()
    expect((fake.dialogCalls[0] as [unknown, Electron.OpenDialogOptions])[1].properties).toEqual(['openDirectory'])
    expect(host.openPath).toHaveBeenCalledWith('/captures/series')
  })

  it('does nothing when the dialog is cancelled', async () => {
    const { template, host } = setup()
    fake.dialogResult = { canceled: true, filePaths: [] }
    click(findItem(template, 'open-snapshot'))
    await flush()
    expect(host.openPath).not.toHaveBeenCalled()
  })

  it('macOS offers files and folders in one dialog', () => {
    expect(openDialogOptions('snapshot', 'darwin').properties).toEqual(['openFile', 'openDirectory'])
    expect(openDialogOptions('snapshot', 'linux').properties).toEqual(['openFile'])
    expect(openDialogOptions('snapshot', 'win32').properties).toEqual(['openFile'])
  })
})

describe('File › Open Recent', () => {
  it('lists the recent snapshots and opens one on click', () => {
    const { template, host } = setup()
    const items = findItem(template, 'open-recent')!.submenu as MenuItemConstructorOptions[]
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      'box-a.tar.gz — /caps/box-a.tar.gz',
      'series-b · 02-before — /caps/series-b',
      'separator',
      'Clear Recent',
    ])
    click(items[1])
    expect(host.openPath).toHaveBeenCalledWith('/caps/series-b')
  })

  it('Clear Recent empties the store', () => {
    const { template, store } = setup()
    const items = findItem(template, 'open-recent')!.submenu as MenuItemConstructorOptions[]
    click(items.find((i) => i.label === 'Clear Recent'))
    expect(store.clear).toHaveBeenCalled()
  })

  it('shows a disabled placeholder when there is nothing recent', () => {
    const { template } = setup({ recent: [] })
    const items = findItem(template, 'open-recent')!.submenu as MenuItemConstructorOptions[]
    expect(items).toEqual([{ label: 'No Recent Snapshots', enabled: false }])
  })

  it('escapes & so it is not taken as a mnemonic', () => {
    expect(recentLabel({ path: '/a&b/x', label: null, openedAt: '' })).toBe('x — /a&&b/x')
  })
})

describe('commands for the renderer', () => {
  it('Close Snapshot, About and How to Capture emit menu:command', () => {
    const { template, emitted } = setup()
    click(findItem(template, 'close-snapshot'))
    click(findItem(template, 'about'))
    click(findItem(template, 'how-to-capture'))
    click(findItem(template, 'export-report'))
    click(findItem(template, 'open-fleet'))
    expect(emitted).toEqual([
      { event: 'menu:command', payload: { command: 'close-snapshot' } },
      { event: 'menu:command', payload: { command: 'about' } },
      { event: 'menu:command', payload: { command: 'how-to-capture' } },
      { event: 'menu:command', payload: { command: 'export-report' } },
      { event: 'menu:command', payload: { command: 'open-fleet' } },
    ])
  })

  it('themes set nativeTheme.themeSource and tell the renderer', () => {
    const { template, emitted } = setup()
    click(findItem(template, 'theme-dark'))
    expect(fake.nativeTheme.themeSource).toBe('dark')
    click(findItem(template, 'theme-light'))
    expect(fake.nativeTheme.themeSource).toBe('light')
    expect(emitted.map((e) => e.payload)).toEqual([{ command: 'theme-dark' }, { command: 'theme-light' }])
  })

  it('zoom changes the webContents zoom level within bounds', () => {
    const { template, win } = setup()
    click(findItem(template, 'zoom-in'))
    expect(win.webContents.zoomLevel).toBe(0.5)
    click(findItem(template, 'zoom-out'))
    click(findItem(template, 'zoom-out'))
    expect(win.webContents.zoomLevel).toBe(-0.5)
    for (let i = 0; i < 20; i++) click(findItem(template, 'zoom-out'))
    expect(win.webContents.zoomLevel).toBe(-3)
    click(findItem(template, 'zoom-reset'))
    expect(win.webContents.zoomLevel).toBe(0)
  })

  it('zoom without a window does nothing', () => {
    const actions: MenuActions = createMenuActions({
      platform: 'linux', getWindow: () => null, dialog: electronModule.dialog as never, nativeTheme: fake.nativeTheme as never,
      host: { openPath: () => 'r' }, recent: { clear: () => {} }, emit: () => {},
    })
    expect(() => actions.zoom('in')).not.toThrow()
  })
})
