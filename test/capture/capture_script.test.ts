/**
 * capture/buddyscope-capture on this machine (a real Linux, as root), READ-ONLY: only the default
 * mode and --no-page-flags run here (--compact and --hugetlb write to the kernel; they are tried
 * inside the harness's QEMU guests, test/capture/capture_fixture.test.ts). Under dash, and under
 * busybox ash; as root and as `nobody`. Each bundle is opened by the host's loader and the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { hostname, release, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openSeries, openSnapshot } from '../../host/sources/snapshot_source.ts'
import { loadSnapshot } from '../../host/load.ts'
import { parseBuddyinfo, type Buddyinfo } from '../../engine/index.ts'
import type { Manifest } from '../../host/sources/snapshot_manifest.ts'
import type { InspectJson } from '../../host/summary.ts'
import { runCli } from '../helpers/cli_harness.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const SCRIPT = join(ROOT, 'capture', 'buddyscope-capture')
const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p)) ?? null
const ROOT_USER = process.getuid?.() === 0
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null

interface Ran { code: number; stdout: string; stderr: string }

/** Run the script; `as` = nobody runs it through setpriv (uid/gid 65534, no groups). */
function runScript(shell: string[], args: string[], as: 'me' | 'nobody' = 'me'): Promise<Ran> {
  const cmd = as === 'nobody' ? [SETPRIV!, '--reuid=65534', '--regid=65534', '--clear-groups', ...shell] : shell
  return new Promise((done) => {
    execFile(cmd[0]!, [...cmd.slice(1), SCRIPT, ...args], { timeout: 120_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsc-test-'))
  chmodSync(dir, 0o777) // the `nobody` run writes its bundle here too
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function manifestOf(bundle: string): Manifest {
  const top = execFileSync('tar', ['-tzf', bundle], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith('/manifest.json'))!
  return JSON.parse(execFileSync('tar', ['-xzOf', bundle, top], { encoding: 'utf8' })) as Manifest
}

const debugfsMounted = (): boolean => readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[2] === 'debugfs')

/** Pages that moved between two reads of buddyinfo, per zone ("node/zone"): the sum over orders of |Δ free blocks| × 2^order. */
function pagesMoved(a: Buddyinfo, b: Buddyinfo): Map<string, number> {
  const out = new Map<string, number>()
  for (const r of a.rows) {
    const o = b.rows.find((x) => x.node === r.node && x.zone === r.zone)
    expect(o, `zone ${r.zone} of node ${r.node} in both reads`).toBeDefined()
    out.set(`${r.node}/${r.zone}`, r.nrFree.reduce((sum, c, i) => sum + Math.abs(c - (o!.nrFree[i] ?? 0)) * 2 ** i, 0))
  }
  return out
}

describe('buddyscope-capture on this machine, default mode, under dash (read-only)', () => {
  let bundle: string
  let ran: Ran
  let finishedAt: number
  beforeAll(async () => {
    bundle = join(dir, 'dash.tar.gz')
    ran = await runScript(['/bin/dash'], ['-o', bundle])
    finishedAt = Date.now()
  }, 120_000)

  it('writes a .tar.gz bundle and says so', () => {
    expect(ran.stderr).toMatch(/wrote .*dash\.tar\.gz/)
    expect(ran.code).toBe(0)
    expect(statSync(bundle).size).toBeGreaterThan(10_000)
    // nothing staged is left beside it
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).not.toMatch(/\.buddyscope-capture\./)
  })

  it('holds a manifest with the machine, the read time of every file and what was skipped, and why', () => {
    const m = manifestOf(bundle)
    expect(m.format).toBe('buddyscope-snapshot')
    expect(m.version).toBe(2)
    expect(m.tool).toBe('buddyscope-capture')
    expect(m.hostname).toBe(hostname())
    expect(m.kernelRelease).toBe(release())
    expect(m.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim())
    expect(m.pageSize).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })))
    expect(Math.abs(Date.parse(m.captureTime!) - finishedAt)).toBeLessThan(120_000)
    const files = m.files!
    const paths = files.map((f) => f.path)
    // the quick summaries first, back to back, in this order; the page maps last
    const first = ['proc/buddyinfo', 'proc/pagetypeinfo', ...(debugfsMounted() ? ['sys/kernel/debug/extfrag/extfrag_index', 'sys/kernel/debug/extfrag/unusable_index'] : []), 'proc/zoneinfo', 'proc/vmstat']
    expect(paths.slice(0, first.length)).toEqual(first)
    expect(paths.slice(-2)).toEqual(['proc/kpageflags.gz', 'proc/kpagecount.gz'])
    for (const p of ['proc/meminfo', 'proc/cmdline', 'proc/iomem', 'proc/slabinfo', 'proc/sys/vm/min_free_kbytes', 'proc/sys/vm/compaction_proactiveness',
      'sys/kernel/mm/transparent_hugepage/enabled', 'sys/kernel/mm/transparent_hugepage/defrag', 'sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages',
      'sys/devices/system/node/node0/vmstat', 'dmesg_cma']) expect(paths, p).toContain(p)
    // never a trigger
    for (const p of ['proc/sys/vm/compact_memory', 'proc/sys/vm/drop_caches', 'proc/sys/vm/stat_refresh']) expect(paths).not.toContain(p)
    for (const f of files) {
      expect(f.end!, f.path).toBeGreaterThanOrEqual(f.start!)
      expect(f.start!, f.path).toBeGreaterThanOrEqual(m.uptime!)
    }
    // the summaries were read within a fraction of a second of each other
    const group = files.slice(0, first.length)
    expect(group.at(-1)!.end! - group[0]!.start!).toBeLessThan(2)
    const skipped = Object.fromEntries(m.skipped!.map((s) => [s.path, s.reason]))
    expect(skipped['sys/kernel/debug/page_owner']).toBe('not asked (--page-owner)')
    if (!debugfsMounted()) {
      expect(skipped['sys/kernel/debug/extfrag/extfrag_index']).toMatch(/^debugfs not mounted/)
      expect(skipped['sys/kernel/debug/extfrag/unusable_index']).toMatch(/^debugfs not mounted/)
    }
    // a file is either captured or skipped
    for (const p of Object.keys(skipped)) expect(paths).not.toContain(p)
  })

  it('opens as one capture with every file the loader knows', async () => {
    const src = await openSnapshot(bundle)
    try {
      expect(src.kind).toBe('bundle')
      expect(src.label).toBeNull()
      for (const f of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'kpageflags', 'kpagecount', 'sysctl_vm', 'transparent_hugepage', 'hugepages', 'node0_vmstat', 'uname_r', 'dmesg_cma']) {
        expect(src.files, f).toContain(f)
      }
      expect(await src.readText('uname_r')).toBe(release() + '\n')
      expect(await src.readText('sysctl_vm')).toMatch(/^min_free_kbytes: \d+$/m)
    } finally {
      await src.close()
    }
  })

  it('opens in the CLI with the exact layout and no finding beyond the expected ones (torn, per-cpu pages)', async () => {
    const r = await runCli(['inspect', bundle, '--json'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as InspectJson
    expect(j.layout.method).toBe('exact')
    expect(j.machine.kernelRelease).toBe(release())
    const unexpected = j.findings.filter((f) => f.severity !== 'info' && !['torn-capture', 'pcp-pages'].includes(f.code))
    expect(unexpected).toEqual([])
  }, 60_000)
})

