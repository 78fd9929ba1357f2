/**
 * Recently opened snapshots, one store for every host: a small JSON file (Electron: in userData;
 * `serve`: ~/.config/buddyscope/recent.json), newest first,
 * at most RECENT_MAX entries, one entry per path. A missing or unreadable file reads as an empty
 * list; a corrupt one (not JSON, not a list) is reset: moved aside as `recent.json.corrupt` and
 * reported once through `warn`, never a crash. Writes are atomic (a synced temp file renamed
 * over the store), and a failed write never breaks opening a snapshot.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
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

/** Where a store's messages go by default: one line on stderr. */
const stderrWarn = (message: string): void => {
  process.stderr.write(`buddyscope: ${message}\n`)
}

export class RecentFileStore implements RecentStore {
  private readonly listeners = new Set<() => void>()

  /** `warn` hears of a corrupt store being reset (default: one line on stderr). */
  constructor(readonly file: string, private readonly warn: (message: string) => void = stderrWarn) {}

  /** $XDG_CONFIG_HOME/buddyscope/recent.json, else ~/.config/buddyscope/recent.json (browser mode) */
  static inConfigDir(env: Record<string, string | undefined> = process.env, warn?: (message: string) => void): RecentFileStore {
    const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config')
    return new RecentFileStore(join(base, 'buddyscope', RECENT_FILE_NAME), warn)
  }

  list(): RecentEntry[] {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch {
      return [] // missing or unreadable: nothing recent
    }
    let raw: unknown
    let why: string | null = null
    try {
      raw = JSON.parse(text)
      if (!Array.isArray(raw)) why = 'expected a JSON list of {path, label, openedAt}'
    } catch (e) {
      why = `not valid JSON (${e instanceof Error ? e.message : String(e)})`
    }
    if (why !== null) {
      this.reset(why)
      return []
    }
    return normalizeRecent((raw as unknown[]).filter(isEntry))
  }

  /** Move a corrupt store aside (kept for the curious) and start again with an empty list. */
  private reset(why: string): void {
    const aside = `${this.file}.corrupt`
    let kept = true
    try {
      renameSync(this.file, aside)
    } catch {
      kept = false
      try {
        rmSync(this.file, { force: true })
      } catch {
        // read-only profile: the next list() will say it again
      }
    }
    try {
      this.warn(`the recent-files list ${this.file} was unreadable: ${why}; it was reset${kept ? ` (the old copy is ${aside})` : ''}`)
    } catch {
      // a broken warn must not break opening snapshots
    }
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
      const fd = openSync(tmp, 'w', 0o600)
      try {
        writeSync(fd, JSON.stringify(entries, null, 2) + '\n')
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
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
