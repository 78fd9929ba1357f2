/**
 * IPC between the renderer and the host. One invoke channel per contract method
 * (`bs:call:<method>`), answered with `{ ok: true, value }` or `{ ok: false, error: HostError }`
 * so no Error (and no stack trace) ever crosses; calls are only taken from the app's own
 * top-level renderer frame. Events go to the window on one channel, `bs:event`, and wait in a
 * queue while there is no window or its renderer is (re)loading.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { METHOD_NAMES, EVENT_CHANNEL, callChannel, type IpcResult, type EventName } from '../../contract/names.ts'
import { isHostError, type HostError } from '../../contract/dto.ts'
import type { EventPayloads } from '../../contract/schemas.ts'
import { isAppUrl, type RendererLocation } from './security.ts'

export interface CallTarget {
  handle(method: string, args: unknown): Promise<unknown>
}

/** A HostError with exactly { code, message }: whatever else a thrown value carried stays here. */
export function toIpcError(e: unknown): HostError {
  if (isHostError(e)) return { code: e.code, message: e.message }
  if (e instanceof Error) return { code: 'internal', message: e.message }
  return { code: 'internal', message: String(e) }
}

/** Only the app's own page, in the window's top-level frame, may call the host. */
export function isTrustedSender(location: RendererLocation, event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame
  if (!frame) return false
  if (frame.parent) return false
  return isAppUrl(location, frame.url)
}

export const FOREIGN_SENDER: HostError = { code: 'unsupported', message: 'calls are only accepted from the Buddyscope window' }

/** Method names registered as IPC channels: exactly the contract's. */
export const IPC_METHODS: readonly string[] = METHOD_NAMES

/** Register one handler per contract method; returns a function that removes them again. */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, host: CallTarget, trusted: (event: IpcMainInvokeEvent) => boolean): () => void {
  const channels: string[] = []
  for (const method of IPC_METHODS) {
    const channel = callChannel(method)
    ipcMain.handle(channel, async (event, args: unknown): Promise<IpcResult> => {
      if (!trusted(event)) return { ok: false, error: FOREIGN_SENDER }
      try {
        return { ok: true, value: await host.handle(method, args) }
      } catch (e) {
        return { ok: false, error: toIpcError(e) }
      }
    })
    channels.push(channel)
  }
  return () => {
    for (const c of channels) ipcMain.removeHandler(c)
  }
}

export const EVENT_QUEUE_MAX = 500

/**
 * Delivers host events to the window's renderer. Until the page has finished loading (first
 * load and every reload) events wait in a queue, so a snapshot opened from the command line is
 * not announced before the renderer listens. A closed window's queue is dropped.
 */
export class RendererEvents {
  private contents: WebContents | null = null
  private ready = false
  private queue: Array<{ event: EventName; payload: unknown }> = []

  attach(contents: WebContents): void {
    this.contents = contents
    this.ready = false
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) this.ready = false
    })
    // did-stop-loading also ends a navigation that failed or was aborted (the old page stays)
    const loaded = (): void => {
      this.ready = true
      this.flush()
    }
    contents.on('did-finish-load', loaded)
    contents.on('did-stop-loading', loaded)
    contents.once('destroyed', () => {
      if (this.contents === contents) {
        this.contents = null
        this.ready = false
        this.queue = []
      }
    })
  }

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    const c = this.contents
    if (!c || c.isDestroyed() || !this.ready) {
      // no window yet (before the first one exists) or still loading: deliver on the next load
      if (this.queue.length < EVENT_QUEUE_MAX) this.queue.push({ event, payload })
      return
    }
    c.send(EVENT_CHANNEL, { event, payload })
  }

  private flush(): void {
    const c = this.contents
    const q = this.queue
    this.queue = []
    if (!c || c.isDestroyed()) return
    for (const m of q) c.send(EVENT_CHANNEL, m)
  }
}
