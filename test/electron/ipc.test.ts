import { describe, expect, it, vi, beforeEach } from 'vitest'
import { pathToFileURL } from 'node:url'
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'

vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)

import { FakeWebContents, electronModule, fake, resetFake } from './fake_electron.ts'
import { EVENT_QUEUE_MAX, FOREIGN_SENDER, IPC_METHODS, RendererEvents, isTrustedSender, registerIpc, toIpcError, type CallTarget } from '../../electron/main/ipc.ts'
import { EVENT_CHANNEL, callChannel } from '../../contract/names.ts'
import { METHOD_NAMES } from '../../contract/index.ts'
import { BuddyscopeService } from '../../host/service.ts'
import type { RendererLocation } from '../../electron/main/security.ts'

const indexHtml = '/app/out/renderer/index.html'
const location: RendererLocation = { kind: 'app', root: '/app/out/renderer' }
const appUrl = 'app://buddyscope/index.html'

type Frame = { url: string; parent: unknown } | null
const eventFrom = (frame: Frame) => ({ senderFrame: frame }) as unknown as IpcMainInvokeEvent
const fromApp = eventFrom({ url: `${appUrl}#/`, parent: null })

function register(host: CallTarget): () => void {
  return registerIpc(electronModule.ipcMain as unknown as IpcMain, host, (e) => isTrustedSender(location, e))
}

async function call(method: string, args: unknown, event = fromApp): Promise<unknown> {
  const h = fake.ipcHandlers.get(callChannel(method))
  if (!h) throw new Error(`no handler for ${method}`)
  return h(event, args)
}

function realHost(): BuddyscopeService {
  return new BuddyscopeService({
    transport: 'electron',
    version: '0.1.0',
    emit: () => {},
    pool: {
      run: () => Promise.reject(new Error('no worker in this test')),
      destroy: async () => {},
    },
    recent: { list: () => [], add: () => {} },
    bundledSnapshot: null,
  })
}

beforeEach(() => resetFake())

describe('IPC registration', () => {
  it('registers one channel per contract method, and nothing else', () => {
    register({ handle: async () => null })
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(METHOD_NAMES.map(callChannel).sort())
    expect([...IPC_METHODS].sort()).toEqual([...METHOD_NAMES].sort())
  })

  it('each channel reaches the service method of its own name (its schema answers)', async () => {
    register(realHost())
    for (const m of METHOD_NAMES) {
      const r = (await call(m, { notAnArgument: 1 })) as { ok: boolean; error: { code: string; message: string } }
      expect(r, m).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
      expect(r.error.message.startsWith(`${m}: `), `${m}: ${r.error.message}`).toBe(true)
    }
  })

  it('can be removed again', () => {
    const off = register({ handle: async () => null })
    off()
    expect(fake.ipcHandlers.size).toBe(0)
  })

  it('answers { ok: true, value } with the host result', async () => {
    const handle = vi.fn(async (method: string, args: unknown) => ({ method, args }))
    register({ handle })
    expect(await call('getSnapshot', { id: 's1' })).toEqual({ ok: true, value: { method: 'getSnapshot', args: { id: 's1' } } })
    expect(handle).toHaveBeenCalledWith('getSnapshot', { id: 's1' })
  })
})

describe('sender validation', () => {
  it('accepts the app page in the top-level frame', () => {
    expect(isTrustedSender(location, fromApp)).toBe(true)
  })

  it('rejects other pages, subframes and vanished frames without calling the host', async () => {
    const handle = vi.fn(async () => 'secret')
    register({ handle })
    const foreign = [
      eventFrom({ url: 'https://evil.example/', parent: null }),
      eventFrom({ url: 'file:///tmp/dropped.html', parent: null }),
      // the built index.html itself, but from file:// (item 17: only app://buddyscope/ is the app)
      eventFrom({ url: pathToFileURL(indexHtml).href, parent: null }),
      eventFrom({ url: 'app://evil/index.html', parent: null }),
      eventFrom({ url: 'other://buddyscope/index.html', parent: null }),
      eventFrom({ url: 'app://buddyscope/other.html', parent: null }),
      eventFrom({ url: appUrl, parent: {} }),
      eventFrom(null),
    ]
    for (const e of foreign) {
      expect(await call('appInfo', {}, e)).toEqual({ ok: false, error: FOREIGN_SENDER })
    }
    expect(handle).not.toHaveBeenCalled()
  })

  it('with the dev server, accepts its origin only', () => {
    const dev: RendererLocation = { kind: 'url', url: 'http://localhost:5173' }
    expect(isTrustedSender(dev, eventFrom({ url: 'http://localhost:5173/', parent: null }))).toBe(true)
    expect(isTrustedSender(dev, eventFrom({ url: 'http://localhost:5174/', parent: null }))).toBe(false)
  })
})

