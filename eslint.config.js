// Lint: correctness basics everywhere; purity rules for engine/ (no I/O, no host APIs,
// no wall clock, no unseeded randomness) so the same input always gives the same output.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const hostModules = ['electron', 'vue', 'pinia', 'echarts', 'fs', 'path', 'os', 'zlib', 'tar', 'worker_threads', 'child_process', 'http', 'crypto', 'url', 'stream', 'util', 'buffer', 'events']

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: hostModules.map((name) => ({ name, message: 'engine/ is pure: no host modules' })),
        patterns: [
          { group: ['node:*'], message: 'engine/ is pure: no Node built-ins' },
          { group: ['electron/*', 'vue/*', '@vue/*', 'echarts/*'], message: 'engine/ is pure: no UI or Electron imports' },
          { group: ['../cli/*', '../../cli/*', '../electron/*', '../../electron/*', '../renderer/*', '../../renderer/*'], message: 'engine/ must not import host code' },
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
      ],
    },
  },
)
