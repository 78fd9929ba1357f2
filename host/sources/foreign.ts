/**
 * Captures other tools made, opened as snapshots or series (the engine's importers turn each
 * into the /proc files it was read from; the usual parsers, findings and synthesized layout
 * follow):
 * - a node_exporter scrape (text exposition format, `node_buddyinfo_blocks`): one capture;
 * - the JSON of a Prometheus range query (/api/v1/query_range): a series, one capture per step;
 * - mmtests monitor logs (proc-buddyinfo-*, proc-pagetypeinfo-*, proc-vmstat-*, …): a series,
 *   one capture per buddyinfo read; the path is the logs folder or one of the logs;
 * - the text of crash `kmem -f` / `kmem -z` or drgn-tools' buddyinfo helper: one capture.
 * A sosreport is a capture folder with extras (sosreport.ts). Files may be gzip-compressed.
 * Errors name the file and the line (ParseError) or the file (SnapshotError).
 */
import { open, readFile, readdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import {
  captureFromScrape, seriesFromRangeQuery, looksLikeExposition, looksLikeRangeQuery, splitStamped, pairMonitorBlocks, mmtestsLogName,
  looksLikeVmcoreText, parseVmcoreText, type PromCapture,
} from '../../engine/index.ts'
import { SnapshotError, ioReason } from './snapshot_error.ts'
import { MANIFEST_FORMAT, lineColumn, locateJsonError, type Manifest } from './snapshot_manifest.ts'

export interface ForeignCapture {
  label: string
  texts: Record<string, { text: string; display: string }>
  manifest: Manifest
}

export interface ForeignImport {
  /** what the input was, in words */
  format: 'node_exporter scrape' | 'Prometheus range query' | 'mmtests monitor logs' | 'crash/drgn text'
  kind: 'file' | 'directory'
  captures: ForeignCapture[]
  /** several captures over time (openSeries lists them) */
  series: boolean
}

const TEXT_MAX = 256 * 1024 * 1024
const HEAD = 64 * 1024

async function readAll(path: string): Promise<string> {
  let raw: Buffer
  try {
    raw = await readFile(path)
  } catch (err) {
    throw new SnapshotError(path, `${path}: cannot read (${ioReason(err)})`)
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: TEXT_MAX })
    } catch (err) {
      throw new SnapshotError(path, `${path}: the gzip data is corrupt or too large (${err instanceof Error ? err.message : String(err)})`)
    }
  }
  return raw.toString('utf8')
}

/** The start of a file (the whole text when gzip-compressed: such files are small). */
async function readStart(path: string): Promise<string> {
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw new SnapshotError(path, `${path}: cannot read (${ioReason(err)})`)
  })
  try {
    const buf = Buffer.alloc(HEAD)
    const { bytesRead } = await fh.read(buf, 0, HEAD, 0)
    const head = buf.subarray(0, bytesRead)
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return (await readAll(path)).slice(0, HEAD)
    return head.toString('utf8')
  } finally {
    await fh.close()
  }
}

const isoOf = (sec: number): string => new Date(Math.round(sec * 1000)).toISOString().replace(/\.000Z$/, 'Z')
const pad2 = (i: number, n: number): string => String(i + 1).padStart(Math.max(2, String(n).length), '0')

const NO_PAGE_FLAGS = { path: '/proc/kpageflags', reason: 'not in this kind of input: the page layout is synthesized (seeded) from the free-block counts' }

function promCapture(c: PromCapture, label: string, display: string, tool: string): ForeignCapture {
  const texts: ForeignCapture['texts'] = {}
  for (const [name, text] of Object.entries(c.texts)) texts[name] = { text, display: `${display} (${name})` }
  const manifest: Manifest = {
    format: MANIFEST_FORMAT, version: 2, tool,
    ...(c.hostname ? { hostname: c.hostname } : {}), ...(c.kernelRelease ? { kernelRelease: c.kernelRelease } : {}), ...(c.arch ? { arch: c.arch } : {}),
    ...(c.time !== null ? { captureTime: isoOf(c.time) } : {}), ...(c.uptime !== null ? { uptime: c.uptime } : {}),
    skipped: [
      NO_PAGE_FLAGS,
      { path: '/proc/pagetypeinfo', reason: 'node_exporter has no pagetypeinfo collector: free lists per migratetype and pageblock types are synthesized' },
      { path: '/proc/zoneinfo', reason: 'node_exporter\'s zoneinfo collector is not read: watermarks are computed from min_free_kbytes' },
    ],
  }
  return { label, texts, manifest }
}

