// Worker-thread bootstrap of the kpageflags decode thread from the TypeScript sources (CLI
// through tsx, tests, the bench): registers the tsx loader in this thread, then loads
// kpage_worker.ts. The precompiled CLI (dist-cli/) has its own kpage_worker.mjs.
import { register } from 'tsx/esm/api'

register()
await import('./kpage_worker.ts')
