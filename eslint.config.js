// Lint: correctness basics everywhere; purity rules for engine/ (no I/O, no host APIs, no wall
// clock, no unseeded randomness) so the same input always gives the same output; and the
// layering of every top-level folder: imports run engine ← host ← cli, serve, electron/main,
// and the renderer and the preload see only contract/.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'

const nodeModules = ['fs', 'path', 'os', 'zlib', 'worker_threads', 'child_process', 'http', 'crypto', 'url', 'stream', 'util', 'buffer', 'events']
const hostModules = ['electron', 'vue', 'pinia', 'echarts', 'tar', 'ws', 'piscina', ...nodeModules]

/** import paths of a top-level folder, from anywhere in the tree */
const folder = (name) => [`${name}/*`, `**/${name}/**`, `../${name}`, `../../${name}`]

/** no-restricted-imports for a folder: these folders and modules are off limits */
function layer(files, { folders = [], modules = [], node = false, why }) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {
        paths: modules.map((name) => ({ name, message: why })),
        patterns: [
          ...folders.map((f) => ({ group: folder(f), message: `${why} (no ${f}/)` })),
          ...(node ? [{ group: ['node:*'], message: why }] : []),
        ],
      }],
    },
  }
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'dist-cli/**', 'fixtures/**', 'test-results/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // TypeScript (tsc, vue-tsc) checks names; the browser and Node globals are its to know
      'no-undef': 'off',
      'vue/multi-word-component-names': 'off',
      // `void x;` to silence an unused name hides dead code: remove the name instead
      'no-restricted-syntax': ['error', { selector: "ExpressionStatement > UnaryExpression[operator='void'][argument.type='Identifier']", message: 'remove the unused name instead of `void`-ing it' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  // engine/: pure
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostModules.map((name) => ({ name, message: 'engine/ is pure: no host modules' })),
        patterns: [
          { group: ['node:*'], message: 'engine/ is pure: no Node built-ins' },
          { group: ['electron/*', 'vue/*', '@vue/*', 'echarts/*'], message: 'engine/ is pure: no UI or Electron imports' },
          ...['host', 'contract', 'charts', 'cli', 'serve', 'electron', 'renderer'].map((f) => ({ group: folder(f), message: `engine/ imports nothing above it (no ${f}/)` })),
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'use the seeded PRNG in engine/sim/rng.ts' },
        { object: 'Date', property: 'now', message: 'engine/ has no wall clock' },
        { object: 'performance', property: 'now', message: 'engine/ has no wall clock' },
      ],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'engine/ is pure' },
        { name: 'Buffer', message: 'engine/ is pure: use Uint8Array' },
        { name: 'require', message: 'engine/ is pure' },
        { name: 'window', message: 'engine/ is pure' },
        { name: 'document', message: 'engine/ is pure' },
        { name: 'setTimeout', message: 'engine/ has no timers' },
        { name: 'setInterval', message: 'engine/ has no timers' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date']", message: 'engine/ has no wall clock' },
        { selector: "ExpressionStatement > UnaryExpression[operator='void'][argument.type='Identifier']", message: 'remove the unused name instead of `void`-ing it' },
      ],
    },
  },
  // contract/: plain data, schemas and names; environment-free
  layer(['contract/**/*.ts'], { folders: ['engine', 'host', 'charts', 'cli', 'serve', 'electron', 'renderer'], modules: hostModules, node: true, why: 'contract/ is plain data: it imports only zod' }),
  // charts/: the app's chart options, palette and map colouring, pure; the renderer and host/report draw them
  layer(['charts/**/*.ts'], { folders: ['engine', 'host', 'cli', 'serve', 'electron', 'renderer'], modules: hostModules.filter((m) => m !== 'echarts'), node: true, why: 'charts/ is pure: contract/ and echarts types only' }),
  // host/: the Node layer over the engine
  layer(['host/**/*.ts'], { folders: ['cli', 'serve', 'electron', 'renderer'], modules: ['electron', 'vue', 'pinia', 'echarts'], why: 'host/ is below the hosts: it imports engine/, contract/ and charts/ only' }),
  // host/report/ draws the app's chart options to SVG with ECharts' server-side renderer (echarts allowed there only)
  layer(['host/report/**/*.ts'], { folders: ['cli', 'serve', 'electron', 'renderer'], modules: ['electron', 'vue', 'pinia'], why: 'host/report is host/: engine/, contract/, charts/ and echarts (server-side rendering) only' }),
  // the hosts: each over host/, none imports another
  layer(['cli/**/*.ts'], { folders: ['serve', 'electron', 'renderer'], modules: ['electron', 'vue', 'pinia', 'echarts', 'ws'], why: 'cli/ is a host: no other host, no renderer' }),
  layer(['serve/**/*.ts'], { folders: ['cli', 'electron', 'renderer', 'engine'], modules: ['electron', 'vue', 'pinia', 'echarts'], why: 'serve/ is a host over host/: no other host, no engine, no renderer' }),
  layer(['electron/main/**/*.ts'], { folders: ['cli', 'serve', 'renderer', 'engine'], modules: ['vue', 'pinia', 'echarts', 'ws'], why: 'electron/main is a host over host/: no other host, no engine, no renderer' }),
  // the preload and the renderer see only the contract
  layer(['electron/preload/**/*.ts'], { folders: ['engine', 'host', 'cli', 'serve', 'renderer'], modules: [...hostModules.filter((m) => m !== 'electron'), 'zod'], node: true, why: 'the preload sees only contract/names.ts and contract types' }),
  layer(['renderer/**/*.ts', 'renderer/**/*.vue'], { folders: ['engine', 'host', 'cli', 'serve', 'electron'], modules: ['electron', 'tar', 'ws', 'piscina', 'zod', ...nodeModules], node: true, why: 'the renderer sees only contract/' }),
)
