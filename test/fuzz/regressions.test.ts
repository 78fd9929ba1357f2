/**
 * Replays every input kept in test/fuzz/regressions/: the failures `npm run fuzz -- --keep`
 * found and minimised (meta.json `found`: crash or hang, with what it was), and hostile inputs
 * kept on purpose (`found`: "kept"). Each must now be accepted or refused with a typed error
 * naming its file; where meta.json says `expect` (and `expectDetail`), exactly that.
 */
import { describe, it, expect } from 'vitest'
import { existsSync, readdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REGRESSIONS, readRegression, runInput } from './fuzz_core.ts'

const dirs = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((d) => existsSync(join(REGRESSIONS, d, 'meta.json'))).sort() : []

describe('fuzz regressions', () => {
  it('the corpus is there', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(8)
  })
  for (const d of dirs) {
    it(d, async () => {
      const { input, meta } = readRegression(join(REGRESSIONS, d))
      const scratch = mkdtempSync(join(tmpdir(), 'bs-regress-'))
      try {
        const o = await runInput(input, 20_000, scratch)
        expect(['ok', 'rejected'], `${String(meta['how'])}\n${o.detail}`).toContain(o.verdict)
        if (meta['expect']) expect(o.verdict, o.detail).toBe(meta['expect'])
        if (meta['expectDetail']) expect(o.detail.replace(/\/tmp\/bs-regress-\w+\/(cap|tar)-\w+/g, 'INPUT')).toContain(String(meta['expectDetail']))
      } finally {
        rmSync(scratch, { recursive: true, force: true })
      }
    }, 60_000)
  }
})
