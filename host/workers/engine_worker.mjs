// Worker-thread bootstrap for the pool (CLI, `serve`, tests): registers the tsx loader in this
// thread, then hands piscina the TypeScript engine worker's task function. The Electron build
// bundles engine_worker.ts itself instead.
import { register } from 'tsx/esm/api'

register()
const worker = await import('./engine_worker.ts')
export default worker.default
