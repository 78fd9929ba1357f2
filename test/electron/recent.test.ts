import { describe, expect, it, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RECENT_MAX, RecentFileStore, normalizeRecent } from '../../host/recent.ts'
import type { RecentEntry } from '../../contract/index.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bs-recent-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const entry = (path: string, i = 0, label: string | null = null): RecentEntry => ({ path, label, openedAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString() })

describe('RecentFileStore', () => {
  it('reads a missing file as empty', () => {
    expect(new RecentFileStore(join(dir, 'none', 'recent.json')).list()).toEqual([])
  })

  it('reads a corrupt or foreign file as empty, resetting it with a message', () => {
    const f = join(dir, 'recent.json')
    for (const text of ['{not json', '', '{"path":"/x"}', 'null', '42', '"str"']) {
      writeFileSync(f, text)
      const warnings: string[] = []
      const store = new RecentFileStore(f, (m) => warnings.push(m))
      expect(store.list(), text).toEqual([])
      expect(warnings, text).toHaveLength(1)
      expect(warnings[0]).toMatch(new RegExp(`^the recent-files list ${f} was unreadable: (not valid JSON \\(.+\\)|expected a JSON list of \\{path, label, openedAt\\}); it was reset \\(the old copy is ${f}\\.corrupt\\)$`))
      expect(readFileSync(`${f}.corrupt`, 'utf8')).toBe(text)
      expect(existsSync(f)).toBe(false)
      // reported once: the store is empty now, and works
      expect(store.list()).toEqual([])
      store.add(entry('/after'))
      expect(store.list().map((e) => e.path)).toEqual(['/after'])
      expect(warnings).toHaveLength(1)
      rmSync(f)
    }
  })

  it('a binary or truncated store is reset, never thrown', () => {
    const f = join(dir, 'recent.json')
    const good = JSON.stringify([entry('/a'), entry('/b', 1)], null, 2)
    for (const text of [good.slice(0, good.length / 2), '\u0000\u0001\u00ff', good + 'x']) {
      writeFileSync(f, text)
      const warnings: string[] = []
      expect(() => new RecentFileStore(f, (m) => warnings.push(m)).list()).not.toThrow()
      expect(warnings).toHaveLength(1)
    }
    // a throwing warn does not break it either
    writeFileSync(f, '{')
    expect(new RecentFileStore(f, () => { throw new Error('x') }).list()).toEqual([])
  })

  it('writes atomically: a synced temp file renamed over the store; a failed write leaves the old store whole', () => {
    const f = join(dir, 'recent.json')
    const store = new RecentFileStore(f, () => undefined)
    store.add(entry('/a'))
    store.add(entry('/b', 1))
    expect(readdirSync(dir)).toEqual(['recent.json'])
    const before = readFileSync(f, 'utf8')
    // the temp file cannot be created (a folder is in its way): the write fails, the store is untouched
    mkdirSync(`${f}.${process.pid}.tmp`)
    store.add(entry('/c', 2))
    expect(readFileSync(f, 'utf8')).toBe(before)
    expect(store.list().map((e) => e.path)).toEqual(['/b', '/a'])
  })

  it('skips malformed entries and keeps the good ones', () => {
    const f = join(dir, 'recent.json')
    writeFileSync(f, JSON.stringify([null, 1, { path: 5 }, { path: '' , openedAt: 'x' }, { path: '/a', openedAt: 't', label: 7 }, { path: '/b', openedAt: 't' }, { path: '/c', label: 'L', openedAt: 't', extra: 1 }]))
    expect(new RecentFileStore(f).list()).toEqual([{ path: '/b', label: null, openedAt: 't' }, { path: '/c', label: 'L', openedAt: 't' }])
  })

  it('adds newest first and creates the folder', () => {
    const f = join(dir, 'profile', 'recent.json')
    const s = new RecentFileStore(f)
    s.add(entry('/a', 1))
    s.add(entry('/b', 2))
    expect(s.list().map((e) => e.path)).toEqual(['/b', '/a'])
    expect(JSON.parse(readFileSync(f, 'utf8'))).toHaveLength(2)
  })

  it('keeps one entry per path (re-opening moves it to the top with the new label)', () => {
    const s = new RecentFileStore(join(dir, 'recent.json'))
    s.add(entry('/a', 1, 'old'))
    s.add(entry('/b', 2))
    s.add(entry('/a', 3, '02-before'))
    expect(s.list()).toEqual([entry('/a', 3, '02-before'), entry('/b', 2)])
  })

  it(`keeps at most ${RECENT_MAX}`, () => {
    const s = new RecentFileStore(join(dir, 'recent.json'))
    for (let i = 0; i < 25; i++) s.add(entry(`/cap/${i}`, i))
    const list = s.list()
    expect(list).toHaveLength(RECENT_MAX)
    expect(list[0]!.path).toBe('/cap/24')
    expect(list.at(-1)!.path).toBe(`/cap/${25 - RECENT_MAX}`)
  })

  it('a file with too many or duplicate entries is trimmed on read', () => {
    const f = join(dir, 'recent.json')
    writeFileSync(f, JSON.stringify([...Array.from({ length: 15 }, (_, i) => entry(`/p${i % 12}`, i))]))
    const list = new RecentFileStore(f).list()
    expect(list).toHaveLength(RECENT_MAX)
    expect(new Set(list.map((e) => e.path)).size).toBe(RECENT_MAX)
  })

  it('clear() empties it; onChange fires after every change until unsubscribed', () => {
    const s = new RecentFileStore(join(dir, 'recent.json'))
    let calls = 0
    const off = s.onChange(() => calls++)
    s.add(entry('/a'))
    s.clear()
    expect(s.list()).toEqual([])
    expect(calls).toBe(2)
    off()
    s.add(entry('/b'))
    expect(calls).toBe(2)
  })

  it('a failed write (read-only place) does not throw', () => {
    // a path under a regular file can never be created, even as root
    const blocker = join(dir, 'file')
    writeFileSync(blocker, 'x')
    const s = new RecentFileStore(join(blocker, 'sub', 'recent.json'))
    expect(() => s.add(entry('/a'))).not.toThrow()
    expect(s.list()).toEqual([])
  })

  it('normalizeRecent fills a missing label with null', () => {
    expect(normalizeRecent([{ path: '/a', openedAt: 't' } as RecentEntry])).toEqual([{ path: '/a', label: null, openedAt: 't' }])
  })
})