async function importMmtests(path: string, files: string[], dir: string, run: string): Promise<ForeignImport> {
  const logs: Array<{ name: string; file: string; blocks: ReturnType<typeof splitStamped> }> = []
  for (const f of files.sort()) {
    const n = mmtestsLogName(f)
    if (!n || n.run !== run) continue
    const p = join(dir, f)
    logs.push({ name: n.file, file: p, blocks: splitStamped(await readAll(p), p) })
  }
  const paired = pairMonitorBlocks(logs)
  const captures = paired.map((c, i): ForeignCapture => {
    const texts: ForeignCapture['texts'] = {}
    for (const [name, b] of Object.entries(c.files)) texts[name] = { text: b.text, display: `${b.file} (block at line ${b.line})` }
    return {
      label: `${pad2(i, paired.length)}-${isoOf(c.time)}`,
      texts,
      manifest: { format: MANIFEST_FORMAT, version: 2, tool: `mmtests monitors (${logs.map((l) => l.name).join(', ')})`, captureTime: isoOf(c.time), skipped: [NO_PAGE_FLAGS] },
    }
  })
  return { format: 'mmtests monitor logs', kind: 'directory', captures, series: true }
}

/**
 * The import of `path` when it is one of the foreign formats, else null (the caller opens it
 * as a capture folder, bundle or /proc file). `kind` is what classify() found.
 */
export async function importForeign(path: string, kind: 'dir' | 'file'): Promise<ForeignImport | null> {
  if (kind === 'dir') {
    let names: string[]
    try {
      names = await readdir(path)
    } catch {
      return null
    }
    const runs = new Set<string>()
    for (const n of names) {
      const m = mmtestsLogName(n)
      if (m) runs.add(m.run)
    }
    if (runs.size === 0) return null
    // a folder of /proc files named the usual way is a capture, not an mmtests logs folder
    if (names.some((n) => /^(buddyinfo|pagetypeinfo|zoneinfo)(\.gz)?$/.test(n))) return null
    if (runs.size > 1) {
      const list = [...runs].sort()
      const ex = names.find((n) => mmtestsLogName(n)?.file === 'buddyinfo' && mmtestsLogName(n)?.run === list[0]) ?? names[0]
      throw new SnapshotError(path, `${path}: holds the mmtests monitor logs of ${runs.size} runs (${list.join(', ')}); open one of its logs, e.g. ${join(path, ex ?? '')}, to read that run`)
    }
    return importMmtests(path, names, path, [...runs][0] as string)
  }
  const base = basename(path)
  const mm = mmtestsLogName(base)
  if (mm) {
    const dir = dirname(path)
    const names = await readdir(dir).catch(() => [base])
    const res = await importMmtests(path, names, dir, mm.run)
    return { ...res, kind: 'file' }
  }
  let head: string
  try {
    if (!(await stat(path)).isFile()) return null
    head = await readStart(path)
  } catch (err) {
    if (err instanceof SnapshotError) throw err
    return null
  }
  if (looksLikeRangeQuery(head)) {
    const json = await readAll(path)
    try {
      JSON.parse(json)
    } catch {
      const at = locateJsonError(json)
      const lc = at ? lineColumn(json, at.offset) : null
      throw new SnapshotError(path, `${path}${lc ? `:${lc.line}:${lc.column}` : ''}: expected the JSON of a Prometheus range query (/api/v1/query_range)${at ? `, found ${at.problem}` : ''}`)
    }
    const s = seriesFromRangeQuery(json, path)
    const tool = `Prometheus range query${s.instance ? ` (instance ${s.instance})` : ''}`
    const captures = s.captures.map((c, i) => promCapture(c.capture, `${pad2(i, s.captures.length)}-${isoOf(c.time)}`, `${path} @${c.time}`, tool))
    return { format: 'Prometheus range query', kind: 'file', captures, series: true }
  }
  if (looksLikeVmcoreText(head)) {
    const v = parseVmcoreText(await readAll(path), path)
    const texts: ForeignCapture['texts'] = {}
    for (const [name, text] of Object.entries(v.texts)) texts[name] = { text, display: `${path} (${name} from ${v.found.join(' + ')})` }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT, version: 2, tool: `vmcore text: ${v.found.join(', ')}`,
      skipped: [NO_PAGE_FLAGS, { path: '/proc/pagetypeinfo', reason: 'not in kmem -f/-z output: free lists per migratetype and pageblock types are synthesized' }],
    }
    return { format: 'crash/drgn text', kind: 'file', captures: [{ label: 'vmcore', texts, manifest }], series: false }
  }
  if (looksLikeExposition(head) && /node_buddyinfo_blocks|^# (HELP|TYPE) /m.test(head)) {
    const text = await readAll(path)
    if (!/^node_buddyinfo_blocks/m.test(text) && !/^# (HELP|TYPE) node_/m.test(text)) return null
    return { format: 'node_exporter scrape', kind: 'file', captures: [promCapture(captureFromScrape(text, path), 'scrape', path, 'node_exporter scrape')], series: false }
  }
  return null
}
