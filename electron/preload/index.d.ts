/**
 * window.buddyscope as the preload exposes it (undefined outside Electron: the renderer then
 * talks to `buddyscope serve` over WebSocket). Include this file in the renderer's tsconfig.
 */
import type { BuddyscopeApi } from '../../contract/schemas.ts'

declare global {
  interface Window {
    buddyscope?: BuddyscopeApi
  }
}

export {}
