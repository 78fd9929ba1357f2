/**
 * Browser-mode transport: the contract's API over one WebSocket to the `buddyscope serve` host
 * (ws(s)://<host>/api?token=…), speaking contract/wire.ts. Calls made before the socket
 * opens are queued; when the socket closes, pending calls reject with a HostError in plain words
 * and the client reconnects (with back-off) on the next call.
 */
import { encodeWire, decodeWire, type ClientMessage, type ServerMessage } from '../../../contract/wire.ts'
import { METHOD_NAMES } from '../../../contract/names.ts'
import type { BuddyscopeApi, EventName, EventPayloads, HostError, MethodName } from './types.ts'

/** The parts of the WebSocket API this client uses (lets tests pass a fake). */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}
export type SocketFactory = (url: string) => SocketLike

const OPEN = 1

/** ws(s)://host/api?token=… for the page's own location. */
export function wsUrlFromLocation(loc: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(loc.search).get('token') ?? ''
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${loc.host}/api?token=${encodeURIComponent(token)}`
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: HostError) => void
  method: string
}

export interface WsClientOptions {
  socketFactory?: SocketFactory
  /** ms to wait before a reconnect attempt after a failure (doubles up to 8 s) */
  retryDelayMs?: number
}

export function createWsClient(url: string, opts: WsClientOptions = {}): BuddyscopeApi {
  const factory: SocketFactory = opts.socketFactory ?? ((u) => new WebSocket(u) as unknown as SocketLike)
  const baseDelay = opts.retryDelayMs ?? 500
  let socket: SocketLike | null = null
  let nextId = 1
  let failures = 0
  let lastAttempt = 0
  const pending = new Map<number, Pending>()
  const queue: string[] = []
  const listeners = new Map<string, Set<(payload: unknown) => void>>()

  function connect(): SocketLike {
    if (socket) return socket
    lastAttempt = Date.now()
    const s = factory(url)
    socket = s
    s.onopen = () => {
      failures = 0
      for (const text of queue.splice(0)) s.send(text)
    }
    s.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return
      let msg: ServerMessage
      try {
        msg = decodeWire(ev.data) as ServerMessage
      } catch {
        return
      }
      if (msg.t === 'result') {
        const p = pending.get(msg.id)
        if (!p) return
        pending.delete(msg.id)
        if (msg.ok) p.resolve(msg.value)
        else p.reject(msg.error)
      } else if (msg.t === 'event') {
        const set = listeners.get(msg.event)
        if (set) for (const l of [...set]) l(msg.payload)
      }
    }
    s.onerror = () => {
      /* onclose follows and carries the code */
    }
    s.onclose = (ev) => {
      if (socket !== s) return
      socket = null
      failures++
      queue.length = 0
      const why = ev.code === 1006 ? 'the host is not reachable or stopped' : ev.reason || `closed with code ${ev.code}`
      const err: HostError = { code: 'internal', message: `Lost the connection to the Buddyscope host (${why}). Is \`buddyscope serve\` still running?` }
      for (const [id, p] of pending) {
        pending.delete(id)
        p.reject(err)
      }
    }
    return s
  }

  function call(method: MethodName, args: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // after failures, don't hammer a dead host: the first call after the back-off reconnects
      if (!socket && failures > 0) {
        const wait = Math.min(8000, baseDelay * 2 ** (failures - 1))
        if (Date.now() - lastAttempt < wait) {
          reject({ code: 'internal', message: 'Not connected to the Buddyscope host; retrying shortly.' } satisfies HostError)
          return
        }
      }
      const id = nextId++
      const msg: ClientMessage = { t: 'call', id, method, args: args ?? {} }
      const text = encodeWire(msg)
      pending.set(id, { resolve, reject, method })
      const s = connect()
      if (s.readyState === OPEN) s.send(text)
      else queue.push(text)
    })
  }

  const api: Record<string, unknown> = {}
  for (const m of METHOD_NAMES) api[m] = (args: unknown) => call(m, args)
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    connect()
    return () => {
      set.delete(listener)
    }
  }
  return api as unknown as BuddyscopeApi & { on<E extends EventName>(event: E, l: (p: EventPayloads[E]) => void): () => void }
}
