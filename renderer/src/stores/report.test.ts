import { describe, expect, it } from 'vitest'
import { sessionWhatifs } from './report.ts'

describe('the session\'s what-ifs for a report', () => {
  it('oldest first across both stores, without the snapshot id, each request once', () => {
    const compact = [
      { runId: 'r9', title: 'full compaction', args: { id: 's1', mode: 'sync' } },
      { runId: 'r3', title: 'full compaction', args: { id: 's1', mode: 'sync' } },
    ]
    const contig = [{ runId: 'r5', title: 'cma 64M', args: { id: 's1', kind: 'cma', sizeBytes: 64 << 20 } }]
    expect(sessionWhatifs(compact, contig)).toEqual([
      { runId: 'r3', title: 'full compaction', request: { kind: 'compact', request: { mode: 'sync' } } },
      { runId: 'r5', title: 'cma 64M', request: { kind: 'contig', request: { kind: 'cma', sizeBytes: 64 << 20 } } },
    ])
  })
})
