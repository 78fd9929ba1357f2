/**
 * A harness run of fixtures/ as the shared harness (/work/shared/harness, the format of the
 * captures the project is also judged on and never sees) would have written it: what only the
 * project's harness (test/harness) records is taken out, the rest is linked unchanged.
 *
 * Taken out (test/harness/README.md lists what the project's copy adds):
 *  - steps.log: `cpu=C` of every `cap` line, `cpu=C` / `cpu=B..A` of every trigger line
 *    (`cn@C` / `cm@C` become `cn` / `cm`), the tracing steps (`trace:C`, `ctrace:…`, `rtrace`,
 *    `ptrace…`, `ptoff`, `ftrace`, `tron`/`troff`, `ctron`/`ctroff`, with their deltas) and the
 *    harness's `note` lines (gt_capcpu, saved traces, `bsc`);
 *  - workload.log: fragwork's `cpu phaseN=…` lines, `moved phaseN to cpu C` and the `mvN=C`
 *    arguments;
 *  - params, cmdline (the run's and each capture's), console.log: `gt_wlcpu=`, `gt_capcpu=`, the
 *    steps above;
 *  - each capture's after-kpage/ (buddyinfo, zoneinfo, vmstat read again after kpageflags),
 *    pcp-owners.txt.gz, page_owner_stacks.gz; the run's traces (trace/, trace-N.txt.gz,
 *    ctrace.txt.gz, ptrace.txt.gz) and bsc bundles; RUN.md (written from the project's logs).
 * Capture folders keep their labels (a run's author names them; nothing reads a CPU from one).
 * Everything else (every capture's buddyinfo, pagetypeinfo, zoneinfo, vmstat, kpageflags, …,
 * steps.log's vmstat deltas, dmesg.txt) is hard-linked: the files under fixtures/ are never written.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'

/** Steps only the project's harness has (tracing); the shared harness's init.sh knows none of them. */
const PROJECT_ONLY_STEP = /^(trace:\d+|ctrace:\S+|rtrace|ptrace(:\d+)?|ptoff|ftrace|tron|troff|ctron|ctroff|bsc:\S+)$/

/** A step list (`gt_pre=` / `gt_seq=` value) without the project's steps, `@C` taken off the triggers. */
export function sharedStepList(list: string): string {
  return list.split(',').filter((s) => s !== '' && !PROJECT_ONLY_STEP.test(s)).map((s) => s.replace(/^(cn|cm)@\d+$/, '$1')).join(',')
}

/** steps.log as the shared harness's init.sh writes it. */
export function sharedStepsLog(text: string): string {
  const out: string[] = []
  let dropping = false
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) && line.trim() !== '') {
      // a delta line of the step above
      if (!dropping) out.push(line)
      continue
    }
    dropping = false
    const cap = /^(\[[^\]]*\] cap \d+-\S+)(?: cpu=\d+)?$/.exec(line)
    if (cap) { out.push(cap[1]!); continue }
    const step = /^(\[[^\]]*\] step )(\S+): (.*)$/.exec(line) ?? /^(\[[^\]]*\] step )(\S+):()$/.exec(line)
    if (step) {
      const name = step[2]!
      if (PROJECT_ONLY_STEP.test(name)) { dropping = true; continue }
      const shared = name.replace(/^(cn|cm)@\d+$/, '$1')
      const detail = step[3]!.replace(/ ?\bcpu=\d+(\.\.\d+)?\b/, '')
      out.push(`${step[1]}${shared}: ${detail}`)
      continue
    }
    if (/^\[[^\]]*\] note /.test(line)) { dropping = true; continue }
    out.push(line)
  }
  return out.join('\n')
}

/** workload.log as the shared harness's fragwork writes it. */
export function sharedWorkloadLog(text: string): string {
  return text.split('\n')
    .filter((l) => !/^cpu phase\d+=/.test(l) && !/^moved phase\d+ to cpu/.test(l) && !/^mv\d+=/.test(l))
    .map((l) => (l.startsWith('args ') ? l.replace(/ mv\d+=\d+/g, '') : l))
    .join('\n')
}

/** A kernel command line (or params file, or console line) with the project's harness parameters taken out. */
export function sharedCmdline(text: string): string {
  return text.split('\n').map((line) => line.split(' ').filter((w) => !/^gt_(wlcpu|capcpu)=/.test(w))
    .map((w) => {
      const m = /^(gt_pre|gt_seq)=(.*)$/.exec(w)
      const wl = /^gt_wl=(.*)$/.exec(w)
      if (m) return `${m[1]}=${sharedStepList(m[2]!)}`
      if (wl) return `gt_wl=${wl[1]!.split(',').filter((a) => !/^mv\d+=/.test(a)).join(',')}`
      return w
    }).join(' ')).filter((l) => !/^gt_(wlcpu|capcpu)=/.test(l)).join('\n')
}

/** The run's files the shared harness writes too, copied through a transform; the rest of the root is left out. */
const ROOT_FILES: Record<string, ((t: string) => string) | null> = {
  'steps.log': sharedStepsLog,
  'workload.log': sharedWorkloadLog,
  params: sharedCmdline,
  cmdline: sharedCmdline,
  'console.log': (t) => t.split('\n').filter((l) => !/=== gt: step (ctron|ctroff|tron|troff)$/.test(l)).map((l) => sharedCmdline(l).replace(/(=== gt: step c[nm])@\d+$/, '$1')).join('\n'),
  'dmesg.txt': null, uname: null, version: null, vm: null,
}
/** Files of a capture folder only the project's harness writes. */
const CAPTURE_DROP = new Set(['after-kpage', 'pcp-owners.txt.gz', 'page_owner_stacks.gz'])

const link = (a: string, b: string): void => {
  try { linkSync(a, b) } catch { copyFileSync(a, b) }
}

/**
 * Copies fixtures/<run> to <dst>/<run> in the shared harness's format (an existing copy is replaced).
 * keepWorkloadCpu: workload.log keeps fragwork's `cpu phaseN=` lines (a copy that differs from the
 * shared format by the workload's CPU alone, to tell that default's share from the others').
 */
export function copyRunShared(src: string, dst: string, run: string, opts: { keepWorkloadCpu?: boolean } = {}): void {
  const from = join(src, run), to = join(dst, run)
  rmSync(to, { recursive: true, force: true })
  mkdirSync(to, { recursive: true })
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory() && /^\d\d-/.test(e.name)) {
      mkdirSync(join(to, e.name))
      for (const f of readdirSync(join(from, e.name))) {
        if (CAPTURE_DROP.has(f) || statSync(join(from, e.name, f)).isDirectory()) continue
        if (f === 'cmdline') writeFileSync(join(to, e.name, f), sharedCmdline(readFileSync(join(from, e.name, f), 'utf8')))
        else link(join(from, e.name, f), join(to, e.name, f))
      }
      continue
    }
    if (!e.isFile() || !(e.name in ROOT_FILES)) continue
    const t = e.name === 'workload.log' && opts.keepWorkloadCpu ? null : ROOT_FILES[e.name]
    if (t) writeFileSync(join(to, e.name), t(readFileSync(join(from, e.name), 'utf8')))
    else link(join(from, e.name), join(to, e.name))
  }
}

/** The harness-made runs of a fixtures folder (a steps.log and a workload.log; this machine's host-* captures are not harness runs). */
export function harnessRuns(src: string): string[] {
  return readdirSync(src, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('host-') && existsSync(join(src, d.name, 'steps.log')) && existsSync(join(src, d.name, 'workload.log')))
    .map((d) => d.name).sort()
}
