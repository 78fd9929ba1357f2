/**
 * /proc/meminfo and /sys/devices/system/node/nodeN/meminfo (formats.md §5):
 * `Key:   value kB` or `Key:   value` (HugePages_* counts); per-node files prefix every
 * line with `Node N ` (stripped here).
 */
import { ParseError, type Meminfo } from './types.ts'
import { matchLines, parseInt10 } from './text.ts'

const LINE = /^(?:Node\s+\d+\s+)?([A-Za-z_][\w()-]*):\s*(\S+)(?:\s+(\S+))?$/

/** Parse a meminfo file. Values with ` kB` are listed in `kb`; others are plain counts. */
export function parseMeminfo(text: string, file = 'meminfo'): Meminfo {
  const values: Record<string, number> = {}
  const kb = new Set<string>()
  for (const { no, raw, m } of matchLines(text, file, LINE, "a 'Key: value' or 'Key: value kB' line")) {
    const key = m[1] as string
    const unit = m[3]
    if (unit !== undefined && unit !== 'kB') throw new ParseError(file, no, `the unit 'kB' or none after the value of ${key}`, raw)
    values[key] = parseInt10(m[2] as string, file, no, `the value of ${key}`)
    if (unit === 'kB') kb.add(key)
    else kb.delete(key)
  }
  return { values, kb }
}
