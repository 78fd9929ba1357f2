/**
 * Bundles that capture/buddyscope-capture wrote inside the harness's QEMU guests (busybox ash,
 * Debian 6.1 and 6.12 kernels; fixtures/capture-script/README.md): its --compact and --hugetlb
 * modes, the only ones that write to the kernel, and which tests never run on this machine.
 * Each opens as a series whose manifest steps pair the before-capture with the real after-capture,
 * and the what-ifs compare with what the kernel did.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openSeries } from '../../host/sources/snapshot_source.ts'
import { seriesContext } from '../../host/series.ts'
import { runCli } from '../helpers/cli_harness.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const DIR = join(FIXTURES, 'capture-script')
const COMPACT = join(DIR, 'x86-1G-s22-k61-compact.tar.gz')
const HUGETLB = join(DIR, 'x86-1G-s23-k612-hugetlb.tar.gz')
const COMPACT_SYNCED = join(DIR, 'x86-1G-s23-k612-compact.tar.gz')

describe('--compact all, captured in a 6.1 guest', () => {
  it('opens as a series before → after, the trigger in the manifest with its vmstat deltas', async () => {
    const series = await openSeries(COMPACT)
    try {
      expect(series!.captures.map((c) => c.label)).toEqual(['01-before', '02-after-compact-memory'])
      expect(series!.defaultIndex).toBe(0)
      const m = series!.captures[0]!.source.manifest!
      expect(m.version).toBe(2)
      expect(m.kernelRelease).toBe('6.1.0-56-amd64')
      expect(m.options).toBe('--compact all')
      expect(m.steps).toHaveLength(1)
      expect(m.steps![0]).toMatchObject({ name: 'cm', after: '01-before', write: '/proc/sys/vm/compact_memory', value: '1', rc: 0 })
      expect(m.steps![0]!.deltas!['pgmigrate_success']).toBeGreaterThan(1000)
      // each capture has its own time, the after one later
      const [a, b] = series!.captures.map((c) => c.source.manifest!.uptime!)
      expect(b!).toBeGreaterThan(a!)
      expect(m.steps![0]!.start!).toBeGreaterThan(a!)
      expect(m.steps![0]!.end!).toBeLessThanOrEqual(b!)
      for (const c of series!.captures) {
        for (const f of ['buddyinfo', 'pagetypeinfo', 'extfrag_index', 'unusable_index', 'zoneinfo', 'vmstat', 'kpageflags', 'kpagecount']) expect(c.source.files, `${c.label} ${f}`).toContain(f)
      }
    } finally {
      await series!.close()
    }
  })

  it('pairs the before-capture with the real after-capture, the counters from the manifest', async () => {
    const ctx = await seriesContext(COMPACT, '01-before')
    expect(ctx).toMatchObject({ next: '02-after-compact-memory', triggerSource: 'manifest', otherSteps: [] })
    expect(ctx!.trigger).toMatchObject({ file: 'compact_memory', node: null })
    expect(ctx!.trigger!.deltas['compact_isolated']).toBeGreaterThan(0)
    expect(ctx!.nextBuddyinfo).not.toBeNull()
    // nothing follows the last capture
    expect((await seriesContext(COMPACT, '02-after-compact-memory'))!.trigger).toBeNull()
  })

  it('whatif compact compares its prediction with the real after-capture', async () => {
    const r = await runCli(['whatif', 'compact', COMPACT, '--json'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as { real: { capture: string; counters: Record<string, number> } | null; notCompared: string | null; layout: string }
    expect(j.layout).toBe('exact')
    expect(j.notCompared).toBeNull()
    expect(j.real!.capture).toBe('02-after-compact-memory')
    const text = await runCli(['whatif', 'compact', COMPACT])
    expect(text.out).toMatch(/Compared with the real kernel: capture 02-after-compact-memory was taken after a write to \/proc\/sys\/vm\/compact_memory/)
    expect(text.out).toMatch(/^\s+real\s+\d/m)
  }, 60_000)

  it('inspect shows no finding beyond the expected ones', async () => {
    for (const capture of ['1', '2']) {
      const r = await runCli(['inspect', COMPACT, '--capture', capture, '--json'])
      expect(r.code).toBe(0)
      const j = JSON.parse(r.out) as { findings: Array<{ severity: string; code: string }> }
      expect(j.findings.filter((f) => f.severity !== 'info' && !['torn-capture', 'pcp-pages'].includes(f.code))).toEqual([])
    }
  }, 60_000)
})

describe('--compact all after a sync, captured in a 6.12 guest', () => {
  it('records the sync in its step, and the what-if lands within the fidelity bounds of a compaction that changed the layout', async () => {
    const series = await openSeries(COMPACT_SYNCED)
    try {
      const m = series!.captures[0]!.source.manifest!
      expect(m.kernelRelease).toBe('6.12.117+deb12-amd64')
      expect(m.steps![0]).toMatchObject({ name: 'cm', after: '01-before', synced: true, rc: 0 })
    } finally {
      await series!.close()
    }
    const r = await runCli(['whatif', 'compact', COMPACT_SYNCED, '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as {
      counters: Record<string, number>
      real: { counters: Record<string, number>; predictedVsReal: Array<{ highOrderPagesPredicted: number; highOrderPagesReal: number }> }
      before: { zones: Array<{ freeBlocks: number[] }> }
    }
    const sum = (f: (z: { highOrderPagesPredicted: number; highOrderPagesReal: number }) => number): number => j.real.predictedVsReal.reduce((a, z) => a + f(z), 0)
    const real = sum((z) => z.highOrderPagesReal)
    const before = j.before.zones.reduce((a, z) => a + z.freeBlocks.reduce((s, n, o) => s + (o >= 9 ? n * 2 ** o : 0), 0), 0)
    // the kernel's compaction changed the layout: free pages in ≥ 2 MiB blocks 29184 → 82944
    expect(before).toBe(29184)
    expect(real).toBe(82944)
    expect(Math.abs(sum((z) => z.highOrderPagesPredicted) - real) / real).toBeLessThanOrEqual(0.10)
    for (const k of ['pgmigrate_success', 'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated']) {
      expect(Math.abs(j.counters[k]! - j.real.counters[k]!) / j.real.counters[k]!, k).toBeLessThanOrEqual(0.25)
    }
  }, 60_000)
})

describe('--hugetlb 2M:64, captured in a 6.12 guest', () => {
  it('records the pool growth and its restoration; whatif hugetlb compares with the pages really obtained', async () => {
    const series = await openSeries(HUGETLB)
    const m = series!.captures[0]!.source.manifest!
    try {
      expect(series!.captures.map((c) => c.label)).toEqual(['01-before', '02-after-hugetlb-2M-x64'])
      expect(m.kernelRelease).toBe('6.12.117+deb12-amd64')
      expect(m.steps!.map((s) => [s.name, s.after])).toEqual([['huge:2048:64', '01-before'], ['huge:2048:0', '02-after-hugetlb-2M-x64']])
      expect(m.steps![0]).toMatchObject({ sizeKb: 2048, requested: 64, before: 0 })
      // put back as it was
      expect(m.steps![1]).toMatchObject({ requested: 0, obtained: 0 })
      expect(await series!.captures[1]!.source.readText('hugepages')).toMatch(new RegExp(`^hugepages-2048kB nr=${m.steps![0]!['obtained']} `, 'm'))
    } finally {
      await series!.close()
    }
    const r = await runCli(['whatif', 'hugetlb', HUGETLB, '--count', '64', '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as { real: { capture: string; step: string; obtained: number; requested: number } | null }
    expect(j.real).toMatchObject({ capture: '02-after-hugetlb-2M-x64', step: 'huge:2048:64', requested: 64, obtained: m.steps![0]!['obtained'] })
  }, 60_000)
})
