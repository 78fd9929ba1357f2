/**
 * A stand-in for the `electron` module (the Electron binary cannot run here). Test files use
 *   vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)
 * and inspect `fake` (what was called) after driving the code. `resetFake()` between tests.
 */
import { EventEmitter } from 'node:events'
import type { MenuItemConstructorOptions } from 'electron'

export class FakeEvent {
  defaultPrevented = false
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

export class FakeWebContents extends EventEmitter {
  sent: Array<{ channel: string; message: unknown }> = []
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null
  zoomLevel = 0
  destroyed = false
  devToolsToggles = 0
  setWindowOpenHandler(h: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h
  }
  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message })
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  getZoomLevel(): number {
    return this.zoomLevel
  }
  setZoomLevel(l: number): void {
    this.zoomLevel = l
  }
  toggleDevTools(): void {
    this.devToolsToggles++
  }
  /** the page finished loading (the renderer listens from now on) */
  finishLoad(): void {
    this.emit('did-finish-load')
  }
  destroy(): void {
    this.destroyed = true
    this.emit('destroyed')
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = []
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((w) => !w.destroyed)
  }
  readonly webContents = new FakeWebContents()
  loaded: { kind: 'url' | 'file'; target: string } | null = null
  destroyed = false
  minimized = false
  visible = false
  focused = 0
  constructor(readonly options: Record<string, unknown>) {
    super()
    FakeBrowserWindow.all.push(this)
  }
  loadURL(url: string): Promise<void> {
    this.loaded = { kind: 'url', target: url }
    return Promise.resolve()
  }
  loadFile(file: string): Promise<void> {
    this.loaded = { kind: 'file', target: file }
    return Promise.resolve()
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  isMinimized(): boolean {
    return this.minimized
  }
  restore(): void {
    this.minimized = false
  }
  isVisible(): boolean {
    return this.visible
  }
  show(): void {
    this.visible = true
  }
  focus(): void {
    this.focused++
  }
  close(): void {
    this.destroyed = true
    this.webContents.destroy()
    this.emit('closed')
  }
}

type HeadersListener = (details: { url: string; responseHeaders?: Record<string, string | string[]> }, cb: (r: { responseHeaders?: Record<string, string | string[]> }) => void) => void

export class FakeSession {
  headersListener: HeadersListener | null = null
  permissionRequest: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void) | null = null
  permissionCheck: ((wc: unknown, permission: string, origin: string) => boolean) | null = null
  devicePermission: ((details: unknown) => boolean) | null = null
  webRequest = {
    onHeadersReceived: (l: HeadersListener) => {
      this.headersListener = l
    },
  }
  setPermissionRequestHandler(h: FakeSession['permissionRequest']): void {
    this.permissionRequest = h
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheck']): void {
    this.permissionCheck = h
  }
  setDevicePermissionHandler(h: FakeSession['devicePermission']): void {
    this.devicePermission = h
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false
  lock = true
  readyFlag = false
  quitCalls = 0
  exitCode: number | null = null
  sandboxEnabled = false
  appPath = '/repo'
  userData = '/tmp/buddyscope-test-userdata'
  private resolveReady: () => void = () => {}
  private readyPromise = new Promise<void>((r) => (this.resolveReady = r))
  requestSingleInstanceLock(): boolean {
    return this.lock
  }
  quit(): void {
    this.quitCalls++
  }
  exit(code: number): void {
    this.exitCode = code
  }
  enableSandbox(): void {
    this.sandboxEnabled = true
  }
  setAppUserModelId(): void {}
  getAppPath(): string {
    return this.appPath
  }
  getPath(name: string): string {
    if (name === 'userData') return this.userData
    return `/tmp/${name}`
  }
  getVersion(): string {
    return '0.1.0'
  }
  getName(): string {
    return 'Buddyscope'
  }
  isReady(): boolean {
    return this.readyFlag
  }
  whenReady(): Promise<void> {
    return this.readyPromise
  }
  /** the test says when the app is ready */
  becomeReady(): void {
    this.readyFlag = true
    this.resolveReady()
    this.emit('ready')
  }
}

export type IpcHandler = (event: unknown, ...args: unknown[]) => unknown

