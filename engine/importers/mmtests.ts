/**
 * mmtests monitor logs: each monitor (monitors/watch-proc-buddyinfo.sh, watch-proc-pagetypeinfo.sh,
 * watch-proc-vmstat.sh, watch-proc-zoneinfo.sh, watch-proc-meminfo.sh in mmtests) loops
 * `echo time: $(date +%s)` then `cat /proc/<file>`, and run-mmtests keeps the output as
 * `proc-<file>-<test>-<iteration>[.gz]` in the run's logs folder. This splits such a log into
 * its stamped blocks and pairs the blocks of several monitors into captures by time.
 */
import { ParseError } from '../procfs/types.ts'
import { requireText, splitLines } from '../procfs/text.ts'

export interface StampedBlock {
  /** seconds since the epoch, from the `time:` line */
  time: number
  /** 1-based line of the `time:` line */
  line: number
  text: string
}

/** The monitors whose logs we read, by the /proc file they copy, and the capture file each gives. */
export const MMTESTS_MONITORS: Record<string, string> = {
  'proc-buddyinfo': 'buddyinfo',
  'proc-pagetypeinfo': 'pagetypeinfo',
  'proc-vmstat': 'vmstat',
  'proc-zoneinfo': 'zoneinfo',
  'proc-meminfo': 'meminfo',
}

const TIME = /^time:\s*(\d+(?:\.\d+)?)\s*$/

/** Split a monitor log into `time:`-stamped blocks. */
export function splitStamped(text: string, file: string): StampedBlock[] {
  requireText(text, file)
  const lines = splitLines(text)
  const out: StampedBlock[] = []
  let cur: { time: number; line: number; lines: string[] } | null = null
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const m = TIME.exec(raw.trim())
    if (m) {
      if (cur) out.push({ time: cur.time, line: cur.line, text: cur.lines.join('\n') + '\n' })
      const time = Number(m[1])
      if (cur && time < cur.time) throw new ParseError(file, i + 1, `a time no earlier than the previous block's (${cur.time}, line ${cur.line})`, raw)
      cur = { time, line: i + 1, lines: [] }
      continue
    }
    if (cur === null) {
      if (raw.trim() === '') continue
      throw new ParseError(file, i + 1, "a 'time: <seconds since the epoch>' line first, as mmtests' monitors write", raw)
    }
    cur.lines.push(raw)
  }
  if (cur) out.push({ time: cur.time, line: cur.line, text: cur.lines.join('\n') + '\n' })
  if (out.length === 0) throw new ParseError(file, null, "at least one 'time:' block", 'an empty log')
  return out.filter((b) => b.text.trim() !== '')
}

/** One capture of an mmtests run: the block of each monitor nearest in time to a buddyinfo (or the first monitor's) block. */
export interface MmtestsCapture {
  time: number
  /** capture file name → the block and where it came from */
  files: Record<string, { text: string; file: string; line: number }>
}

/**
 * Pair the monitors' blocks: one capture per block of the lead monitor (buddyinfo, else
 * pagetypeinfo, else the first given), each other monitor contributing its block nearest in
 * time when that is within `maxSkew` seconds (default: half the lead's median interval, at least 1 s).
 */
export function pairMonitorBlocks(logs: Array<{ name: string; file: string; blocks: StampedBlock[] }>, maxSkew?: number): MmtestsCapture[] {
  const lead = logs.find((l) => l.name === 'buddyinfo') ?? logs.find((l) => l.name === 'pagetypeinfo') ?? logs[0]
  if (!lead) return []
  const gaps = lead.blocks.slice(1).map((b, i) => b.time - (lead.blocks[i] as StampedBlock).time).sort((a, b) => a - b)
  const median = gaps.length ? (gaps[Math.floor(gaps.length / 2)] as number) : 2
  const skew = maxSkew ?? Math.max(1, median / 2)
  return lead.blocks.map((b) => {
    const files: MmtestsCapture['files'] = { [lead.name]: { text: b.text, file: lead.file, line: b.line } }
    for (const l of logs) {
      if (l === lead) continue
      let best: StampedBlock | null = null
      for (const x of l.blocks) if (best === null || Math.abs(x.time - b.time) < Math.abs(best.time - b.time)) best = x
      if (best && Math.abs(best.time - b.time) <= skew) files[l.name] = { text: best.text, file: l.file, line: best.line }
    }
    return { time: b.time, files }
  })
}

/** `proc-buddyinfo-fsmark-1.gz` → { monitor: 'proc-buddyinfo', run: 'fsmark-1' }; null for other names. */
export function mmtestsLogName(base: string): { monitor: string; file: string; run: string } | null {
  const n = base.replace(/\.gz$/, '')
  for (const [monitor, file] of Object.entries(MMTESTS_MONITORS)) {
    if (n === monitor) return { monitor, file, run: '' }
    if (n.startsWith(monitor + '-')) return { monitor, file, run: n.slice(monitor.length + 1) }
  }
  return null
}
