// Worker-thread bootstrap for the CLI host: registers the tsx loader in this thread, then runs
// the TypeScript engine worker (Electron builds bundle that worker instead).
import { register } from 'tsx/esm/api'

register()
await import('../../electron/main/host/engine_worker.ts')
