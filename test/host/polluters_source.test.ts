/**
 * page_owner in a capture: found under its flat name and its machine path, streamed, and a
 * malformed one refused with the file and line named. The join on real output is in
 * test/host/polluters.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { FIXTURES } from '../helpers/fixtures.ts'
import { loadPolluters } from '../../host/polluters.ts'
import { openSnapshot } from '../../host/sources/snapshot_source.ts'

const CAPTURE = join(FIXTURES, 'x86-512M-s11-nopin', '02-before')
let work: string

const rec = (pfn: number, type: string, block: string): string => `Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (sh), ts 5 ns, free_ts 0 ns
PFN ${pfn} type ${type} Block ${pfn >> 9} type ${block} Flags 0x0()
 post_alloc_hook+0x1/0x2
 pipe_write+0x1/0x2

`

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-po-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

function captureWith(name: string, rel: string, text: string): string {
  const d = join(work, name)
  cpSync(CAPTURE, d, { recursive: true })
  mkdirSync(join(d, rel, '..'), { recursive: true })
  writeFileSync(join(d, rel), rel.endsWith('.gz') ? gzipSync(text) : text)
  return d
}

describe('page_owner in a capture', () => {
  it('is found under its machine path (gzipped) and never read whole by the loader', async () => {
    const d = captureWith('machine', 'sys/kernel/debug/page_owner.gz', rec(5000, 'Unmovable', 'Movable') + rec(5001, 'Movable', 'Movable'))
    const src = await openSnapshot(d)
    expect(src.has('page_owner')).toBe(true)
    expect(src.describe('page_owner')).toMatch(/sys\/kernel\/debug\/page_owner\.gz$/)
    await src.close()
    const r = await loadPolluters(d)
    expect(r.report.records).toBe(2)
    expect(r.report.mixedPageblocks).toBe(1)
    expect(r.report.polluters[0]).toMatchObject({ site: 'pipe_write', comm: 'sh', pageblocks: 1, pages: 1 })
  })

  it('names the file and line of a malformed record', async () => {
    const d = captureWith('bad', 'page_owner', rec(5000, 'Unmovable', 'Movable') + rec(6000, 'Movable', 'Movable').replace('PFN 6000', 'PFN six'))
    await expect(loadPolluters(d)).rejects.toThrow(/bad\/page_owner:7: expected the "PFN <pfn> type/)
  })

  it('says how to get page_owner when the capture has none', async () => {
    await expect(loadPolluters(CAPTURE)).rejects.toThrow(/has no page_owner; boot the machine with page_owner=on/)
  })
})
