/**
 * Other tools' captures opened as snapshots and series: sosreport (folder and .tar.xz),
 * node_exporter scrape, Prometheus range query, mmtests monitor logs, crash/drgn text. Real
 * samples in fixtures/imports (its README says where each came from); malformed copies are
 * made in a scratch folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { openSeries, openSnapshot } from '../../host/sources/snapshot_source.ts'
import { loadSnapshot } from '../../host/load.ts'
import { inspectJson } from '../../host/summary.ts'
import { parseBuddyinfo, parseVmstat } from '../../engine/index.ts'

const IMPORTS = resolve(__dirname, '../../fixtures/imports')
const SOS = join(IMPORTS, 'sosreport-vm-k618')
const PROM = join(IMPORTS, 'node_exporter', 'vm-k618.prom')
const RANGE = join(IMPORTS, 'prometheus', 'vm-k618-query_range.json')
const MMTESTS = join(IMPORTS, 'mmtests')
const VMCORE = join(IMPORTS, 'vmcore-text')

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-imports-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}

describe('sosreport', () => {
  it('the folder: proc/ copies, uname, sysctls, boot log; what sos lacks is a finding', async () => {
    const s = await loadSnapshot(SOS)
    const j = inspectJson(s)
    expect(j.machine.hostname).toBe('vm')
    expect(j.machine.kernelRelease).toBe('6.18.44-fc-v1272')
    expect(j.machine.arch).toBe('x86_64')
    expect(j.machine.captureTime).toBe('2026-12-04T18:13:54')
    expect(j.layout.method).toBe('synthesized')
    expect(j.snapshot.files).toEqual(expect.arrayContaining(['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'sysctl_vm', 'uname_r', 'hugepages', 'transparent_hugepage']))
    const buddy = parseBuddyinfo(readFileSync(join(SOS, 'proc/buddyinfo'), 'utf8'))
    expect(j.zones.map((z) => z.freeBlocks)).toEqual(buddy.rows.map((r) => r.nrFree))
    const notCaptured = j.findings.find((f) => f.code === 'not-captured')
    expect(notCaptured?.message).toContain('/proc/kpageflags (sos does not collect it')
    expect(String(s.capture.sysctl?.['min_free_kbytes'])).toMatch(/^\d+$/)
  })

  it('keeps the boot log\'s CMA lines and deferred_init_memmap\'s, which type the reserved pageblocks', async () => {
    const copy = join(work, 'sos-dmesg')
    cpSync(SOS, copy, { recursive: true })
    mkdirSync(join(copy, 'sos_commands/kernel'), { recursive: true })
    writeFileSync(join(copy, 'sos_commands/kernel/dmesg'), [
      '[    0.000000] Linux version 6.12.74+deb13-amd64',
      '[    0.012000] cma: Reserved 64 MiB at 0x000000003c000000 on node -1',
      '[    0.180000] Memory: 3218940K/4193784K available (14336K kernel code, 0K cma-reserved)',
      '[    0.412000] node 0 deferred pages initialised in 8ms',
      '[    0.500000] Freeing unused kernel image (initmem) memory: 3732K',
    ].join('\n') + '\n')
    const src = await openSnapshot(copy)
    try {
      const kept = (await src.readText('dmesg_cma')).split('\n').filter(Boolean)
      expect(kept).toHaveLength(3)
      expect(kept[2]).toContain('deferred pages initialised')
      expect(kept.join('\n')).not.toContain('Freeing unused')
    } finally {
      await src.close()
    }
  })

  it('the .tar.xz opens the same (through the xz program)', async () => {
    const a = inspectJson(await loadSnapshot(SOS))
    const b = inspectJson(await loadSnapshot(join(IMPORTS, 'sosreport-vm-k618.tar.xz')))
    expect(b.machine).toEqual(a.machine)
    expect(b.zones.map((z) => z.freeBlocks)).toEqual(a.zones.map((z) => z.freeBlocks))
  })

  it('a truncated .tar.xz is an error naming the file', async () => {
    const bytes = readFileSync(join(IMPORTS, 'sosreport-vm-k618.tar.xz'))
    const p = join(work, 'cut.tar.xz')
    writeFileSync(p, bytes.subarray(0, bytes.length / 2))
    const e = await errorOf(openSnapshot(p))
    expect(e.message).toMatch(/cut\.tar\.xz: .*xz could not decompress the bundle/)
  })
})

describe('node_exporter / Prometheus', () => {
  it('a scrape is one capture: node_buddyinfo_blocks as buddyinfo, vmstat and meminfo collectors', async () => {
    const src = await openSnapshot(PROM)
    try {
      expect(src.files).toEqual(['buddyinfo', 'meminfo', 'uname_r', 'vmstat'])
      const text = readFileSync(PROM, 'utf8')
      const b = parseBuddyinfo(await src.readText('buddyinfo'), src.describe('buddyinfo'))
      const normal = b.rows.find((r) => r.zone === 'Normal')
      expect(b.rows.map((r) => r.zone)).toEqual(['DMA', 'DMA32', 'Normal'])
      for (let o = 0; o < b.nrOrders; o++) {
        const m = new RegExp(`^node_buddyinfo_blocks\\{node="0",size="${o}",zone="Normal"\\} (\\d+)$`, 'm').exec(text)
        expect(normal?.nrFree[o]).toBe(Number(m?.[1]))
      }
      const v = parseVmstat(await src.readText('vmstat'))
      expect(v['nr_free_pages']).toBe(Number(/^node_vmstat_nr_free_pages (\S+)$/m.exec(text)?.[1]))
      expect(await src.readText('meminfo')).toMatch(/^MemTotal: 24683784 kB$/m)
      expect(src.manifest?.hostname).toBe('vm')
    } finally {
      await src.close()
    }
    const j = inspectJson(await loadSnapshot(PROM))
    expect(j.layout).toEqual({ method: 'synthesized', seed: 1, source: null })
  })

  it('a range query is a series, one capture per step', async () => {
    const s = await openSeries(RANGE)
    expect(s?.captures.map((c) => c.label)).toEqual([
      '01-2026-12-04T18:17:28Z', '02-2026-12-04T18:17:38Z', '03-2026-12-04T18:17:48Z', '04-2026-12-04T18:17:58Z', '05-2026-12-04T18:18:08Z', '06-2026-12-04T18:18:18Z',
    ])
    await s?.close()
    const last = inspectJson(await loadSnapshot(RANGE, { capture: '6' }))
    // the host's own clock (node_time_seconds) at the scrape Prometheus evaluated for that step
    expect(last.machine.captureTime).toBe('2026-12-04T18:18:17.400Z')
    expect(last.snapshot.series).toHaveLength(6)
  })

  it('errors name the file and line (scrape) or what is wrong (range query)', async () => {
    const bad = join(work, 'bad.prom')
    const lines = readFileSync(PROM, 'utf8').split('\n')
    const i = lines.findIndex((l) => l.startsWith('node_buddyinfo_blocks'))
    lines[i] = 'node_buddyinfo_blocks{node="0",size="0",zone="DMA"} twelve'
    writeFileSync(bad, lines.join('\n'))
    expect((await errorOf(openSnapshot(bad))).message).toBe(`${bad}:${i + 1}: expected a sample value (a float such as 12, 2.5e+06, NaN or +Inf), found ${JSON.stringify(lines[i])}`)
    const two = join(work, 'two.json')
    const j = JSON.parse(readFileSync(RANGE, 'utf8'))
    j.data.result[1].metric.instance = 'db17:9100'
    writeFileSync(two, JSON.stringify(j))
    expect((await errorOf(openSnapshot(two))).message).toContain('one host\'s samples (a series is one machine); add {instance="…"} to the query, found "instances 127.0.0.1:19100, db17:9100"')
    const cut = join(work, 'cut.json')
    const full = readFileSync(RANGE, 'utf8')
    writeFileSync(cut, full.slice(0, 5000))
    expect((await errorOf(openSnapshot(cut))).message).toMatch(new RegExp(`^${cut.replace(/[.]/g, '\\.')}:1:5001: expected the JSON of a Prometheus range query \\(/api/v1/query_range\\), found `))
    const noBuddy = join(work, 'vmstat-only.prom')
    writeFileSync(noBuddy, readFileSync(PROM, 'utf8').split('\n').filter((l) => !l.includes('node_buddyinfo')).join('\n'))
    expect((await errorOf(openSnapshot(noBuddy))).message).toContain('expected node_buddyinfo_blocks samples (node_exporter started with --collector.buddyinfo)')
  })
})

describe('mmtests monitor logs', () => {
  it('the logs folder is a series: each buddyinfo read with the nearest pagetypeinfo and vmstat', async () => {
    const s = await openSeries(MMTESTS)
    expect(s?.captures).toHaveLength(5)
    const first = s?.captures[0]?.source
    expect(first?.files).toEqual(['buddyinfo', 'pagetypeinfo', 'vmstat'])
    const log = gunzipSync(readFileSync(join(MMTESTS, 'proc-buddyinfo-buddyscope-1.gz'))).toString('utf8')
    const block = log.split(/^time: \d+\n/m)[1]
    expect(await first?.readText('buddyinfo')).toBe(block)
    expect(first?.describe('buddyinfo')).toBe(`${join(MMTESTS, 'proc-buddyinfo-buddyscope-1.gz')} (block at line 1)`)
    await s?.close()
    // one of the logs opens its run
    const one = await openSeries(join(MMTESTS, 'proc-vmstat-buddyscope-1.gz'))
    expect(one?.captures.map((c) => c.label)).toEqual(s?.captures.map((c) => c.label))
    await one?.close()
    const j = inspectJson(await loadSnapshot(MMTESTS, { capture: '3' }))
    expect(j.zones.length).toBe(3)
    expect(j.zones[2]?.pageblocks['Movable']).toBeGreaterThan(0)
  })

  it('a log without its time: line, and a folder of two runs, are errors', async () => {
    const d = join(work, 'mm1')
    mkdirSync(d)
    const log = gunzipSync(readFileSync(join(MMTESTS, 'proc-buddyinfo-buddyscope-1.gz'))).toString('utf8')
    writeFileSync(join(d, 'proc-buddyinfo-x-1.gz'), gzipSync(log.replace(/^time: \d+\n/, '')))
    const e = await errorOf(openSnapshot(d))
    expect(e.message).toMatch(new RegExp(`^${join(d, 'proc-buddyinfo-x-1.gz').replace(/[.]/g, '\\.')}:1: expected a 'time: <seconds since the epoch>' line first, as mmtests' monitors write, found "Node 0, zone +DMA`))
    const d2 = join(work, 'mm2')
    cpSync(MMTESTS, d2, { recursive: true })
    cpSync(join(MMTESTS, 'proc-buddyinfo-buddyscope-1.gz'), join(d2, 'proc-buddyinfo-other-2.gz'))
    expect((await errorOf(openSnapshot(d2))).message).toContain('holds the mmtests monitor logs of 2 runs (buddyscope-1, other-2)')
  })
})

describe('crash / drgn text', () => {
  it('crash kmem -f (crash\'s own help sample) gives buddyinfo', async () => {
    const src = await openSnapshot(join(VMCORE, 'crash-help-kmem-f.txt'))
    expect(await src.readText('buddyinfo')).toBe(
      'Node 0, zone      DMA      2      3      5      4      5      3      3      1      1      5 \n' +
      'Node 0, zone   Normal      1      2      0      1      1      0      0      0      0    395 \n' +
      'Node 0, zone  HighMem     10      2      0      2      1      1      1      0      0   1462 \n')
    await src.close()
  })

  it('kmem -f with kmem -z: buddyinfo and the zones\' VM_STAT summed into vmstat', async () => {
    const src = await openSnapshot(join(VMCORE, 'crash-kmem-f-z-pykdump.txt'))
    expect(src.files).toEqual(['buddyinfo', 'vmstat'])
    const v = parseVmstat(await src.readText('vmstat'))
    expect(v['nr_file_mapped']).toBe(1)
    expect(v['numa_hit']).toBe(1)
    expect(src.manifest?.tool).toBe('vmcore text: kmem -f, kmem -z')
    await src.close()
  })

  it('drgn-tools buddyinfo table', async () => {
    const src = await openSnapshot(join(VMCORE, 'drgn-tools-buddyinfo-layout.txt'))
    const b = parseBuddyinfo(await src.readText('buddyinfo'))
    expect(b.rows.map((r) => r.zone)).toEqual(['DMA', 'DMA32', 'Normal'])
    expect(b.rows[0]?.nrFree).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3])
    await src.close()
  })

  it('a kmem -f table with a missing order row names the line', async () => {
    const p = join(work, 'kmem.txt')
    const lines = readFileSync(join(VMCORE, 'crash-help-kmem-f.txt'), 'utf8').split('\n')
    const i = lines.findIndex((l) => /^\s+3\s+32k/.test(l))
    lines.splice(i, 1)
    writeFileSync(p, lines.join('\n'))
    expect((await errorOf(openSnapshot(p))).message).toBe(`${p}:${i + 1}: expected the row of order 3 (AREA column) of zone DMA, found ${JSON.stringify(lines[i])}`)
  })
})
