/**
 * Recently opened snapshots, one store for every host: a small JSON file (Electron: in userData;
 * `serve`: ~/.config/buddyscope/recent.json), newest first,
 * at most RECENT_MAX entries, one entry per path. A missing, unreadable or corrupt file reads
 * as an empty list, and a failed write never breaks opening a snapshot.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { RecentEntry } from '../contract/dto.ts'
import type { RecentStore } from './deps.ts'

export const RECENT_MAX = 10
export const RECENT_FILE_NAME = 'recent.json'

function isEntry(e: unknown): e is RecentEntry {
  if (typeof e !== 'object' || e === null) return false
  const r = e as Record<string, unknown>
  return typeof r['path'] === 'string' && r['path'] !== '' && typeof r['openedAt'] === 'string'
    && (r['label'] === null || r['label'] === undefined || typeof r['label'] === 'string')
}

/** Newest first, one entry per path, at most RECENT_MAX. */
export function normalizeRecent(entries: readonly RecentEntry[]): RecentEntry[] {
  const seen = new Set<string>()
  const out: RecentEntry[] = []
  for (const e of entries) {
    if (seen.has(e.path)) continue
    seen.add(e.path)
    out.push({ path: e.path, label: e.label ?? null, openedAt: e.openedAt })
    if (out.length === RECENT_MAX) break
  }
  return out
}

export class RecentFileStore implements RecentStore {
  private readonly listeners = new Set<() => void>()

  constructor(readonly file: string) {}

  /** $XDG_CONFIG_HOME/buddyscope/recent.json, else ~/.config/buddyscope/recent.json (browser mode) */
  static inConfigDir(env: Record<string, string | undefined> = process.env): RecentFileStore {
    const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config')
    return new RecentFileStore(join(base, 'buddyscope', RECENT_FILE_NAME))
  }

  list(): RecentEntry[] {
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'))
    } catch {
      return []
    }
    if (!Array.isArray(raw)) return []
    return normalizeRecent(raw.filter(isEntry))
  }

  add(entry: RecentEntry): void {
    this.write(normalizeRecent([entry, ...this.list()]))
  }

  clear(): void {
    this.write([])
  }

  /** Called after every change (the File › Open Recent menu rebuilds itself). Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private write(entries: RecentEntry[]): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true })
      const tmp = `${this.file}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify(entries, null, 2) + '\n')
      renameSync(tmp, this.file)
    } catch {
      // a read-only profile must not break opening snapshots
    }
    for (const l of this.listeners) {
      try {
        l()
      } catch {
        // one broken listener must not stop the others
      }
    }
  }
}
