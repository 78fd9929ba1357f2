/**
 * The capture harness's step log (steps.log beside a series of captures): which captures were
 * taken when, and the steps between them (compaction triggers `cn` = node0/compact, `cm` =
 * compact_memory, hugetlb pool changes `huge:SIZE:N`, sysctl writes …) with the /proc/vmstat
 * deltas of each step.
 *
 *   [9.71] cap 2-before            (newer harness runs: `cap 2-before cpu=0`, the capturing shell's CPU)
 *   [11.70 -> 11.97] step cm: rc=0
 *       pgmigrate_success +17849
 */
import { ParseError } from './types.ts'
import { splitLines } from './text.ts'

export interface StepsLogCapture {
  /** e.g. "2-before" as logged (the folder is "02-before") */
  label: string
  index: number
  time: number
  /** the CPU the capturing shell ran on (`cap 2-before cpu=0`; the harness logs it since gt_capcpu), when logged */
  cpu?: number
}

export interface StepsLogStep {
  name: string
  detail: string
  start: number
  end: number
  rc: number | null
  deltas: Record<string, number>
  /** index (in `entries`) of the capture before and after this step */
  afterCapture: number | null
}

/** A timestamped line that is neither a capture nor a step (`[9.04] workload ready after 6s`). */
export interface StepsLogNote {
  time: number
  text: string
  /** index (in `captures`) of the capture before it, or null */
  afterCapture: number | null
}

export interface StepsLog {
  captures: StepsLogCapture[]
  steps: StepsLogStep[]
  /** the other timestamped lines, in order */
  notes?: StepsLogNote[]
}

export function parseStepsLog(text: string, file = 'steps.log'): StepsLog {
  const captures: StepsLogCapture[] = []
  const steps: StepsLogStep[] = []
  const notes: StepsLogNote[] = []
  let current: StepsLogStep | null = null
  splitLines(text).forEach((line, i) => {
    const n = i + 1
    if (line.trim() === '') return
    const cap = /^\[(\d+(?:\.\d+)?)\] cap (\d+)-(\S+)(?: cpu=(\d+))?$/.exec(line)
    if (cap) {
      current = null
      captures.push({ label: `${cap[2]}-${cap[3]}`, index: Number(cap[2]), time: Number(cap[1]), ...(cap[4] !== undefined ? { cpu: Number(cap[4]) } : {}) })
      return
    }
    const st = /^\[(\d+(?:\.\d+)?) -> (\d+(?:\.\d+)?)\] step ([^:]+):\s*(.*)$/.exec(line)
    if (st) {
      const rc = /\brc=(-?\d+)/.exec(st[4]!)
      current = { name: st[3]!, detail: st[4]!, start: Number(st[1]), end: Number(st[2]), rc: rc ? Number(rc[1]) : null, deltas: {}, afterCapture: captures.length ? captures.length - 1 : null }
      steps.push(current)
      return
    }
    const d = /^\s+([a-z0-9_]+) ([+-]\d+)$/.exec(line)
    if (d) {
      if (!current) throw new ParseError(file, n, 'a counter delta only after a "step" line', line)
      ;(current as StepsLogStep).deltas[d[1]!] = Number(d[2])
      return
    }
    const note = /^\[(\d+(?:\.\d+)?)\] (.*)$/.exec(line)
    if (note) {
      // other timestamped notes ("workload ready …")
      notes.push({ time: Number(note[1]), text: note[2]!.trim(), afterCapture: captures.length ? captures.length - 1 : null })
      return
    }
    throw new ParseError(file, n, 'a "[t] cap N-label", "[t0 -> t1] step NAME: …" or an indented "counter +N" line', line)
  })
  return { captures, steps, notes }
}

/** The steps logged between two captures (by their logged index, e.g. 2 and 3). */
export function stepsBetween(log: StepsLog, fromIndex: number, toIndex: number): StepsLogStep[] {
  const from = log.captures.findIndex((c) => c.index === fromIndex)
  const to = log.captures.findIndex((c) => c.index === toIndex)
  if (from < 0 || to < 0 || to <= from) return []
  return log.steps.filter((s) => s.afterCapture !== null && s.afterCapture >= from && s.afterCapture < to)
}

/** A compaction trigger, in the kernel's terms. */
export interface CompactionTrigger {
  /** the file written */
  file: 'compact_memory' | 'node_compact'
  node: number | null
  deltas: Record<string, number>
  /**
   * The CPU the write ran on, when the log says: `cm@1` pins the writing shell to CPU 1
   * (`cpu=1`); an unpinned write logs the CPU the shell ran on before and after (`cpu=0..1`).
   * Where the two differ the scheduler moved the writer while compact_nodes() ran, and the CPU it
   * returned on is taken: in the 7 harness runs whose shell moved (x86 1 GiB, 2 GiB and 4 GiB,
   * 6.1 and 6.12), the after-capture's per-cpu lists show the compaction's freed pages on that
   * CPU's list. Its per-cpu lists take the compaction's freed pages.
   */
  cpu: number | null
}

/**
 * `cn` = a write to /sys/devices/system/node/node0/compact, `cm` = /proc/sys/vm/compact_memory;
 * `cn@C` / `cm@C` the same from a shell pinned to CPU C.
 */
export function compactionTrigger(step: StepsLogStep): CompactionTrigger | null {
  const at = /^(.*)@(\d+)$/.exec(step.name)
  const name = at ? at[1]! : step.name
  let cpu: number | null = at ? Number(at[2]) : null
  const logged = /\bcpu=(\d+)(?:\.\.(\d+))?\b/.exec(step.detail)
  if (cpu === null && logged) cpu = Number(logged[2] ?? logged[1])
  if (name === 'cm') return { file: 'compact_memory', node: null, deltas: step.deltas, cpu }
  const cn = /^cn(\d*)$/.exec(name)
  if (cn) return { file: 'node_compact', node: cn[1] ? Number(cn[1]) : 0, deltas: step.deltas, cpu }
  return null
}

/** `vmsplice_pinned_pages=N` in the harness's workload log: pages the workload pinned. */
export function pinnedPagesFromWorkloadLog(text: string): number | null {
  const m = /vmsplice_pinned_pages=(\d+)/.exec(text)
  return m ? Number(m[1]) : null
}

/**
 * The CPU the harness's workload made its last frees on (workload.log `cpu phase4=C last=L
 * switches=S frees=N0/N1`, fragwork since it logs sched_getcpu() per phase): L, the CPU of the
 * last madvise(MADV_DONTNEED) of its final free phase, whose pages (a few in each pageblock) sit
 * on that CPU's per-cpu list. null when the log does not record it.
 */
export function workloadCpuFromWorkloadLog(text: string): number | null {
  const m = /^cpu phase4=(-?\d+)(?: last=(-?\d+))?/m.exec(text)
  if (!m) return null
  const last = m[2] !== undefined ? Number(m[2]) : -1
  const cpu = last >= 0 ? last : Number(m[1])
  return cpu >= 0 ? cpu : null
}
