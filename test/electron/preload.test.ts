import { describe, expect, it, vi, beforeEach } from 'vitest'

vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)

import { electronModule, fake, resetFake } from './fake_electron.ts'
import { METHODS } from '../../contract/index.ts'
import { EVENT_CHANNEL, EVENT_NAMES, METHOD_NAMES, callChannel } from '../../contract/names.ts'
import { IPC_METHODS } from '../../electron/main/ipc.ts'
import { SERVICE_METHODS } from '../../host/service.ts'
import { createApi } from '../../electron/preload/api.ts'
import '../../electron/preload/index.ts'

type Api = Record<string, unknown> & {
  on(event: string, listener: (payload: unknown) => void): () => void
}

// what the preload itself exposed when it ran (once, like in a page)
const exposedByPreload = new Map(fake.exposed)

/** A fresh API over the fake ipcRenderer, as the preload builds it. */
function loadPreload(): Api {
  return createApi(electronModule.ipcRenderer) as unknown as Api
}

function sendEvent(message: unknown): void {
  for (const l of fake.rendererListeners.get(EVENT_CHANNEL) ?? []) l({ sender: 'ipc' }, message)
}

beforeEach(() => resetFake())

/** The contract's methods as documented (docs/contract.md): written out, not derived from the code. */
const DOCUMENTED_METHODS = [
  'appInfo', 'cancelRun', 'closeSnapshot', 'getCaptureScript', 'getDiff', 'getDiffPageblock', 'getPageClasses', 'getPageblockDetail', 'getPageblockMap', 'getSnapshot',
  'getTimeline', 'listRecent', 'listSnapshots', 'pickSnapshotPath', 'saveCaptureScript', 'startOpenBundled', 'startOpenPath', 'startOpenUpload', 'startWhatifCompact',
  'startWhatifContig', 'exportReport', 'getPolluters', 'getPageOwners', 'getFleet', 'getTraceSteals',
].sort()
const DOCUMENTED_EVENTS = ['menu:command', 'run:done', 'run:failed', 'run:progress', 'run:summary', 'snapshot:opening', 'whatif:contig-done', 'whatif:done']

describe('contract: one set of method names everywhere', () => {
  it('the preload, IPC, the schemas and the service have exactly the documented methods', () => {
    const api = exposedByPreload.get('buddyscope') as Api
    expect(Object.keys(api).filter((k) => k !== 'on').sort()).toEqual(DOCUMENTED_METHODS)
    expect(Object.keys(METHODS).sort()).toEqual(DOCUMENTED_METHODS)
    expect([...METHOD_NAMES].sort()).toEqual(DOCUMENTED_METHODS)
    expect([...IPC_METHODS].sort()).toEqual(DOCUMENTED_METHODS)
    expect([...SERVICE_METHODS].sort()).toEqual(DOCUMENTED_METHODS)
    expect([...EVENT_NAMES].sort()).toEqual(DOCUMENTED_EVENTS)
  })

  it('every exposed method invokes its own channel, with its own argument', async () => {
    const api = loadPreload()
    fake.invokeAnswer = (channel) => ({ ok: true, value: channel })
    for (const m of DOCUMENTED_METHODS) {
      const value = await (api[m] as (a: unknown) => Promise<unknown>)({ marker: m })
      expect(value, m).toBe(callChannel(m))
    }
    expect(fake.invokes).toEqual(DOCUMENTED_METHODS.map((m) => ({ channel: callChannel(m), args: [{ marker: m }] })))
  })

  it('exposes only window.buddyscope: no ipcRenderer, no generic invoke', () => {
    const api = exposedByPreload.get('buddyscope') as Api
    expect([...exposedByPreload.keys()]).toEqual(['buddyscope'])
    expect(Object.keys(api).sort()).toEqual([...Object.keys(METHODS), 'on'].sort())
    for (const k of ['invoke', 'send', 'ipcRenderer', 'call', 'sendSync']) expect(api[k]).toBeUndefined()
    expect(Object.isFrozen(api)).toBe(true)
    for (const v of Object.values(api)) expect(typeof v).toBe('function')
  })
})

describe('calls', () => {
  it('invoke bs:call:<method> with the argument and resolve with value', async () => {
    const api = loadPreload()
    fake.invokeAnswer = () => ({ ok: true, value: { runId: 'r7' } })
    await expect((api['startOpenPath'] as (a: unknown) => Promise<unknown>)({ path: '/x' })).resolves.toEqual({ runId: 'r7' })
    expect(fake.invokes).toEqual([{ channel: callChannel('startOpenPath'), args: [{ path: '/x' }] }])
  })

  it('send {} when called without an argument', async () => {
    const api = loadPreload()
    await (api['appInfo'] as () => Promise<unknown>)()
    expect(fake.invokes[0]!.args).toEqual([{}])
  })

  it('reject with the HostError object (not an Error) when the host refuses', async () => {
    const api = loadPreload()
    fake.invokeAnswer = () => ({ ok: false, error: { code: 'bad-argument', message: 'getSnapshot: id: required' } })
    const err = await (api['getSnapshot'] as (a: unknown) => Promise<unknown>)({}).catch((e: unknown) => e)
    expect(err).toEqual({ code: 'bad-argument', message: 'getSnapshot: id: required' })
    expect(err).not.toBeInstanceOf(Error)
  })

  it('reject with an internal HostError on a malformed answer', async () => {
    const api = loadPreload()
    fake.invokeAnswer = () => 'garbage'
    await expect((api['listRecent'] as () => Promise<unknown>)()).rejects.toEqual({ code: 'internal', message: 'listRecent: malformed answer from the host' })
  })
})

describe('events', () => {
  it('deliver payloads of the subscribed event only, until unsubscribed', async () => {
    const api = loadPreload()
    const done = vi.fn()
    const progress = vi.fn()
    const off = api.on('run:done', done)
    api.on('run:progress', progress)
    sendEvent({ event: 'run:done', payload: { runId: 'r1' } })
    sendEvent({ event: 'run:progress', payload: { runId: 'r1', phase: 'x', done: 0, total: 0 } })
    sendEvent({ event: 'not:an-event', payload: 1 })
    sendEvent(null)
    sendEvent('run:done')
    expect(done).toHaveBeenCalledTimes(1)
    expect(done).toHaveBeenCalledWith({ runId: 'r1' })
    expect(progress).toHaveBeenCalledTimes(1)
    off()
    sendEvent({ event: 'run:done', payload: { runId: 'r2' } })
    expect(done).toHaveBeenCalledTimes(1)
  })

  it('refuse events outside the contract', async () => {
    const api = loadPreload()
    expect(() => api.on('ipc:anything', () => {})).toThrow(/unknown event/)
    expect(() => api.on('run:done', 'nope' as never)).toThrow(/function/)
  })

  it('a throwing listener does not stop the others', async () => {
    const api = loadPreload()
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    const second = vi.fn()
    api.on('menu:command', () => { throw new Error('listener bug') })
    api.on('menu:command', second)
    sendEvent({ event: 'menu:command', payload: { command: 'about' } })
    expect(second).toHaveBeenCalledWith({ command: 'about' })
    expect(err).toHaveBeenCalled()
    err.mockRestore()
  })
})
