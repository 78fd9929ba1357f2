/**
 * The report's Provenance names the rules the model followed for the capture's kernel release
 * (engine releaseRules), not Linux 6.1 alone: a 6.18 capture of this machine
 * (fixtures/host-24G-k618-t) lists each later change the model applies and the one it names
 * without modelling, and its compaction what-if says it ran 6.1's compaction with those changes.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { reportFromSnapshot } from '../../host/report/index.ts'
import { reportMarkdown } from '../../host/report/markdown.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

describe('the report names the kernel rules of the capture\'s release', () => {
  it('host-24G-k618-t (6.18): 6.1 with the changes of 6.4 … 6.10, the 6.15 fallback rule', async () => {
    const { report } = await reportFromSnapshot({
      path: join(FIXTURES, 'host-24G-k618-t'), capture: '01-before', layout: 'auto', seed: 1,
      whatifs: [{ kind: 'compact', request: {} }], version: '0.0.0-test', generatedAt: '2026-01-01T00:00:00.000Z',
    })
    const rules = report.provenance.kernelRules
    expect(rules[0]).toContain('with the changes up to kernel 6.18:')
    expect(rules.map((r) => r.split(':')[0])).toEqual(expect.arrayContaining(['6.4', '6.5', '6.7', '6.9', '6.10']))
    expect(rules.some((r) => r.startsWith('migratetype fallback: the 6.15 rule'))).toBe(true)
    const md = reportMarkdown(report)
    expect(md).toContain('Linux 6.1 compaction (mm/compaction.c) with the changes up to kernel 6.18 listed under Kernel rules')
  }, 120000)
})
