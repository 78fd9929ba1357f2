/**
 * The service's getTimeline: a series as a timeline, with the mixed pageblocks of each capture
 * counted on the worker pool side by side; the same numbers as the CLI's in-process load, for a
 * directory and for the same series as a .tar.gz (unpacked once, removed after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { c as tarCreate } from 'tar'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import { loadTimeline } from '../../host/timeline.ts'
import { liveTempDirCount } from '../../host/sources/snapshot_bundle.ts'
import type { TimelineDto } from '../../contract/dto.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const RUN = 'arm64-1G-s18-nopin'
let work: string
let tgz: string
let service: BuddyscopeService

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bs-timeline-test-'))
  tgz = join(work, `${RUN}.tar.gz`)
  await tarCreate({ gzip: true, file: tgz, cwd: FIXTURES, portable: true }, [RUN])
  service = new BuddyscopeService({
    transport: 'browser', version: 'test', emit: () => {}, pool: new EnginePool(), recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
  })
})
afterAll(async () => {
  await service.dispose()
  rmSync(work, { recursive: true, force: true })
})

describe('getTimeline', () => {
  it('answers the CLI\'s timeline, mixed pageblocks counted on the pool', async () => {
    const dir = join(FIXTURES, RUN)
    const viaService = (await service.handle('getTimeline', { paths: [dir] })) as TimelineDto
    const inProcess = await loadTimeline([dir])
    expect(viaService).toEqual(inProcess)
    expect(viaService.points.map((p) => p.label)).toEqual(['01-boot', '02-before', '03-after-compact-node', '04-after-compact-memory'])
    expect(viaService.points.every((p) => p.zones.every((z) => z.mixedSource === 'kpageflags'))).toBe(true)
  }, 60000)

  it('reads a .tar.gz series once and leaves no temporary copy', async () => {
    const before = liveTempDirCount()
    const t = (await service.handle('getTimeline', { paths: [tgz] })) as TimelineDto
    expect(liveTempDirCount()).toBe(before)
    const d = await loadTimeline([join(FIXTURES, RUN)], { summaryOnly: false })
    expect(t.points.map((p) => p.zones)).toEqual(d.points.map((p) => p.zones))
    expect(t.points.map((p) => p.open)).toEqual(d.points.map((p) => ({ path: tgz, capture: p.open.capture })))
    expect(t.markers).toEqual(d.markers)
  }, 60000)

  it('rejects what is not a series with bad-input, and bad arguments with bad-argument', async () => {
    await expect(service.handle('getTimeline', { paths: [join(FIXTURES, RUN, '02-before')] })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/is a single capture, not a series/) })
    await expect(service.handle('getTimeline', { paths: [] })).rejects.toMatchObject({ code: 'bad-argument' })
  })
})
