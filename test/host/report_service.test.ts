/**
 * exportReport through the service (as the desktop app and browser mode call it): the session's
 * what-if requests run again on the pool, the bytes back for a download, or the file saved
 * atomically where the save dialog says (nothing written when the dialog is cancelled), a diff
 * against another open snapshot (the diff model's), the timeline of a series, and bad arguments
 * refused by the contract's schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import type { EventName, EventPayloads, ExportReportResult, SnapshotView } from '../../contract/index.ts'
import { fixturePath } from '../helpers/cli_harness.ts'

let work: string
let saveTo: string | null = null
const done = new Map<string, (v: SnapshotView) => void>()
let service: BuddyscopeService

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-report-service-'))
  service = new BuddyscopeService({
    transport: 'electron', version: '9.9.9', pool: new EnginePool(), bundledSnapshot: null,
    recent: { list: () => [], add: () => undefined },
    emit: <E extends EventName>(event: E, payload: EventPayloads[E]) => {
      if (event === 'run:done') {
        const p = payload as EventPayloads['run:done']
        done.get(p.runId)?.(p.snapshot)
      }
    },
    saveReportPath: async () => saveTo,
  })
})
afterAll(async () => {
  await service.dispose()
  rmSync(work, { recursive: true, force: true })
})

async function open(path: string): Promise<SnapshotView> {
  const { runId } = await service.handle('startOpenPath', { path }) as { runId: string }
  return new Promise((resolve) => done.set(runId, resolve))
}

describe('exportReport', () => {
  it('saves where the dialog says, atomically; nothing when cancelled', async () => {
    const a = await open(fixturePath('x86-512M-s1-compact', '02-before'))
    const b = await open(fixturePath('x86-512M-s1-compact', '03-after-compact-node'))
    saveTo = null
    let r = await service.handle('exportReport', { id: a.id, format: 'md', whatifs: [] }) as ExportReportResult
    expect(r).toMatchObject({ cancelled: true, savedTo: null, data: null })
    expect(readdirSync(work)).toEqual([])

    saveTo = join(work, 'report.md')
    r = await service.handle('exportReport', {
      id: a.id, format: 'md', diffWith: b.id,
      whatifs: [{ kind: 'compact', request: { mode: 'sync' } }, { kind: 'contig', request: { kind: 'hugetlb', count: 16 } }],
    }) as ExportReportResult
    expect(r.savedTo).toBe(saveTo)
    expect(r.fileName).toMatch(/^buddyscope-report-6\.1\.0-56-amd64-02-before\.md$/)
    const md = readFileSync(saveTo, 'utf8')
    expect(md).toContain('## What-if 1: compact --mode sync')
    expect(md).toContain('## What-if 2: hugetlb --count 16')
    expect(md).toContain('## Diff: ')
    // the diff model's: both exact layouts, so the changed pageblocks are counted and listed
    expect(md).toContain('**Changed pageblocks per zone, by change** (model)')
    expect(md).toMatch(/```text\n +0 +1 .*\nbefore \(buddyinfo, captured\) /)
    expect(md).not.toContain('## Timeline of the series')
    expect(md).toContain('| Buddyscope | 9.9.9 |')
    expect(readdirSync(work)).toEqual(['report.md'])
  }, 120_000)

  it('a capture of a series: its timeline; a timeline of a single capture or a diff with itself refused', async () => {
    const series = await open(fixturePath('x86-512M-s1-compact'))
    const single = await open(fixturePath('x86-512M-s1-compact', '02-before'))
    saveTo = join(work, 'series.json')
    const r = await service.handle('exportReport', { id: series.id, format: 'json', whatifs: [], timeline: true, diffWith: single.id }) as ExportReportResult
    expect(r.savedTo).toBe(saveTo)
    const j = JSON.parse(readFileSync(saveTo, 'utf8')) as { timeline: { points: Array<{ label: string }> }; diff: { zones: Array<{ changedPageblocks: number }> }; provenance: { command: string } }
    expect(j.timeline.points.map((p) => p.label)).toEqual(series.series)
    // the series opens on its before capture: the same capture as the other snapshot, so nothing changed
    expect(j.diff.zones.every((z) => z.changedPageblocks === 0)).toBe(true)
    expect(j.provenance.command).toContain(`--diff ${fixturePath('x86-512M-s1-compact', '02-before')} --timeline`)
    await expect(service.handle('exportReport', { id: single.id, format: 'md', whatifs: [], timeline: true })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('is not a series') })
    await expect(service.handle('exportReport', { id: single.id, format: 'md', whatifs: [], diffWith: single.id })).rejects.toMatchObject({ code: 'bad-argument' })
    rmSync(saveTo)
  }, 120_000)

  it('without a save dialog (browser mode) the bytes come back; a bad format is refused', async () => {
    const a = await open(fixturePath('x86-512M-s1-compact', '02-before'))
    const s = new BuddyscopeService({ ...service.deps_, saveReportPath: undefined } as never)
    // the other service has no snapshots: the same call names the missing one
    await expect(s.handle('exportReport', { id: a.id, format: 'json', whatifs: [] })).rejects.toMatchObject({ code: 'not-found' })
    saveTo = null
    const deps = service.deps_ as { saveReportPath?: unknown }
    const keep = deps.saveReportPath
    delete deps.saveReportPath
    try {
      const r = await service.handle('exportReport', { id: a.id, format: 'csv', whatifs: [] }) as ExportReportResult
      expect(r.mime).toBe('application/zip')
      expect(r.fileName.endsWith('.zip')).toBe(true)
      expect(r.data!.length).toBe(r.bytes)
      expect(Buffer.from(r.data!.subarray(0, 4)).toString('latin1')).toBe('PK\x03\x04')
    } finally {
      deps.saveReportPath = keep
    }
    await expect(service.handle('exportReport', { id: a.id, format: 'docx', whatifs: [] })).rejects.toMatchObject({ code: 'bad-argument' })
    await expect(service.handle('exportReport', { id: a.id, format: 'md', whatifs: [{ kind: 'compact', request: { order: 99 } }] })).rejects.toMatchObject({ code: 'bad-argument' })
    expect(existsSync(join(work, 'report.zip'))).toBe(false)
  }, 120_000)
})