describe('errors crossing IPC', () => {
  it('invalid arguments are rejected with bad-argument by the real host', async () => {
    register(realHost())
    const cases: Array<[string, unknown]> = [
      ['getSnapshot', {}],
      ['getSnapshot', { id: 5 }],
      ['getPageblockDetail', { id: 's1', pageblock: -1 }],
      ['getPageClasses', { id: 's1', pageblocks: [] }],
      ['getPageClasses', { id: 's1', pageblocks: new Array(5000).fill(0) }],
      ['startOpenPath', { path: '' }],
      ['startOpenPath', { path: '/x', extra: true }],
      ['pickSnapshotPath', { kind: 'socket' }],
      ['getTimeline', { paths: [] }],
      ['getFleet', { path: '' }],
      ['getFleet', { paths: ['/x'] }],
      ['appInfo', 'not an object'],
    ]
    for (const [method, args] of cases) {
      const r = (await call(method, args)) as { ok: boolean; error: { code: string; message: string } }
      expect(r.ok, `${method} ${JSON.stringify(args)}`).toBe(false)
      expect(r.error.code).toBe('bad-argument')
      expect(Object.keys(r.error).sort()).toEqual(['code', 'message'])
    }
  })

  it('a valid call reaches the real host', async () => {
    register(realHost())
    const r = (await call('appInfo', {})) as { ok: true; value: { transport: string } }
    expect(r.ok).toBe(true)
    expect(r.value.transport).toBe('electron')
    expect(await call('getSnapshot', { id: 'nope' })).toEqual({ ok: false, error: { code: 'not-found', message: 'no open snapshot "nope"' } })
  })

  it('never carries a stack trace or extra fields', async () => {
    const thrown: unknown[] = [
      new Error('boom'),
      Object.assign(new Error('with code'), { code: 'not-found' }),
      { code: 'bad-input', message: 'bad file', stack: 'Error: at secret/path.ts:1', cause: new Error('x') },
      'a string',
      undefined,
    ]
    let i = 0
    register({ handle: async () => { throw thrown[i++] } })
    const results: unknown[] = []
    for (let k = 0; k < thrown.length; k++) results.push(await call('appInfo', {}))
    expect(results).toEqual([
      { ok: false, error: { code: 'internal', message: 'boom' } },
      { ok: false, error: { code: 'not-found', message: 'with code' } },
      { ok: false, error: { code: 'bad-input', message: 'bad file' } },
      { ok: false, error: { code: 'internal', message: 'a string' } },
      { ok: false, error: { code: 'internal', message: 'undefined' } },
    ])
    for (const r of results) expect(JSON.stringify(r)).not.toMatch(/stack|secret|at /)
  })

  it('toIpcError keeps only code and message', () => {
    const e = toIpcError({ code: 'cancelled', message: 'stop', stack: 's', detail: 1 })
    expect(e).toEqual({ code: 'cancelled', message: 'stop' })
  })
})

describe('events to the renderer', () => {
  it('wait until the page has loaded, then arrive in order on bs:event', () => {
    const ev = new RendererEvents()
    const wc = new FakeWebContents()
    ev.attach(wc as unknown as WebContents)
    ev.emit('snapshot:opening', { runId: 'r1', path: '/x' })
    ev.emit('run:progress', { runId: 'r1', phase: 'read', done: 1, total: 2 })
    expect(wc.sent).toEqual([])
    wc.finishLoad()
    ev.emit('menu:command', { command: 'about' })
    expect(wc.sent).toEqual([
      { channel: EVENT_CHANNEL, message: { event: 'snapshot:opening', payload: { runId: 'r1', path: '/x' } } },
      { channel: EVENT_CHANNEL, message: { event: 'run:progress', payload: { runId: 'r1', phase: 'read', done: 1, total: 2 } } },
      { channel: EVENT_CHANNEL, message: { event: 'menu:command', payload: { command: 'about' } } },
    ])
  })

  it('queue again while the page reloads', () => {
    const ev = new RendererEvents()
    const wc = new FakeWebContents()
    ev.attach(wc as unknown as WebContents)
    wc.finishLoad()
    wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false })
    ev.emit('menu:command', { command: 'about' })
    expect(wc.sent).toHaveLength(0)
    wc.emit('did-stop-loading')
    expect(wc.sent).toHaveLength(1)
    // in-page navigation (hash routes) does not stop delivery
    wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true })
    ev.emit('menu:command', { command: 'about' })
    expect(wc.sent).toHaveLength(2)
  })

  it('queue before any window exists, bounded; a closed window drops its queue', () => {
    const ev = new RendererEvents()
    for (let i = 0; i < EVENT_QUEUE_MAX + 10; i++) ev.emit('menu:command', { command: 'about' })
    const wc = new FakeWebContents()
    ev.attach(wc as unknown as WebContents)
    wc.finishLoad()
    expect(wc.sent).toHaveLength(EVENT_QUEUE_MAX)
    wc.destroy()
    ev.emit('menu:command', { command: 'about' })
    const wc2 = new FakeWebContents()
    ev.attach(wc2 as unknown as WebContents)
    wc2.finishLoad()
    expect(wc2.sent).toHaveLength(1)
    expect(wc.sent).toHaveLength(EVENT_QUEUE_MAX)
  })
})

describe('every handler validates its input (property)', () => {
  it('any value that is not an object (or nothing) is bad-argument on every channel; any answer is { ok, value } or { ok, error: { code, message } }', async () => {
    const fc = (await import('fast-check')).default
    register(realHost())
    // (null and undefined are "no arguments", which the methods without arguments accept)
    const notObject = fc.anything().filter((v) => v !== null && v !== undefined && (typeof v !== 'object' || Array.isArray(v)))
    await fc.assert(fc.asyncProperty(fc.constantFrom(...METHOD_NAMES), notObject, async (method, args) => {
      const r = (await call(method, args)) as { ok: boolean; error?: { code: string; message: string } }
      expect(r.ok).toBe(false)
      expect(r.error!.code).toBe('bad-argument')
      expect(Object.keys(r.error!).sort()).toEqual(['code', 'message'])
    }), { numRuns: 300 })
    const junkObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.anything(), { minKeys: 1, maxKeys: 4 })
    await fc.assert(fc.asyncProperty(fc.constantFrom(...METHOD_NAMES), junkObject, async (method, args) => {
      const r = (await call(method, args)) as { ok: boolean; error?: { code: string; message: string } }
      if (!r.ok) {
        expect(['bad-argument', 'not-found', 'bad-input', 'cancelled', 'unsupported']).toContain(r.error!.code)
        expect(r.error!.message).not.toMatch(/\n\s+at /)
      }
    }), { numRuns: 300 })
  })
})
