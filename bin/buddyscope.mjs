#!/usr/bin/env node
// Entry point of the `buddyscope` command. `serve` is the browser-mode host (serve/main.ts);
// every other command is the CLI (cli/main.ts). Both run precompiled from dist-cli/ (built by
// npm's prepare step on `npm install`/`npm ci`, and by `npm run build`: scripts/build-cli.mjs)
// when every source the build was made from is unchanged since; otherwise (no build yet, or a
// source edited after it) the TypeScript sources run through the tsx loader, as they always can.
import { readFileSync, statSync } from 'node:fs'

const argv = process.argv.slice(2)
const isServe = argv[0] === 'serve'

/** dist-cli/ is up to date: built, and no source it was made from changed since */
function builtIsCurrent() {
  if (process.env.BUDDYSCOPE_FROM_SOURCE) return false
  try {
    const root = new URL('../', import.meta.url)
    const { builtAt, inputs } = JSON.parse(readFileSync(new URL('dist-cli/inputs.json', root), 'utf8'))
    statSync(new URL(isServe ? 'dist-cli/serve.mjs' : 'dist-cli/cli.mjs', root))
    for (const p of inputs) if (statSync(new URL(p, root)).mtimeMs > builtAt) return false
    return true
  } catch {
    return false
  }
}

let entry
if (builtIsCurrent()) {
  entry = isServe ? await import('../dist-cli/serve.mjs') : await import('../dist-cli/cli.mjs')
} else {
  const { register } = await import('tsx/esm/api')
  register()
  entry = isServe ? await import('../serve/main.ts') : await import('../cli/main.ts')
}
process.exitCode = await entry.main(isServe ? argv.slice(1) : argv)