export const fake = {
  app: new FakeApp(),
  session: new FakeSession(),
  ipcHandlers: new Map<string, IpcHandler>(),
  menu: null as MenuItemConstructorOptions[] | null,
  menuSets: 0,
  dialogResult: { canceled: false, filePaths: ['/captures/one.tar.gz'] } as { canceled: boolean; filePaths: string[] },
  dialogCalls: [] as unknown[][],
  saveDialogResult: { canceled: true } as { canceled: boolean; filePath?: string },
  errorBoxes: [] as Array<[string, string]>,
  nativeTheme: { themeSource: 'system' as string },
  exposed: new Map<string, unknown>(),
  rendererListeners: new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>(),
  invokes: [] as Array<{ channel: string; args: unknown[] }>,
  invokeAnswer: (channel: string, ...args: unknown[]): unknown => ({ ok: true, value: { channel, args } }),
  externalOpened: [] as string[],
  /** protocol.registerSchemesAsPrivileged calls, with whether the app was ready at the time */
  privilegedSchemes: [] as Array<{ schemes: unknown[]; whenReady: boolean }>,
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
}

export function resetFake(): void {
  fake.app = new FakeApp()
  fake.session = new FakeSession()
  fake.ipcHandlers = new Map()
  fake.menu = null
  fake.menuSets = 0
  fake.dialogResult = { canceled: false, filePaths: ['/captures/one.tar.gz'] }
  fake.dialogCalls = []
  fake.saveDialogResult = { canceled: true }
  fake.errorBoxes = []
  fake.nativeTheme = { themeSource: 'system' }
  fake.exposed = new Map()
  fake.rendererListeners = new Map()
  fake.invokes = []
  fake.invokeAnswer = (channel, ...args) => ({ ok: true, value: { channel, args } })
  fake.externalOpened = []
  fake.privilegedSchemes = []
  fake.protocolHandlers = new Map()
  FakeBrowserWindow.all = []
}

/** The module object vi.mock('electron') returns. Getters, so resetFake() swaps what it sees. */
export const electronModule = {
  get app() {
    return fake.app
  },
  BrowserWindow: FakeBrowserWindow,
  get session() {
    return { defaultSession: fake.session }
  },
  ipcMain: {
    handle(channel: string, h: IpcHandler): void {
      if (fake.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
      fake.ipcHandlers.set(channel, h)
    },
    removeHandler(channel: string): void {
      fake.ipcHandlers.delete(channel)
    },
  },
  Menu: {
    buildFromTemplate(t: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
      return t
    },
    setApplicationMenu(m: MenuItemConstructorOptions[] | null): void {
      fake.menu = m
      fake.menuSets++
    },
  },
  dialog: {
    async showOpenDialog(...args: unknown[]) {
      fake.dialogCalls.push(args)
      return fake.dialogResult
    },
    async showSaveDialog(...args: unknown[]) {
      fake.dialogCalls.push(args)
      return fake.saveDialogResult
    },
    showErrorBox(title: string, content: string): void {
      fake.errorBoxes.push([title, content])
    },
  },
  get nativeTheme() {
    return fake.nativeTheme
  },
  protocol: {
    registerSchemesAsPrivileged(schemes: unknown[]): void {
      if (fake.app.readyFlag) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready')
      fake.privilegedSchemes.push({ schemes, whenReady: fake.app.readyFlag })
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
      if (!fake.app.readyFlag) throw new Error('protocol.handle before the app is ready')
      if (fake.protocolHandlers.has(scheme)) throw new Error(`scheme ${scheme} is already handled`)
      fake.protocolHandlers.set(scheme, handler)
    },
  },
  shell: {
    async openExternal(url: string): Promise<void> {
      fake.externalOpened.push(url)
    },
  },
  contextBridge: {
    exposeInMainWorld(key: string, api: unknown): void {
      fake.exposed.set(key, api)
    },
  },
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      fake.invokes.push({ channel, args })
      return Promise.resolve(fake.invokeAnswer(channel, ...args))
    },
    on(channel: string, l: (event: unknown, ...args: unknown[]) => void): void {
      const list = fake.rendererListeners.get(channel) ?? []
      list.push(l)
      fake.rendererListeners.set(channel, list)
    },
  },
}

/** Find a menu item by id anywhere in a template. */
export function findItem(template: MenuItemConstructorOptions[] | null, id: string): MenuItemConstructorOptions | undefined {
  for (const item of template ?? []) {
    if (item.id === id) return item
    if (Array.isArray(item.submenu)) {
      const found = findItem(item.submenu, id)
      if (found) return found
    }
  }
  return undefined
}

/** Top-level submenu by its label (mnemonic '&' ignored). */
export function submenu(template: MenuItemConstructorOptions[] | null, label: string): MenuItemConstructorOptions[] {
  const top = (template ?? []).find((i) => (i.label ?? '').replace(/&/g, '') === label)
  return Array.isArray(top?.submenu) ? top.submenu : []
}

/** Click a menu item the way Electron does (menuItem, window, event). */
export function click(item: MenuItemConstructorOptions | undefined): void {
  if (!item?.click) throw new Error(`menu item ${item?.label ?? '(missing)'} has no click`)
  ;(item.click as unknown as () => void)()
}
