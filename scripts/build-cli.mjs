// Builds the `buddyscope` command ahead of time (npm's `prepare` step, and `npm run build`):
// esbuild bundles cli/main.ts, serve/main.ts, the worker pool's engine_worker.ts and the
// kpageflags decode thread's kpage_worker.ts into
// dist-cli/ (ES modules, code-split, so a command loads only the chunks it imports). Packages
// from node_modules stay imports. bin/buddyscope.mjs runs the bundle when dist-cli/inputs.json
// says no source changed since; otherwise it runs the TypeScript through tsx as before.
//
// `import.meta.url` in a source file keeps meaning that source file's URL (files next to it,
// such as capture/buddyscope-capture or package.json, are found as from the sources), and the
// bundle defines __BUDDYSCOPE_BUNDLE__ so the pool starts the precompiled worker next to it
// (import.meta.dirname, which stays the bundle's own folder).
import { build } from 'esbuild'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const OUT_DIR = join(ROOT, 'dist-cli')

/** `import.meta.url` → the source file's own URL, computed from the chunk's at run time */
const sourceUrls = (OUT) => ({
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const rel = relative(OUT, args.path).split(sep).join('/')
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' }
    })
  },
})

/** every package of package.json but the bundled ones, and their subpaths */
function externals() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !BUNDLED.includes(n))
  return names.flatMap((n) => [n, `${n}/*`])
}

const BUNDLED = ['zod', 'tar']

/** Build into `OUT` (default dist-cli/; tests build elsewhere, inside the repository so packages resolve). */
export async function buildCli(OUT = OUT_DIR) {
  const t0 = performance.now()
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(OUT, { recursive: true })
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'cli/main.ts', serve: 'serve/main.ts', engine_worker: 'host/workers/engine_worker.ts', kpage_worker: 'host/workers/kpage_worker.ts' },
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // zod and tar are bundled (their many small ES modules cost more to resolve than to parse);
    // every other package stays an import (piscina starts its own worker file, vite and ws load
    // optional native add-ons)
    external: externals(),
    sourcemap: 'linked',
    define: { __BUDDYSCOPE_BUNDLE__: 'true' },
    plugins: [sourceUrls(OUT)],
    metafile: true,
    logLevel: 'warning',
  })
  // what bin/buddyscope.mjs checks: every source the bundle was made from, and when it was made
  const inputs = Object.keys(r.metafile.inputs)
  const builtAt = Date.now()
  for (const p of inputs) {
    const m = statSync(join(ROOT, p)).mtimeMs
    if (m > builtAt) throw new Error(`${p} changed while the CLI was being built; build again`)
  }
  writeFileSync(join(OUT, 'inputs.json'), JSON.stringify({ builtAt, inputs }, null, 1) + '\n')
  return { inputs: inputs.length, ms: performance.now() - t0 }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { inputs, ms } = await buildCli()
  console.log(`buddyscope CLI built into dist-cli/ from ${inputs} sources in ${ms.toFixed(0)} ms`)
}
