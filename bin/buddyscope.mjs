#!/usr/bin/env node
// Entry point of the `buddyscope` command: runs the TypeScript sources through the tsx loader,
// so `npx buddyscope` works right after `npm install` with no build step. `serve` is the
// browser-mode host (serve/main.ts); every other command is the CLI (cli/main.ts).
import { register } from 'tsx/esm/api'

register()
const argv = process.argv.slice(2)
const { main } = argv[0] === 'serve' ? await import('../serve/main.ts') : await import('../cli/main.ts')
process.exitCode = await main(argv[0] === 'serve' ? argv.slice(1) : argv)
