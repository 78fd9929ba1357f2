/**
 * scripts/shared-format-copy.ts: a harness run of fixtures/ as the shared harness would have
 * written it (docs/fidelity-shared-format.md is computed on such copies). The copy's series gives
 * the what-if none of what only the project's harness records (the trigger's, the captures' and the
 * workload's CPUs, the re-read after kpageflags) and keeps the rest (the trigger, its vmstat deltas,
 * the pins, every capture's files).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seriesContext } from '../../host/series.ts'
import { copyRunShared, sharedStepsLog, sharedWorkloadLog, sharedCmdline, harnessRuns } from '../../scripts/shared-format-copy.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const RUN = 'x86-1G-s33-k612-gen-ctrace'
let dir = ''

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shared-format-'))
  copyRunShared(FIXTURES, dir, RUN)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the shared harness\'s format', () => {
  it('steps.log keeps the triggers and their deltas, without CPUs, tracing steps or notes', () => {
    const t = sharedStepsLog([
      '[5.51 -> 5.60] step vm:compaction_proactiveness:0: compaction_proactiveness=0',
      '[5.64 -> 6.11] step ctrace:all: cpus=all mask=3',
      '    nr_free_pages -1030',
      '[11.20] cap 1-boot cpu=1',
      '[30.15 -> 30.18] step ctron: on',
      '[30.23 -> 30.81] step cn: rc=0 cpu=0..1',
      '    pgmigrate_success +12',
      '[31.00 -> 31.50] step cm@1: rc=0 cpu=1',
      '    compact_isolated +24',
      '[39.89] note saved ctrace.txt.gz (2554 compaction events, 0 cpus overran)',
      '[40.00] cap 2-after cpu=0',
    ].join('\n'))
    expect(t.split('\n')).toEqual([
      '[5.51 -> 5.60] step vm:compaction_proactiveness:0: compaction_proactiveness=0',
      '[11.20] cap 1-boot',
      '[30.23 -> 30.81] step cn: rc=0',
      '    pgmigrate_success +12',
      '[31.00 -> 31.50] step cm: rc=0',
      '    compact_isolated +24',
      '[40.00] cap 2-after',
    ])
  })

  it('workload.log and the command lines lose the CPU lines and the project\'s parameters', () => {
    expect(sharedWorkloadLog('args seed=33 mv0=0 mv3=1 pin=1\nmoved phase0 to cpu 0\ncpu phase0=0\nphase1 filled 1 pages\ncpu phase4=0 last=0 switches=0 frees=5')).toBe('args seed=33 pin=1\nphase1 filled 1 pages')
    expect(sharedCmdline('console=ttyS0 gt_wl=seed=1,mv3=1,pin=8 gt_wlcpu=0 gt_seq=cap:before,ctron,cm@1,ctroff,cap:after')).toBe('console=ttyS0 gt_wl=seed=1,pin=8 gt_seq=cap:before,cm,cap:after')
  })

  it('the copied series has no CPU and no re-read, and the same trigger, deltas and pins', async () => {
    const full = await seriesContext(join(FIXTURES, RUN), '02-before')
    const shared = await seriesContext(join(dir, RUN), '02-before')
    expect(full?.trigger?.cpu).not.toBeNull()
    expect(full?.workloadCpu).not.toBeNull()
    expect(full?.rereadBuddyinfo).not.toBeNull()
    expect(shared?.trigger?.cpu).toBeNull()
    expect(shared?.workloadCpu ?? null).toBeNull()
    expect(shared?.captureCpu ?? null).toBeNull()
    expect(shared?.rereadBuddyinfo ?? null).toBeNull()
    expect(shared?.rereadPcp ?? null).toBeNull()
    expect(shared?.trigger?.file).toBe(full?.trigger?.file)
    expect(shared?.trigger?.deltas).toEqual(full?.trigger?.deltas)
    expect(shared?.workloadPinnedPages).toBe(full?.workloadPinnedPages)
    expect(shared?.otherSteps).toEqual([])
    expect(existsSync(join(dir, RUN, '02-before', 'after-kpage'))).toBe(false)
    expect(existsSync(join(dir, RUN, 'ctrace.txt.gz'))).toBe(false)
    expect(readFileSync(join(dir, RUN, '02-before', 'zoneinfo'), 'utf8')).toBe(readFileSync(join(FIXTURES, RUN, '02-before', 'zoneinfo'), 'utf8'))
  })

  it('host captures are not harness runs', () => {
    const runs = harnessRuns(FIXTURES)
    expect(runs).toContain(RUN)
    expect(runs.some((r) => r.startsWith('host-'))).toBe(false)
  })
})
