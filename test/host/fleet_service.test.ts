/**
 * The service's getFleet (the app's fleet view): the captures of a folder on the service's worker
 * pool, one row per capture in input order, the same rows as host/fleet.ts computes inline, a
 * broken capture a row with its error; a missing folder a plain error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import { fleetRow } from '../../host/fleet.ts'
import type { FleetDto } from '../../contract/dto.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const IMPORTS = join(FIXTURES, 'imports')
let work: string
let dir: string
let service: BuddyscopeService

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bs-fleet-service-'))
  dir = join(work, 'fleet')
  mkdirSync(dir)
  cpSync(join(FIXTURES, 'x86-512M-s1-compact', '02-before'), join(dir, 'a-x86'), { recursive: true })
  cpSync(join(IMPORTS, 'node_exporter', 'vm-k618.prom'), join(dir, 'b-vm.prom'))
  cpSync(join(IMPORTS, 'sosreport-vm-k618'), join(dir, 'c-sos'), { recursive: true })
  writeFileSync(join(dir, 'd-broken.txt'), 'not a capture\n')
  cpSync(join(FIXTURES, 'arm64-1G-s18-nopin', '02-before'), join(dir, 'e-arm64'), { recursive: true })
  service = new BuddyscopeService({
    transport: 'browser', version: 'test', emit: () => {}, pool: new EnginePool(undefined, { minThreads: 1, maxThreads: 2 }), recent: { list: () => [], add: () => {} }, bundledSnapshot: null,
  })
})
afterAll(async () => {
  await service.dispose()
  rmSync(work, { recursive: true, force: true })
})

describe('getFleet', () => {
  it('one row per capture of a folder, in input order, computed on the pool as host/fleet.ts does inline', async () => {
    const f = (await service.handle('getFleet', { path: dir })) as FleetDto
    expect(f.input).toBe(dir)
    expect(f.rows.map((r) => r.path)).toEqual(['a-x86', 'b-vm.prom', 'c-sos', 'd-broken.txt', 'e-arm64'].map((n) => join(dir, n)))
    expect(f.errors).toBe(1)
    const [x86, prom, sos, broken, arm] = f.rows
    expect(broken!.error).toContain('cannot tell which capture file this is')
    expect(x86).toMatchObject({ layout: 'exact', kernel: '6.1.0-56-amd64', error: null })
    expect(arm).toMatchObject({ layout: 'exact', arch: expect.stringMatching(/aarch64|arm64/), error: null })
    expect(prom).toMatchObject({ layout: 'summary', host: 'vm' })
    expect(sos).toMatchObject({ layout: 'summary', host: 'vm', clean2MiB: null })
    expect(x86).toEqual(await fleetRow(join(dir, 'a-x86')))
  })

  it('a glob names the captures too; a missing folder or an empty pattern is a plain error', async () => {
    const f = (await service.handle('getFleet', { path: join(dir, '?-x86') })) as FleetDto
    expect(f.rows.map((r) => r.path)).toEqual([join(dir, 'a-x86')])
    await expect(service.handle('getFleet', { path: join(work, 'nowhere') })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('no such file or directory') })
    await expect(service.handle('getFleet', { path: join(work, 'none-*.tgz') })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('matches nothing') })
    await expect(service.handle('getFleet', { path: '-' })).rejects.toMatchObject({ code: 'bad-argument' })
    await expect(service.handle('getFleet', { path: '' })).rejects.toMatchObject({ code: 'bad-argument' })
  })
})
