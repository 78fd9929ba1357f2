/**
 * `buddyscope trace` on real traces of the developers' 6.18 VM (fixtures/imports/trace) and
 * `buddyscope fleet` over real captures and other tools' files, with a broken one among them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { fingerprint, fixturePath, runCli } from '../helpers/cli_harness.ts'
import { fleetRow, type FleetRow } from '../../host/fleet.ts'
import { parseBuddyinfo } from '../../engine/index.ts'

const TRACES = resolve(__dirname, '../../fixtures/imports/trace')
const IMPORTS = resolve(__dirname, '../../fixtures/imports')

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-fleet-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('buddyscope trace', () => {
  it('ftrace text of mm_page_alloc_extfrag: fallbacks by pair, and who stole each pageblock when', async () => {
    const file = join(TRACES, 'vm-k618-extfrag.ftrace.txt')
    const r = await runCli(['trace', file, '--json'])
    expect(r.err).toBe('')
    const t = JSON.parse(r.out)
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('mm_page_alloc_extfrag:'))
    expect(t.format).toBe('ftrace')
    expect(t.fallbacks.total).toBe(lines.length)
    const unmovableFromMovable = lines.filter((l) => /alloc_migratetype=0 fallback_migratetype=1 /.test(l)).length
    expect(t.fallbacks.byPair['Unmovable<-Movable']).toBe(unmovableFromMovable)
    // the first event's pageblock: pfn rounded down to pageblock_order 9
    const m = /^\s*(\S+?)-\d+\s+\[\d+\]\s+\S+\s+([\d.]+): mm_page_alloc_extfrag: page=\S+ pfn=0x([0-9a-f]+)/.exec(lines[0]!)
    const pfn = parseInt(m![3]!, 16)
    const block = t.blocks.find((b: { pfn: number }) => b.pfn === pfn - (pfn % 512))
    expect(block.events[0]).toMatchObject({ ts: Number(m![2]), task: m![1], claimed: true })
    // fallback_order 9 and 10 are whole pageblocks: not fragmenting
    expect(t.fallbacks.fragmenting).toBe(lines.filter((l) => /fallback_order=[0-8] /.test(l)).length)
    const text = await runCli(['trace', file])
    expect(text.out).toContain(`Fallbacks (mm_page_alloc_extfrag)  ${lines.length}:`)
    expect(text.out).toMatch(/Unmovable <- Movable +\d+/)
  })

  it('perf script: subsystem prefixes, and fragmenting recomputed (perf 6.1 prints fragmenting=10)', async () => {
    const r = await runCli(['trace', join(TRACES, 'vm-k618-extfrag-compaction.perf-script.txt'), '--json'])
    const t = JSON.parse(r.out)
    expect(t.format).toBe('perf')
    expect(t.counts).toEqual({ mm_page_alloc_extfrag: 21, mm_compaction_begin: 3, mm_compaction_end: 3 })
    expect(t.fallbacks.fragmenting).toBe(0)
    expect(t.compaction.endStatus).toEqual({ complete: 3 })
  })

  it('compressed ftrace with compaction and page allocation events', async () => {
    const file = join(TRACES, 'vm-k618-compaction-alloc.ftrace.txt.gz')
    const text = gunzipSync(readFileSync(file)).toString('utf8')
    const t = JSON.parse((await runCli(['trace', file, '--json'])).out)
    const migrated = [...text.matchAll(/mm_compaction_migratepages: nr_migrated=(\d+) nr_failed=(\d+)/g)]
    expect(t.compaction.migrated).toBe(migrated.reduce((s, x) => s + Number(x[1]), 0))
    expect(t.compaction.failed).toBe(migrated.reduce((s, x) => s + Number(x[2]), 0))
    expect(t.pageAlloc.allocs).toBe((text.match(/ mm_page_alloc: /g) ?? []).length)
    expect(t.events).toBe(8166)
  })

  it('errors: no events, a bad field, a binary trace.dat', async () => {
    const none = join(work, 'none.txt')
    writeFileSync(none, 'hello\nworld\n')
    const r1 = await runCli(['trace', none])
    expect(r1.code).toBe(1)
    expect(r1.err).toContain(`${none}: expected trace events as ftrace, trace-cmd report or perf script print them`)
    const bad = join(work, 'bad.txt')
    const lines = readFileSync(join(TRACES, 'vm-k618-extfrag.ftrace.txt'), 'utf8').split('\n')
    lines[4] = lines[4]!.replace(/alloc_order=\d+/, 'alloc_order=two')
    writeFileSync(bad, lines.join('\n'))
    const r2 = await runCli(['trace', bad])
    expect(r2.err).toContain(`${bad}:5: expected alloc_order= as a number (decimal or 0x…), found "two"`)
    const dat = join(work, 'trace.dat')
    writeFileSync(dat, Buffer.concat([Buffer.from([0x17, 0x08, 0x44]), Buffer.from('tracing6\0\0\0\0')]))
    expect((await runCli(['trace', dat])).err).toContain('binary trace-cmd trace.dat; print it as text first: trace-cmd report')
    expect((await runCli(['trace', none, '--top', '0'])).code).toBe(2)
  })
})

describe('buddyscope fleet', () => {
  it('one row per capture, in input order, a broken capture a row with its error; inputs only read', async () => {
    const dir = join(work, 'fleet')
    cpSync(fixturePath('x86-512M-s1-compact', '02-before'), join(dir, 'a-x86'), { recursive: true })
    cpSync(join(IMPORTS, 'node_exporter', 'vm-k618.prom'), join(dir, 'b-vm.prom'))
    cpSync(join(IMPORTS, 'sosreport-vm-k618'), join(dir, 'c-sos'), { recursive: true })
    writeFileSync(join(dir, 'd-broken.txt'), 'not a capture\n')
    const before = fingerprint(dir)
    const r = await runCli(['fleet', dir, '--ndjson', '--workers', '2'])
    expect(r.code).toBe(0)
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as FleetRow)
    expect(rows.map((x) => x.path)).toEqual(['a-x86', 'b-vm.prom', 'c-sos', 'd-broken.txt'].map((n) => join(dir, n)))
    const [x86, prom, sos, broken] = rows as [FleetRow, FleetRow, FleetRow, FleetRow]
    expect(broken.error).toContain('cannot tell which capture file this is')
    expect(x86).toMatchObject({ layout: 'exact', kernel: '6.1.0-56-amd64', error: null })
    expect(x86.clean2MiB).toBeGreaterThan(0)
    expect(x86.clean2MiB!).toBeLessThanOrEqual(x86.ranges2MiB!)
    expect(x86.unmovableMemoryShare).toBeGreaterThan(0)
    expect(x86.unmovableBlockShare!).toBeGreaterThan(x86.unmovableMemoryShare!)
    // summary rows: free ≥ 2 MiB from the captured free areas, no page-level columns
    const b = parseBuddyinfo(readFileSync(join(dir, 'c-sos', 'proc', 'buddyinfo'), 'utf8'))
    const ge2 = b.rows.reduce((s, row) => s + row.nrFree.reduce((a, n, o) => a + (o >= 9 ? n * 2 ** o * 4096 : 0), 0), 0)
    expect(sos).toMatchObject({ layout: 'summary', host: 'vm', freeGe2MiBBytes: ge2, clean1GiB: null, mixedBlockShare: null, unmovableMemoryShare: null })
    expect(prom).toMatchObject({ layout: 'summary', host: 'vm', kernel: '6.18.44-fc-v1272' })
    expect(fingerprint(dir)).toEqual(before)
    // the same rows on this thread (--workers 0), and as CSV
    const inline = await fleetRow(join(dir, 'c-sos'))
    expect(inline).toEqual(sos)
    const csv = await runCli(['fleet', dir, '--csv', '--workers', '0'])
    const csvLines = csv.out.trim().split('\n')
    expect(csvLines[0]).toBe('path,label,host,kernel,arch,captureTime,uptimeSeconds,layout,memoryBytes,freeBytes,freeGe2MiBBytes,clean2MiB,ranges2MiB,clean1GiB,ranges1GiB,fragmentationScore,mixedBlockShare,unmovableMemoryShare,unmovableBlockShare,topPolluter,findings,warnings,error')
    expect(csvLines).toHaveLength(5)
  }, 120_000)

  it('a list file and a glob', async () => {
    const list = join(work, 'list.txt')
    writeFileSync(list, `# fleet\n${join(IMPORTS, 'node_exporter', 'vm-k618.prom')}\nvmcore-text-missing\n`)
    const r = await runCli(['fleet', list, '--ndjson', '--workers', '0'])
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as FleetRow)
    expect(rows).toHaveLength(2)
    expect(rows[1]!.error).toContain('no such file or directory')
    const g = await runCli(['fleet', join(IMPORTS, 'vmcore-text', 'crash-*.txt'), '--json', '--workers', '0'])
    const grows = JSON.parse(g.out) as FleetRow[]
    expect(grows.map((x) => x.path)).toEqual([join(IMPORTS, 'vmcore-text', 'crash-help-kmem-f.txt'), join(IMPORTS, 'vmcore-text', 'crash-kmem-f-z-pykdump.txt')])
    expect((await runCli(['fleet', join(work, 'nothing-*.tgz')])).err).toContain('the pattern matches nothing')
    expect((await runCli(['fleet', list, '--csv', '--json'])).code).toBe(2)
  })

  it('as the map step of a batch engine: paths on stdin, NDJSON rows on stdout (the RDD.pipe recipe of docs/fleet.md)', async () => {
    const root = resolve(__dirname, '../..')
    const input = `${join(IMPORTS, 'node_exporter', 'vm-k618.prom')}\n${join(IMPORTS, 'vmcore-text', 'crash-help-kmem-f.txt')}\n`
    const out = await new Promise<string>((ok, fail) => {
      const child = execFile(process.execPath, ['bin/buddyscope.mjs', 'fleet', '-', '--ndjson', '--workers', '0'], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) fail(new Error(`${err.message}\n${stderr}`))
        else ok(stdout)
      })
      child.stdin?.end(input)
    })
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as FleetRow)
    expect(rows.map((r) => [r.host, r.layout, r.error])).toEqual([['vm', 'summary', null], [null, 'summary', null]])
  }, 60_000)
})