describe('buddyscope-capture: its buddyinfo against /proc/buddyinfo read right after (--no-page-flags, under dash)', () => {
  /*
   * The kernel keeps allocating while the script runs and between its read and ours. On this
   * shared machine (other builds running, memory initialised lazily) zone Normal moves tens of
   * thousands of pages a second, and per-cpu lists are refilled and drained in batches of
   * pcp->batch pages; idle zones (DMA, DMA32) do not move at all. So the tolerance is measured,
   * not guessed: we read buddyinfo just before the script starts and just after it ends, and the
   * pages that moved between those two reads are the machine's own churn over the capture. The
   * captured buddyinfo may differ from the read after it by at most twice that churn plus 0.2%
   * of the zone's managed pages (a zone may move and move back between the two reads). A
   * capture that read the wrong file, mixed up zones or orders, or lost a line misses by far
   * more (zone Normal here holds 10^5..10^6 free pages, DMA32 over 7 * 10^5).
   */
  it("has the same zones and orders, and free blocks within the machine's own churn", async () => {
    const bundle = join(dir, 'quick.tar.gz')
    const before = parseBuddyinfo(readFileSync('/proc/buddyinfo', 'utf8'), '/proc/buddyinfo')
    const ran = await runScript(['/bin/dash'], ['--no-page-flags', '-o', bundle])
    const after = parseBuddyinfo(readFileSync('/proc/buddyinfo', 'utf8'), '/proc/buddyinfo')
    expect(ran.code).toBe(0)
    const s = await loadSnapshot(bundle)
    const captured = s.capture.buddyinfo!
    expect(captured.rows.map((r) => `${r.node}/${r.zone}`)).toEqual(after.rows.map((r) => `${r.node}/${r.zone}`))
    expect(captured.nrOrders).toBe(after.nrOrders)
    const churn = pagesMoved(before, after)
    const missed = pagesMoved(captured, after)
    for (const [zone, moved] of missed) {
      const managed = s.zones.find((z) => `${z.node}/${z.zone}` === zone)!.managed
      const allowed = 2 * churn.get(zone)! + 0.002 * managed
      expect(moved, `${zone}: ${moved} pages differ; the machine moved ${churn.get(zone)} over the capture`).toBeLessThanOrEqual(allowed)
    }
  }, 60_000)
})

