import { describe, it, expect } from 'vitest'
import { parseStepsLog, compactionTrigger, workloadCpuFromWorkloadLog } from './steps_log.ts'

const LOG = `[2.63 -> 2.66] step vm:compaction_proactiveness:0: compaction_proactiveness=0
[16.93] cap 2-before
[16.93 -> 18.17] step cm: rc=0
    pgmigrate_success +95722
[19.79] cap 3-after
[19.80 -> 19.86] step cn@1: rc=0 cpu=1
    pgmigrate_success +2212
[21.49] cap 4-after
[21.50 -> 21.60] step cm: rc=0 cpu=0..0
[22.49] cap 5-after
[22.50 -> 22.60] step cn: rc=0 cpu=0..1
[23.49] cap 6-after
`

describe('steps.log: compaction triggers and the CPU they ran on', () => {
  const log = parseStepsLog(LOG)
  const triggers = log.steps.map(compactionTrigger)

  it('reads cm and cn, pinned (cn@C) or not', () => {
    expect(triggers[0]).toBeNull()
    expect(triggers[1]).toMatchObject({ file: 'compact_memory', node: null, deltas: { pgmigrate_success: 95722 } })
    expect(triggers[2]).toMatchObject({ file: 'node_compact', node: 0, deltas: { pgmigrate_success: 2212 } })
  })

  it('the CPU: pinned, or the one the shell was on after the write (it moved in cpu=0..1); unknown when the log does not say', () => {
    expect(triggers.slice(1).map((t) => t!.cpu)).toEqual([null, 1, 0, 1])
  })
})

describe('steps.log: the CPU a capture ran on', () => {
  it('reads `cap N-label cpu=C` (gt_capcpu runs) and leaves it unset on older lines', () => {
    const log = parseStepsLog(`[5.10] note shell pinned to cpu 0 (gt_capcpu)
[5.20] cap 2-before cpu=0
[6.00 -> 6.50] step cm@1: rc=0 cpu=1
    pgmigrate_success +100
[7.10] cap 3-after-compact-memory-cpu1 cpu=0
[8.00] cap 4-old
`)
    expect(log.captures).toEqual([
      { label: '2-before', index: 2, time: 5.2, cpu: 0 },
      { label: '3-after-compact-memory-cpu1', index: 3, time: 7.1, cpu: 0 },
      { label: '4-old', index: 4, time: 8 },
    ])
    expect(log.steps).toHaveLength(1)
    expect(log.notes).toHaveLength(1)
  })
})

describe('the workload log\'s CPU of its last frees', () => {
  const WL = `phase4 freed 57814 pages; MemFree=455484 kB
cpu phase4=0 last=1 switches=3 frees=20000/37814
phase5 mlock=16 MB vmsplice_pinned_pages=0 in 0 pipes; MemFree=455484 kB
cpu phase5=0
`
  it('takes the CPU of the last free of phase 4, else the one the phase ended on', () => {
    expect(workloadCpuFromWorkloadLog(WL)).toBe(1)
    expect(workloadCpuFromWorkloadLog('cpu phase4=1 last=-1 switches=0 frees=\n')).toBe(1)
    expect(workloadCpuFromWorkloadLog('cpu phase4=0\n')).toBe(0)
  })

  it('is null for a log that does not record it (fragwork before the cpu lines)', () => {
    expect(workloadCpuFromWorkloadLog('phase4 freed 5 pages; MemFree=1 kB\ncpu phase5=1\n')).toBeNull()
    expect(workloadCpuFromWorkloadLog('')).toBeNull()
  })
})
