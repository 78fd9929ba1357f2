/**
 * The renderer's API (window.buddyscope), built from the contract's method and event names.
 * Kept apart from index.ts (which only exposes it) so tests can build it with a fake
 * ipcRenderer. Nothing else of ipcRenderer is reachable: no generic invoke, no raw channel.
 */
import type { BuddyscopeApi } from '../../contract/schemas.ts'
import type { HostError } from '../../contract/dto.ts'
import { EVENT_CHANNEL, EVENT_NAMES, METHOD_NAMES, callChannel, type EventName, type IpcResult } from '../../contract/names.ts'

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

const EVENT_SET: ReadonlySet<string> = new Set(EVENT_NAMES)

function badResponse(method: string): HostError {
  return { code: 'internal', message: `${method}: malformed answer from the host` }
}

export function createApi(ipc: IpcRendererLike): BuddyscopeApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  ipc.on(EVENT_CHANNEL, (_event, message) => {
    if (typeof message !== 'object' || message === null) return
    const { event, payload } = message as { event?: unknown; payload?: unknown }
    if (typeof event !== 'string') return
    const set = listeners.get(event)
    if (!set) return
    for (const l of [...set]) {
      try {
        l(payload)
      } catch (e) {
        console.error(`buddyscope: a listener of "${event}" threw`, e)
      }
    }
  })

  const api: Record<string, unknown> = {}
  for (const method of METHOD_NAMES) {
    api[method] = async (args?: unknown): Promise<unknown> => {
      const r = (await ipc.invoke(callChannel(method), args ?? {})) as IpcResult | undefined
      if (!r || typeof r !== 'object' || typeof r.ok !== 'boolean') throw badResponse(method)
      if (r.ok) return r.value
      throw { code: r.error.code, message: r.error.message } satisfies { code: string; message: string }
    }
  }
  api['on'] = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!EVENT_SET.has(event)) throw new TypeError(`buddyscope.on: unknown event "${String(event)}"`)
    if (typeof listener !== 'function') throw new TypeError('buddyscope.on: the listener must be a function')
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }
  return Object.freeze(api) as unknown as BuddyscopeApi
}
