/**
 * /proc/meminfo and /sys/devices/system/node/nodeN/meminfo (formats.md §5):
 * `Key:   value kB` or `Key:   value` (HugePages_* counts); per-node files prefix every
 * line with `Node N ` (stripped here).
 */
import { ParseError, type Meminfo } from './types.ts'
import { parseInt10, requireNonEmpty, requireText, splitLines } from './text.ts'

const LINE = /^(?:Node\s+\d+\s+)?([A-Za-z_][\w()-]*):\s*(\S+)(?:\s+(\S+))?$/

/** Parse a meminfo file. Values with ` kB` are listed in `kb`; others are plain counts. */
export function parseMeminfo(text: string, file = 'meminfo'): Meminfo {
  requireText(text, file)
  requireNonEmpty(text, file)
  const values: Record<string, number> = {}
  const kb = new Set<string>()
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    if (t === '') continue
    const m = LINE.exec(t)
    if (m === null) throw new ParseError(file, no, "a 'Key: value' or 'Key: value kB' line", raw)
    const key = m[1] as string
    const unit = m[3]
    if (unit !== undefined && unit !== 'kB') throw new ParseError(file, no, `the unit 'kB' or none after the value of ${key}`, raw)
    values[key] = parseInt10(m[2] as string, file, no, `the value of ${key}`)
    if (unit === 'kB') kb.add(key)
    else kb.delete(key)
  }
  return { values, kb }
}
