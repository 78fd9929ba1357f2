/**
 * /proc/vmstat and /sys/devices/system/node/nodeN/vmstat (formats.md §4): one `name value`
 * pair per line. Look counters up by name; which ones exist depends on version and config.
 */
import { ParseError, type Vmstat } from './types.ts'
import { parseInt10, requireNonEmpty, requireText, splitLines } from './text.ts'

const LINE = /^([A-Za-z_][\w.-]*)\s+(\S+)$/

/** Parse a vmstat file (global or per node). A repeated name keeps its last value. */
export function parseVmstat(text: string, file = 'vmstat'): Vmstat {
  requireText(text, file)
  requireNonEmpty(text, file)
  const out: Vmstat = {}
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    if (t === '') continue
    const m = LINE.exec(t)
    if (m === null) throw new ParseError(file, no, "a 'name value' line (a counter name, one space, a decimal value)", raw)
    const name = m[1] as string
    out[name] = parseInt10(m[2] as string, file, no, `the value of ${name}`)
  }
  return out
}
