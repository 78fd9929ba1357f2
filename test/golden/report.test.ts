/**
 * Golden tests of the report's Markdown and CSV for a real capture (x86 512 MiB, before a
 * compaction; with a full-compaction and a hugetlb what-if, the diff against the capture after
 * the node's compaction and the series' timeline), made with a fixed version and time.
 * The expected files are in test/golden/report/; after a deliberate change, regenerate them with
 * `UPDATE_GOLDEN=1 npx vitest run test/golden/report.test.ts` and read the diff.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { reportFromSnapshot, type Report } from '../../host/report/index.ts'
import { reportMarkdown } from '../../host/report/markdown.ts'
import { reportCsvFiles } from '../../host/report/csv.ts'

const GOLDEN = join(import.meta.dirname, 'report')
const UPDATE = process.env['UPDATE_GOLDEN'] === '1'

let made: Report | null = null
async function report(): Promise<Report> {
  made ??= (await reportFromSnapshot({
    path: 'fixtures/x86-512M-s1-compact', layout: 'auto', seed: 1,
    whatifs: [{ kind: 'compact', request: {} }, { kind: 'contig', request: { kind: 'hugetlb', count: 64 } }], diff: '03-after-compact-node', timeline: true,
    version: '0.0.0-golden', generatedAt: '2026-01-01T00:00:00.000Z', output: 'report.md',
  })).report
  return made
}

function golden(name: string, actual: string): void {
  const p = join(GOLDEN, name)
  if (UPDATE) {
    mkdirSync(join(p, '..'), { recursive: true })
    writeFileSync(p, actual)
  }
  expect(existsSync(p), `${p} is missing (UPDATE_GOLDEN=1 writes it)`).toBe(true)
  expect(actual, `${name} differs from the golden file (UPDATE_GOLDEN=1 regenerates it)`).toBe(readFileSync(p, 'utf8'))
}

describe('report golden files (x86-512M-s1-compact, 02-before; diff and timeline)', () => {
  it('Markdown', async () => {
    const md = reportMarkdown(await report())
    // what a cover letter needs: the before/after table per order in a fixed-width block, verdicts, counters
    expect(md).toMatch(/```text\n +0 +1 +2 +3 +4 +5 +6 +7 +8 +9 +10\nbefore \(model\) +18226 +6284 +591 +15 +2 +1 +2 +2 +3 +2 +10\nafter \(predicted\) /)
    expect(md).toContain('**Verdict:** Full compaction')
    expect(md).toContain('**Counters (as /proc/vmstat deltas)**')
    // the diff's per-order table in a fixed-width block, and the timeline's verdict
    expect(md).toMatch(/## Diff: fixtures\/x86-512M-s1-compact \[03-after-compact-node\] against this capture\n/)
    expect(md).toMatch(/```text\n +0 +1 +2 +3 +4 +5 +6 +7 +8 +9 +10\nbefore \(buddyinfo, captured\) +18267 +6284 +592 +14 +2 +0 +1 +1 +2 +1 +11\nafter \(buddyinfo, captured\) /)
    expect(md).toContain('## Timeline of the series\n\n**Verdict:** Contiguity (free memory in blocks ≥ 2 MiB, 0:DMA32)')
    golden('x86-512M-s1-compact.md', md)
  }, 120_000)

  it('CSV: one file per table and an index', async () => {
    const files = reportCsvFiles(await report())
    const dir = join(GOLDEN, 'x86-512M-s1-compact-csv')
    if (UPDATE) rmSync(dir, { recursive: true, force: true })
    expect(files[0]!.name).toBe('index.csv')
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['free-n0-dma32.csv', 'diff-n0-dma32.csv', 'diff-changes.csv', 'timeline-counters.csv', 'timeline-n0-dma32-steps.csv']))
    for (const f of files) golden(join('x86-512M-s1-compact-csv', f.name), f.text)
    // no stale golden file for a table the report no longer has
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.name).sort())
  }, 120_000)
})
