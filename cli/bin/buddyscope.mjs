#!/usr/bin/env node
// Entry point of the `buddyscope` command: runs cli/main.ts through the tsx loader,
// so `npx buddyscope` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../main.ts')
process.exitCode = await main(process.argv.slice(2))