describe.skipIf(BUSYBOX === null)('buddyscope-capture under busybox ash (--no-page-flags)', () => {
  it('captures the same files and opens', async () => {
    const bundle = join(dir, 'busybox.tar.gz')
    const ran = await runScript([BUSYBOX!, 'ash'], ['--no-page-flags', '-o', bundle])
    expect(ran.stderr).toMatch(/wrote /)
    expect(ran.code).toBe(0)
    const m = manifestOf(bundle)
    expect(m.version).toBe(2)
    expect(m.hostname).toBe(hostname())
    const skipped = Object.fromEntries(m.skipped!.map((s) => [s.path, s.reason]))
    expect(skipped['proc/kpageflags.gz']).toBe('not asked (--no-page-flags)')
    expect(m.files!.map((f) => f.path)).toContain('proc/pagetypeinfo')
    const s = await loadSnapshot(bundle)
    expect(s.capture.machine.kernelRelease).toBe(release())
    expect(s.zones.length).toBeGreaterThan(1)
  }, 60_000)
})

describe.skipIf(!ROOT_USER || SETPRIV === null)('buddyscope-capture without root (as nobody)', () => {
  it('captures what it can and says what it missed, and why', async () => {
    const bundle = join(dir, 'nobody.tar.gz')
    const ran = await runScript(['/bin/dash'], ['-o', bundle], 'nobody')
    expect(ran.code).toBe(0)
    const m = manifestOf(bundle) as Manifest & { uid: number }
    expect(m.uid).toBe(65534)
    const skipped = Object.fromEntries(m.skipped!.map((s) => [s.path, s.reason]))
    for (const p of ['proc/pagetypeinfo', 'proc/slabinfo', 'proc/kpageflags.gz', 'proc/kpagecount.gz']) expect(skipped[p], p).toBe('not root')
    expect(skipped['sys/kernel/debug/extfrag/extfrag_index']).toMatch(debugfsMounted() ? /^not root$/ : /^debugfs not mounted/)
    const paths = m.files!.map((f) => f.path)
    for (const p of ['proc/buddyinfo', 'proc/zoneinfo', 'proc/vmstat', 'proc/meminfo']) expect(paths).toContain(p)
    // what it has still opens (a synthesized layout from buddyinfo and zoneinfo)
    const s = await loadSnapshot(bundle)
    expect(s.capture.machine.kernelRelease).toBe(release())
    expect(s.model.zones.length).toBeGreaterThan(1)
    // and says what it lacks, from the manifest
    const missed = s.findings.find((f) => f.code === 'not-captured')
    expect(missed?.message).toContain('proc/pagetypeinfo (not root)')
    expect(missed?.message).toContain('proc/kpageflags.gz (not root)')
  }, 60_000)
})

