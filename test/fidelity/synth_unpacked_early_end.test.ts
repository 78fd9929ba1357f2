/**
 * Synthesized layouts after a full compaction that ended before its scanners met (issue #8,
 * item 5). A full compaction packs a zone (its migrate scanner empties the bottom, its free
 * scanner fills the top) only when it runs until compact_scanners_met; on 6.9+ it can end
 * COMPACT_CONTENDED on a dirty large folio whose split fails (docs/fidelity.md, (h) and (o)).
 * fixtures/host-24G-k618-d (this machine's 6.18, TRACE=1): its first compaction ended in zone
 * Normal at migrate_pfn 0x12ce50 after 5913 migrations (trace/01-cm@1.txt.gz: mm_compaction_end
 * status=contended), so the capture after it is not packed, and a second compaction there migrated
 * 4738 pages, where the packed synthesis, whose free blocks (and the capture's own written folios
 * taken from them) lie at the zone's bottom, ended within its first batches (band 11–90).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { synthBandRow } from '../../host/fidelity.ts'
import { setUnpackAfterEarlyEnd, loadSnapshot } from '../../host/load.ts'
import { compactionEndsEarly } from '../../host/whatif/pinned.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

afterAll(() => setUnpackAfterEarlyEnd(true))

const trace = (run: string, name: string): string => gunzipSync(readFileSync(join(FIXTURES, run, 'trace', name))).toString('utf8')

describe('compactionEndsEarly: the zones whose mm_compaction_end is not `complete`', () => {
  it('finds host-24G-k618-d\'s first compaction contended in zone Normal, and none in -i\'s complete one', () => {
    expect(compactionEndsEarly(trace('host-24G-k618-d', '01-cm@1.txt.gz'))).toEqual([{ zoneStart: 0x100000, migratePfn: 0x12ce50, status: 'contended' }])
    expect(compactionEndsEarly(trace('host-24G-k618-i', '01-cm@1.txt.gz'))).toEqual([])
  })
})

describe('host-24G-k618-d/02: the capture after a compaction that ended early is synthesized unpacked', () => {
  it('says so in the layout\'s notes, and the second compaction\'s migrations lie in their band', async () => {
    const s = await loadSnapshot(join(FIXTURES, 'host-24G-k618-d'), { capture: '02-after-compact-memory', layout: 'synthesized', seed: 1 })
    expect(s.model.build.notes.join('\n')).toMatch(/ended before its scanners met \(trace\/01-cm@1\.txt\.gz: mm_compaction_end contended at PFN 0x12ce50/)
    const row = (await synthBandRow(FIXTURES, 'host-24G-k618-d', '02-after-compact-memory'))!
    expect(row.cells['pgmigrate_success']!.inBand, JSON.stringify(row.cells['pgmigrate_success'])).toBe(true)
    expect(row.cells['compact_isolated']!.inBand).toBe(true)
  }, 300_000)

  it('packed all the same, the band lies below the kernel\'s 4738 migrations', async () => {
    setUnpackAfterEarlyEnd(false)
    try {
      const row = (await synthBandRow(FIXTURES, 'host-24G-k618-d', '02-after-compact-memory'))!
      expect(row.cells['pgmigrate_success']!.hi).toBeLessThan(4738)
    } finally {
      setUnpackAfterEarlyEnd(true)
    }
  }, 300_000)
})
