/**
 * Recently opened snapshots, kept as a small JSON file (max 10 entries, newest first).
 * A missing or corrupt file reads as an empty list; writes are best effort.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { homedir } from 'node:os'
import type { RecentEntry } from '../../electron/common/contract.ts'

export const RECENT_MAX = 10

export class RecentFile {
  readonly file: string

  constructor(file: string) {
    this.file = file
  }

  /** ~/.config/buddyscope/recent.json (XDG_CONFIG_HOME respected) */
  static default(): RecentFile {
    const base = process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config')
    return new RecentFile(join(base, 'buddyscope', 'recent.json'))
  }

  list(): RecentEntry[] {
    try {
      const v: unknown = JSON.parse(readFileSync(this.file, 'utf8'))
      if (!Array.isArray(v)) return []
      return v.filter((e): e is RecentEntry => typeof e === 'object' && e !== null && typeof (e as RecentEntry).path === 'string' && typeof (e as RecentEntry).openedAt === 'string')
        .map((e) => ({ path: e.path, label: typeof e.label === 'string' ? e.label : null, openedAt: e.openedAt }))
        .slice(0, RECENT_MAX)
    } catch {
      return []
    }
  }

  add(entry: RecentEntry): void {
    const rest = this.list().filter((e) => !(e.path === entry.path && e.label === entry.label))
    const next = [entry, ...rest].slice(0, RECENT_MAX)
    try {
      mkdirSync(dirname(this.file), { recursive: true })
      writeFileSync(this.file, JSON.stringify(next, null, 2))
    } catch {
      // a read-only home must not break opening snapshots
    }
  }
}
