import { describe, expect, it } from 'vitest'
import { decodeWire, encodeWire } from '../../../contract/wire.ts'
import { createWsClient, wsUrlFromLocation, type SocketLike } from './ws_client.ts'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: string[] = []
  onopen: SocketLike['onopen'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  onmessage: SocketLike['onmessage'] = null
  constructor(public url: string) {}
  send(d: string) { this.sent.push(d) }
  close() {}
  open() { this.readyState = 1; this.onopen?.({}) }
  receive(msg: unknown) { this.onmessage?.({ data: encodeWire(msg) }) }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code, reason: '' }) }
}

function setup() {
  const sockets: FakeSocket[] = []
  const api = createWsClient('ws://h/api?token=t', { socketFactory: (u) => { const s = new FakeSocket(u); sockets.push(s); return s }, retryDelayMs: 0 })
  return { api, sockets }
}

describe('WebSocket client', () => {
  it('builds the URL from the page location and token', () => {
    expect(wsUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:4180', search: '?token=ab%2Fc&x=1' })).toBe('ws://127.0.0.1:4180/api?token=ab%2Fc')
    expect(wsUrlFromLocation({ protocol: 'https:', host: 'h', search: '' })).toBe('wss://h/api?token=')
  })

  it('queues calls until open, matches results by id, decodes typed arrays', async () => {
    const { api, sockets } = setup()
    const p1 = api.appInfo({})
    const p2 = api.getPageblockMap({ id: 's1' })
    const s = sockets[0]!
    expect(s.url).toBe('ws://h/api?token=t')
    expect(s.sent).toHaveLength(0)
    s.open()
    const msgs = s.sent.map((t) => decodeWire(t) as { t: string; id: number; method: string; args: unknown })
    expect(msgs.map((m) => [m.t, m.method])).toEqual([['call', 'appInfo'], ['call', 'getPageblockMap']])
    expect(msgs[1]!.args).toEqual({ id: 's1' })
    // answers out of order
    s.receive({ t: 'result', id: msgs[1]!.id, ok: true, value: { id: 's1', mt: Uint8Array.from([1, 2, 255]) } })
    s.receive({ t: 'result', id: msgs[0]!.id, ok: true, value: { version: '1' } })
    const map = await p2
    expect(map.mt).toBeInstanceOf(Uint8Array)
    expect([...map.mt]).toEqual([1, 2, 255])
    expect((await p1).version).toBe('1')
  })

  it('sends typed arrays of an upload intact', async () => {
    const { api, sockets } = setup()
    api.on('run:done', () => {}) // connects
    const s = sockets[0]!
    s.open()
    void api.startOpenUpload({ files: [{ name: 'buddyinfo', data: Uint8Array.from([1, 2, 3]) }] })
    const m = decodeWire(s.sent[0]!) as { args: { files: Array<{ data: Uint8Array }> } }
    expect([...m.args.files[0]!.data]).toEqual([1, 2, 3])
  })

  it('rejects with the host error', async () => {
    const { api, sockets } = setup()
    const p = api.getSnapshot({ id: 'nope' })
    const s = sockets[0]!
    s.open()
    const id = (decodeWire(s.sent[0]!) as { id: number }).id
    s.receive({ t: 'result', id, ok: false, error: { code: 'not-found', message: 'no open snapshot "nope"' } })
    await expect(p).rejects.toEqual({ code: 'not-found', message: 'no open snapshot "nope"' })
  })

  it('dispatches events to listeners until unsubscribed', () => {
    const { api, sockets } = setup()
    const got: unknown[] = []
    const off = api.on('run:progress', (p) => got.push(p))
    const s = sockets[0]!
    s.open()
    s.receive({ t: 'event', event: 'run:progress', payload: { runId: 'r1', phase: 'x', done: 1, total: 2 } })
    s.receive({ t: 'event', event: 'run:done', payload: {} })
    off()
    s.receive({ t: 'event', event: 'run:progress', payload: { runId: 'r1', phase: 'y', done: 2, total: 2 } })
    expect(got).toEqual([{ runId: 'r1', phase: 'x', done: 1, total: 2 }])
  })

  it('rejects pending calls in plain words when the connection drops, then reconnects', async () => {
    const { api, sockets } = setup()
    const p = api.listSnapshots({})
    sockets[0]!.open()
    sockets[0]!.drop()
    await expect(p).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('Lost the connection') })
    const q = api.listSnapshots({})
    expect(sockets).toHaveLength(2)
    sockets[1]!.open()
    const id = (decodeWire(sockets[1]!.sent[0]!) as { id: number }).id
    sockets[1]!.receive({ t: 'result', id, ok: true, value: [] })
    await expect(q).resolves.toEqual([])
  })
})
