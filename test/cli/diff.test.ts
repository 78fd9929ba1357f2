/**
 * `buddyscope diff`: two captures of one machine compared, on a real compaction (x86 2 GiB,
 * 6.1: 02-before → 03-after-compact-memory): the captured buddyinfo deltas, the pageblocks that
 * became wholly free, the text table; and the refusals (two machines, a missing path, one
 * capture alone) with their exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseBuddyinfo } from '../../engine/index.ts'
import type { CaptureDiffJson } from '../../host/diff.ts'
import { copyTextFiles, fixturePath, runCli, type CliResult } from '../helpers/cli_harness.ts'

const RUN = 'x86-2G-s13-fewpin'
const SERIES = fixturePath(RUN)
const BEFORE = fixturePath(RUN, '02-before')
const AFTER = fixturePath(RUN, '03-after-compact-memory')

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-diff-test-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function json(r: CliResult): CaptureDiffJson {
  expect(r.err).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.out) as CaptureDiffJson
}

const buddy = (dir: string) => parseBuddyinfo(readFileSync(join(dir, 'buddyinfo'), 'utf8')).rows

describe('buddyscope diff on a real compaction', () => {
  let d: CaptureDiffJson
  beforeAll(async () => {
    d = json(await runCli(['diff', SERIES, '--json']))
  }, 60000)

  it('one series: its "before" capture against the next one', () => {
    expect(d.before.label).toBe('02-before')
    expect(d.after.label).toBe('03-after-compact-memory')
    expect(d.notes).toEqual([])
    expect(d.pageblocksCompared).toBe(true)
  })

  it('freeBlocksDelta per zone is the captured buddyinfo difference (order 9: +98, order 10: +101)', () => {
    const a = buddy(BEFORE)
    const b = buddy(AFTER)
    for (const z of d.zones) {
      const ra = a.find((r) => r.zone === z.zone)!.nrFree
      const rb = b.find((r) => r.zone === z.zone)!.nrFree
      expect(z.sources.freeBlocks).toBe('buddyinfo')
      expect(z.freeBlocksDelta).toEqual(rb.map((v, o) => v - ra[o]!))
    }
    const dma32 = d.zones.find((z) => z.zone === 'DMA32')!
    expect(dma32.freeBlocksDelta[9]).toBe(98)
    expect(dma32.freeBlocksDelta[10]).toBe(101)
    expect(dma32.freeBlocksByMigratetypeDelta['Movable']![10]).toBe(101)
    expect(dma32.model?.freeBlocksDelta[0]).not.toBe(dma32.freeBlocksDelta[0])
  })

  it('lists the pageblocks that became wholly free, with both sides\' migratetype and kind', () => {
    const dma32 = d.zones.find((z) => z.zone === 'DMA32')!
    const freed = dma32.pageblocks.filter((b) => b.changes.includes('became-free'))
    expect(freed.length).toBe(dma32.changeCounts!['became-free'])
    // whole free pageblocks in the captured buddyinfo grew by 98 + 2 × 101 = 300; the layouts agree within a few
    expect(freed.length).toBeGreaterThanOrEqual(300)
    expect(freed.length).toBeLessThan(340)
    for (const b of freed) {
      expect(b.after).toMatchObject({ kind: 'free', freePages: 512 })
      expect(b.before.kind).not.toBe('free')
      expect(b.before.migratetype).not.toBeNull()
      expect(b.pfn).toBe(b.pageblock * 512)
    }
    expect(dma32.pageblocks.length).toBe(dma32.changedPageblocks)
    expect(d.zones.find((z) => z.zone === 'DMA')!.pageblocks).toEqual([])
  })

  it('two paths, --capture and --to: the same diff', async () => {
    const two = json(await runCli(['diff', BEFORE, AFTER, '--json']))
    expect(two.zones.map((z) => z.changedPageblocks)).toEqual(d.zones.map((z) => z.changedPageblocks))
    const sel = json(await runCli(['diff', SERIES, SERIES, '--capture', '2', '--to', '03-after-compact-memory', '--json']))
    expect(sel.zones[1]!.freeBlocksDelta).toEqual(d.zones[1]!.freeBlocksDelta)
    expect(sel.after.label).toBe('03-after-compact-memory')
  }, 60000)

  it('prints a readable table', async () => {
    const r = await runCli(['diff', SERIES, '--text'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^Before {5}.*\[02-before\].*exact layout$/m)
    expect(r.out).toMatch(/^ {2}delta +-70717 +-22995 .* \+98 +\+101$/m)
    expect(r.out).toMatch(/changed pageblocks: \d+ of 1016: became wholly free \d+/)
    expect(r.out).toMatch(/^ {4}\d+ +0x[0-9a-f]+ +Movable partly-free \d+ +Movable free 512 +became-free/m)
    expect(r.out).toMatch(/… and \d+ more \(--json lists all\)/)
  }, 60000)

  it('synthesized layouts: the captured deltas, and no pageblock claims', async () => {
    const s = json(await runCli(['diff', SERIES, '--layout', 'synthesized', '--json']))
    expect(s.pageblocksCompared).toBe(false)
    expect(s.pageblocksNote).toMatch(/synthesized \(no kpageflags\): which pageblocks and pages changed cannot be told/)
    expect(s.zones[1]!.freeBlocksDelta).toEqual(d.zones[1]!.freeBlocksDelta)
    expect(s.zones.every((z) => z.pageblocks.length === 0 && z.changeCounts === null)).toBe(true)
  }, 60000)

  it('says when the kernels differ', async () => {
    const a = join(work, 'a')
    const b = join(work, 'b')
    copyTextFiles(BEFORE, a)
    copyTextFiles(AFTER, b)
    writeFileSync(join(b, 'uname_r'), '6.12.48+deb13-amd64\n')
    const r = json(await runCli(['diff', a, b, '--json']))
    expect(r.notes).toEqual(['the kernels differ: 6.1.0-56-amd64 → 6.12.48+deb13-amd64 (a reboot between the captures; the allocator\'s rules may differ)'])
    expect((await runCli(['diff', a, b])).out).toMatch(/^Note {7}the kernels differ/m)
  })
})

describe('buddyscope diff refuses what it cannot compare', () => {
  it('two machines: exit 1, naming both zoneinfo files and lines', async () => {
    const r = await runCli(['diff', BEFORE, fixturePath('x86-1G-s2-hugetlb', '02-before')])
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(r.err).toMatch(/^buddyscope: zone DMA32 of node 0 spans PFN 4096\.\.524252 \(520157 pages\) in .*x86-2G-s13-fewpin\/02-before\/zoneinfo:86 but PFN 4096\.\.262108 \(258013 pages\) in .*x86-1G-s2-hugetlb\/02-before\/zoneinfo:86: these are captures of two machines/)
    expect(r.err.trim().split('\n')).toHaveLength(1)
  })

  it('a missing path: exit 1, naming it', async () => {
    const r = await runCli(['diff', join(work, 'nope'), BEFORE])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/nope: no such file or directory/)
  })

  it('usage: one capture alone, the last of a series, --json with --text, three paths', async () => {
    for (const [argv, msg] of [
      [['diff', BEFORE], /is one capture, not a series: name a second snapshot/],
      [['diff', SERIES, '--capture', '4'], /04-after-hugetlb-2M-x400 is the last capture of the series .* --to LABEL/],
      [['diff', SERIES, '--json', '--text'], /--json and --text exclude each other/],
      [['diff', BEFORE, AFTER, SERIES], /diff takes two snapshots, or one series/],
      [['diff', SERIES, '--order', '3'], /diff takes no --order/],
    ] as Array<[string[], RegExp]>) {
      const r = await runCli(argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toMatch(msg)
      expect(r.err).toContain('Usage: buddyscope diff')
    }
  }, 60000)
})
