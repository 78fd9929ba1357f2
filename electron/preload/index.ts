/**
 * Preload (sandboxed; built as CommonJS, out/preload/index.cjs). Exposes window.buddyscope:
 * exactly the contract's methods plus `on(event, listener)`. It may only require('electron'),
 * so it imports the zod-free name lists of contract/names.ts, never the schemas.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { createApi } from './api.ts'

contextBridge.exposeInMainWorld('buddyscope', createApi(ipcRenderer))
