/**
 * The built app, as far as it can be checked without an Electron binary: electron-vite builds
 * main and preload from electron.vite.config.ts into a scratch folder, then
 *  - the preload is CommonJS that requires nothing but 'electron' (what a sandboxed preload may
 *    do) and exposes exactly the contract;
 *  - the main bundle imports only electron, Node built-ins and package dependencies (the engine
 *    and host/ sources are inside it);
 *  - the main bundle runs in Node against a fake `electron` module, and a renderer call opens the
 *    bundled real capture through the built engine worker chunk, answering run:done over IPC.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { spawnSync } from 'node:child_process'
import vm from 'node:vm'
import { METHODS } from '../../contract/index.ts'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
// inside the repository, so the bundles' bare imports (zod, tar) resolve from node_modules
const outDir = join(root, 'node_modules', '.cache', `bs-electron-build-${process.pid}`)
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }

beforeAll(async () => {
  rmSync(outDir, { recursive: true, force: true })
  const nodeEnv = process.env['NODE_ENV']
  const { resolveConfig } = await import('electron-vite')
  const { build } = await import('vite')
  process.env['NODE_ENV_ELECTRON_VITE'] = 'production'
  try {
    const r = await resolveConfig({ configFile: join(root, 'electron.vite.config.ts'), logLevel: 'silent', build: { outDir } }, 'build', 'production')
    await build(r.config!.main!)
    await build(r.config!.preload!)
    // the renderer too: the main process serves it on app://buddyscope/ (checklist item 17)
    await build(r.config!.renderer!)
  } finally {
    process.env['NODE_ENV'] = nodeEnv
    delete process.env['NODE_ENV_ELECTRON_VITE']
  }
}, 120_000)

afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('built preload', () => {
  it('is out/preload/index.cjs only', () => {
    expect(readdirSync(join(outDir, 'preload'))).toEqual(['index.cjs'])
  })

  it('runs in a sandbox-like context with require("electron") only and exposes exactly the contract', () => {
    const code = readFileSync(join(outDir, 'preload', 'index.cjs'), 'utf8')
    expect(code).not.toMatch(/^\s*import\s|\bimport\(|\bz\.object|require\(["']zod/m)
    const required: string[] = []
    const exposed = new Map<string, Record<string, unknown>>()
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: Record<string, unknown>) => exposed.set(k, v) },
      ipcRenderer: { invoke: async () => ({ ok: true, value: null }), on: () => {} },
    }
    const sandboxRequire = (id: string): unknown => {
      required.push(id)
      if (id === 'electron') return electron
      throw new Error(`a sandboxed preload cannot require ${id}`)
    }
    const module = { exports: {} }
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console })
    expect(required).toEqual(['electron'])
    expect([...exposed.keys()]).toEqual(['buddyscope'])
    expect(Object.keys(exposed.get('buddyscope')!).sort()).toEqual([...Object.keys(METHODS), 'on'].sort())
  })
})

describe('built main', () => {
  const files = () => readdirSync(join(outDir, 'main')).filter((f) => f.endsWith('.js'))

  it('is an ES module entry with the engine worker as its own chunk', () => {
    expect(files()).toContain('index.js')
    expect(files().some((f) => f.startsWith('engine_worker'))).toBe(true)
    expect(readFileSync(join(outDir, 'main', 'index.js'), 'utf8')).toMatch(/^import /m)
  })

  it('imports only electron, Node built-ins and package dependencies (engine, host and contract are bundled)', () => {
    const allowed = new Set(['electron', ...Object.keys(pkg.dependencies)])
    const builtins = new Set(builtinModules)
    for (const f of files()) {
      const code = readFileSync(join(outDir, 'main', f), 'utf8')
      for (const m of code.matchAll(/(?:^|\n)\s*import\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g)) {
        const spec = m[1] ?? m[2] ?? m[3]!
        if (spec.startsWith('./')) {
          expect(spec, `${f} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/)
          continue
        }
        const bare = spec.startsWith('node:') ? spec.slice(5) : spec
        expect(builtins.has(bare) || allowed.has(bare.split('/')[0]!), `${f} imports ${spec}`).toBe(true)
      }
      expect(code, f).not.toMatch(/\.ts["']/)
    }
  })

  it('opens the bundled capture from a renderer call through the built worker', () => {
    const work = join(outDir, 'run')
    mkdirSync(work, { recursive: true })
    const fakeElectron = join(work, 'fake-electron.mjs')
    const rendererUrl = 'app://buddyscope/index.html'
    writeFileSync(fakeElectron, FAKE_ELECTRON_ESM(root, join(work, 'userData')))
    writeFileSync(join(work, 'hooks.mjs'), `
      export async function resolve(specifier, context, next) {
        if (specifier === 'electron') return { url: ${JSON.stringify(pathToFileURL(fakeElectron).href)}, shortCircuit: true }
        return next(specifier, context)
      }`)
    writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)})\n`)
    writeFileSync(join(work, 'drive.mjs'), `
      import { state } from ${JSON.stringify(pathToFileURL(fakeElectron).href)}
      // as under \`electron out/main/index.js\`: argv[1] is the app, not a snapshot
      process.defaultApp = true
      await import(${JSON.stringify(pathToFileURL(join(outDir, 'main', 'index.js')).href)})
      await state.ready
      await new Promise((r) => setTimeout(r, 0))
      const win = state.windows[0]
      const trusted = { senderFrame: { url: ${JSON.stringify(rendererUrl)}, parent: null } }
      const call = (m, a) => state.handlers.get('bs:call:' + m)(trusted, a)
      const done = new Promise((res) => { state.onSend = (ch, msg) => { if (msg.event === 'run:done' || msg.event === 'run:failed') res(msg) } })
      win.webContents.emit('did-finish-load')
      const info = await call('appInfo', {})
      const started = await call('startOpenBundled', {})
      const end = await Promise.race([done, new Promise((r) => setTimeout(() => r({ event: 'timeout' }), 60000))])
      const map = end.event === 'run:done' ? await call('getPageblockMap', { id: end.payload.snapshot.id }) : null
      const bad = await call('getSnapshot', { id: 42 })
      const foreign = await state.handlers.get('bs:call:appInfo')({ senderFrame: { url: 'https://evil.example/', parent: null } }, {})
      const fromFile = await state.handlers.get('bs:call:appInfo')({ senderFrame: { url: ${JSON.stringify(pathToFileURL(join(outDir, 'renderer', 'index.html')).href)}, parent: null } }, {})
      const served = await state.protocols.app(new Request('app://buddyscope/index.html'))
      const html = await served.text()
      const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1] ?? null
      const asset = script ? await state.protocols.app(new Request(new URL(script, 'app://buddyscope/index.html').href)) : null
      const outside = await state.protocols.app(new Request('app://buddyscope/../main/index.js'))
      console.log(JSON.stringify({
        channels: [...state.handlers.keys()].sort(),
        loaded: win.loaded, preload: win.options.webPreferences.preload,
        info, started, event: end.event, label: end.payload?.snapshot?.label, error: end.payload?.error,
        pageblocks: end.payload?.snapshot?.pageblockCount, mapKind: map && map.value.mt.constructor.name, mapLength: map && map.value.mt.length,
        bad, foreign, fromFile, menu: state.menu.map((m) => m.label),
        privileged: state.privileged, servedStatus: served.status, servedType: served.headers.get('content-type'), hasRoot: html.includes('id="app"'),
        script, assetStatus: asset && asset.status, assetType: asset && asset.headers.get('content-type'), outsideStatus: outside.status,
      }))
      await state.quit()
      process.exit(0)
    `)
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(work, 'register.mjs')).href, join(work, 'drive.mjs')], { cwd: root, encoding: 'utf8', timeout: 90_000 })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown> & { info: { ok: boolean; value: Record<string, unknown> } }
    expect(out['channels']).toEqual(Object.keys(METHODS).map((m) => `bs:call:${m}`).sort())
    expect(out['loaded']).toEqual({ kind: 'url', target: 'app://buddyscope/index.html' })
    expect(out['privileged']).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })])
    expect(out['servedStatus']).toBe(200)
    expect(out['servedType']).toBe('text/html; charset=utf-8')
    expect(out['hasRoot']).toBe(true)
    expect(out['script']).toMatch(/\.js$/)
    expect(out['assetStatus']).toBe(200)
    expect(out['assetType']).toBe('text/javascript; charset=utf-8')
    expect(out['outsideStatus']).toBe(404)
    expect(out['fromFile']).toMatchObject({ ok: false, error: { code: 'unsupported' } })
    expect(out['preload']).toBe(join(outDir, 'preload', 'index.cjs'))
    expect(out.info.ok).toBe(true)
    expect(out.info.value).toMatchObject({ transport: 'electron', bundledSnapshot: join(root, 'fixtures', 'x86-512M-s1-compact') })
    expect(out['started']).toMatchObject({ ok: true, value: { runId: expect.any(String) } })
    expect(out['error']).toBeUndefined()
    expect(out['event']).toBe('run:done')
    expect(out['label']).toBe('02-before')
    expect(out['pageblocks']).toBeGreaterThan(0)
    expect(out['mapKind']).toBe('Uint8Array')
    expect(out['mapLength']).toBe(out['pageblocks'])
    expect(out['bad']).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
    expect(out['foreign']).toMatchObject({ ok: false, error: { code: 'unsupported' } })
    expect(out['menu']).toEqual(['&File', '&Edit', '&View', '&Help'])
  }, 120_000)
})

/** An ES module standing in for `electron` in a plain Node process. */
function FAKE_ELECTRON_ESM(appPath: string, userData: string): string {
  return `
import { EventEmitter } from 'node:events'
export const state = { handlers: new Map(), windows: [], menu: [], onSend: () => {}, ready: null, quit: null }
let resolveReady
state.ready = new Promise((r) => (resolveReady = r))
class App extends EventEmitter {
  isPackaged = false
  requestSingleInstanceLock() { return true }
  enableSandbox() {}
  setAppUserModelId() {}
  getAppPath() { return ${JSON.stringify(appPath)} }
  getPath() { return ${JSON.stringify(userData)} }
  getVersion() { return '0.0.0-test' }
  getName() { return 'Buddyscope' }
  isReady() { return true }
  whenReady() { return Promise.resolve().then(() => { setTimeout(resolveReady, 0) }) }
  quit() { state.quitting = true }
  exit(code) { process.exit(code) }
}
export const app = new App()
state.quit = async () => { const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true } }; app.emit('will-quit', e); await new Promise((r) => setTimeout(r, 50)) }
class WebContents extends EventEmitter {
  setWindowOpenHandler() {}
  isDestroyed() { return false }
  send(channel, msg) { state.onSend(channel, msg) }
  getZoomLevel() { return 0 }
  setZoomLevel() {}
}
export class BrowserWindow extends EventEmitter {
  static getAllWindows() { return state.windows }
  constructor(options) { super(); this.options = options; this.webContents = new WebContents(); state.windows.push(this) }
  loadURL(url) { this.loaded = { kind: 'url', target: url }; return Promise.resolve() }
  loadFile(file) { this.loaded = { kind: 'file', target: file }; return Promise.resolve() }
  isDestroyed() { return false }
  isMinimized() { return false }
  isVisible() { return true }
  show() {}
  focus() {}
  restore() {}
}
export const ipcMain = { handle(ch, h) { state.handlers.set(ch, h) }, removeHandler(ch) { state.handlers.delete(ch) } }
export const Menu = { buildFromTemplate: (t) => t, setApplicationMenu: (m) => { state.menu = m } }
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showErrorBox: (t, m) => { console.error(t, m) } }
export const nativeTheme = { themeSource: 'system' }
export const shell = { openExternal: async () => {} }
export const protocol = { registerSchemesAsPrivileged(s) { state.privileged = s }, handle(scheme, h) { state.protocols = { ...(state.protocols ?? {}), [scheme]: h } } }
export const session = { defaultSession: {
  webRequest: { onHeadersReceived() {} },
  setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, setDevicePermissionHandler() {},
} }
export default { app, BrowserWindow, ipcMain, Menu, dialog, nativeTheme, session, shell, protocol }
`
}
