/**
 * Picks the transport of the host API, once. The only file that knows there are several:
 *  - Electron: the preload put the API on window.buddyscope;
 *  - `?fake=1`: the dev-only in-page fake host (fake_api.ts, loaded on demand);
 *  - otherwise browser mode: a WebSocket to the `buddyscope serve` host that served the page.
 * Only stores call getApi().
 */
import type { BuddyscopeApi } from './types.ts'

let current: Promise<BuddyscopeApi> | null = null

export function getApi(): Promise<BuddyscopeApi> {
  if (!current) current = pickTransport()
  return current
}

/** Tests (and only tests) install their own API. */
export function setApiForTests(api: BuddyscopeApi | null): void {
  current = api ? Promise.resolve(api) : null
}

async function pickTransport(): Promise<BuddyscopeApi> {
  const bridge = (window as unknown as { buddyscope?: BuddyscopeApi }).buddyscope
  if (bridge) return bridge
  const params = new URLSearchParams(window.location.search)
  if (params.get('fake') === '1') {
    const { createFakeApi } = await import('./fake_api.ts')
    return createFakeApi(params)
  }
  const { createWsClient, wsUrlFromLocation } = await import('./ws_client.ts')
  return createWsClient(wsUrlFromLocation(window.location))
}