describe('buddyscope capture-script', () => {
  it('prints the script, byte for byte', async () => {
    const r = await runCli(['capture-script'])
    expect(r.code).toBe(0)
    expect(r.out).toBe(readFileSync(SCRIPT, 'utf8'))
  })

  it('-o FILE saves it executable (0755)', async () => {
    const file = join(dir, 'saved-script')
    const r = await runCli(['capture-script', '-o', file])
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/^wrote .*saved-script/)
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(SCRIPT, 'utf8'))
    expect(statSync(file).mode & 0o777).toBe(0o755)
  })

  it('another command\'s flag, or an argument, is a usage error (exit 2) with its own usage', async () => {
    for (const argv of [['capture-script', '--json'], ['capture-script', 'x.sh'], ['capture-script', '--layout', 'exact']]) {
      const r = await runCli(argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toMatch(/^Usage: buddyscope capture-script \[-o FILE\]/m)
    }
  })
})

describe('buddyscope-capture options', () => {
  // run as nobody when we are root: a bad option must stop the script before it touches
  // anything, and as nobody even a broken check could not write to /proc or /sys
  const who = ROOT_USER && SETPRIV ? 'nobody' as const : 'me' as const
  it.each([
    [['--bogus'], /unknown option: --bogus/],
    [['--count'], /--count needs a value/],
    [['--compact', 'node0'], /--compact takes node:N or all/],
    [['--compact', 'node:x'], /--compact takes node:N or all/],
    [['--hugetlb', '2M'], /--hugetlb takes SIZE:N/],
    [['--hugetlb', '2Q:4'], /--hugetlb takes SIZE:N/],
    [['--interval', '5'], /--interval S and --count N go together/],
    [['--interval', '1', '--count', '0'], /--count must be at least 1/],
    [['--compact', 'all', '--hugetlb', '2M:4'], /exclude each other/],
    [['--interval', '1', '--count', '2', '--compact', 'all'], /exclude each other/],
  ])('%j: a usage message and exit 2', async (args, msg) => {
    const ran = await runScript(['/bin/dash'], ['-o', join(dir, 'never.tar.gz'), ...args], who)
    expect(ran.stderr).toMatch(msg)
    expect(ran.stderr).toMatch(/^Usage: buddyscope-capture/m)
    expect(ran.code).toBe(2)
    expect(existsSync(join(dir, 'never.tar.gz'))).toBe(false)
  })

  it('-o without a file: a usage message and exit 2', async () => {
    const ran = await runScript(['/bin/dash'], ['-o'], who)
    expect(ran.stderr).toMatch(/-o needs a value/)
    expect(ran.code).toBe(2)
  })

  it('-h prints the usage and exits 0', async () => {
    const ran = await runScript(['/bin/dash'], ['-h'], who)
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^Usage: buddyscope-capture/)
    expect(ran.stdout).toMatch(/Only --compact and --hugetlb write to the kernel/)
  })

  it('--interval 1 --count 2 makes a series of two captures in one bundle, each with its own time', async () => {
    const bundle = join(dir, 'series.tar.gz')
    const ran = await runScript(['/bin/dash'], ['--no-page-flags', '--interval', '1', '--count', '2', '-o', bundle])
    expect(ran.code).toBe(0)
    const m = manifestOf(bundle)
    expect(m.series!.map((c) => c.label)).toEqual([expect.stringMatching(/^01-t0$/), expect.stringMatching(/^02-t\d+$/)])
    expect(m.steps).toEqual([])
    const [a, b] = m.series!
    expect(b!.uptime! - a!.uptime!).toBeGreaterThanOrEqual(1)
    const series = await openSeries(bundle)
    try {
      expect(series!.captures.map((c) => c.label)).toEqual(m.series!.map((c) => c.label))
      // each capture sees its own time, not the series' start
      expect(series!.captures[1]!.source.manifest!.uptime).toBe(b!.uptime)
      expect(series!.captures[1]!.source.has('buddyinfo')).toBe(true)
    } finally {
      await series!.close()
    }
    const r = await runCli(['inspect', bundle, '--capture', '2', '--json'])
    expect(r.code).toBe(0)
  }, 60_000)
})
