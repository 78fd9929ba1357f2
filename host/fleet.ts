/**
 * The fleet view: one row per capture, for thousands of captures (`buddyscope fleet`). A row is
 * the same JSON whichever host computes it, so a bigger fleet runs `fleetRow` as the map step of
 * an existing batch engine (docs/fleet.md).
 *
 * - With kpageflags the exact layout is built: the 2 MiB … 1 GiB ranges that hold only free or
 *   movable pages, the mixed pageblocks, the unmovable spread, every finding.
 * - Without it (summary-only: buddyinfo, pagetypeinfo, zoneinfo …) no layout is synthesized: the
 *   row says what the summaries say (free memory in ≥ 2 MiB blocks, the fragmentation score, the
 *   share of pageblocks typed Unmovable) and leaves page-level columns null, and its findings
 *   are the capture's consistency findings. This keeps 10,000 captures within a minute.
 *
 * A capture that cannot be read becomes a row with its error; it never stops the run.
 */
import { readFile, readdir, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import {
  parseCapture, captureFindings, fragmentationScoreNode, contiguityPotential, unmovableSpread, nodeScores, parseUptime,
  type Capture,
} from '../engine/index.ts'
import { BINARY_FILES } from './sources/snapshot_source.ts'
import { loadSnapshot } from './load.ts'
import { OpenedPath, withOpened, type SnapshotRef } from './snapshot.ts'

export interface FleetRow {
  path: string
  /** the capture of a series the row is about (its default one), or null */
  label: string | null
  host: string | null
  kernel: string | null
  arch: string | null
  captureTime: string | null
  uptimeSeconds: number | null
  /** exact: from kpageflags; summary: from the summary files only */
  layout: 'exact' | 'summary' | null
  memoryBytes: number | null
  freeBytes: number | null
  /** free memory in blocks of 2 MiB or more */
  freeGe2MiBBytes: number | null
  /** naturally aligned ranges with only free or movable pages (exact layouts only) */
  clean2MiB: number | null
  ranges2MiB: number | null
  clean1GiB: number | null
  ranges1GiB: number | null
  /** the worst node's proactive-compaction fragmentation score (0..100) */
  fragmentationScore: number | null
  /** pageblocks holding a page of another mobility than the block's type / all pageblocks (exact only) */
  mixedBlockShare: number | null
  /** unmovable pages / present pages (exact only) */
  unmovableMemoryShare: number | null
  /** pageblocks with an unmovable page (exact), else pageblocks typed Unmovable (pagetypeinfo) / all */
  unmovableBlockShare: number | null
  /** the page_owner stack with the most unmovable pages in movable blocks; null: page_owner not captured */
  topPolluter: string | null
  findings: number | null
  warnings: number | null
  error: string | null
}

export const FLEET_COLUMNS: ReadonlyArray<keyof FleetRow> = [
  'path', 'label', 'host', 'kernel', 'arch', 'captureTime', 'uptimeSeconds', 'layout', 'memoryBytes', 'freeBytes', 'freeGe2MiBBytes',
  'clean2MiB', 'ranges2MiB', 'clean1GiB', 'ranges1GiB', 'fragmentationScore', 'mixedBlockShare', 'unmovableMemoryShare', 'unmovableBlockShare',
  'topPolluter', 'findings', 'warnings', 'error',
]

/** A row with every column null (an error row once `error` is set). */
export function emptyRow(path: string): FleetRow {
  return {
    path, label: null, host: null, kernel: null, arch: null, captureTime: null, uptimeSeconds: null, layout: null, memoryBytes: null, freeBytes: null,
    freeGe2MiBBytes: null, clean2MiB: null, ranges2MiB: null, clean1GiB: null, ranges1GiB: null, fragmentationScore: null, mixedBlockShare: null,
    unmovableMemoryShare: null, unmovableBlockShare: null, topPolluter: null, findings: null, warnings: null, error: null,
  }
}

const MiB2 = 2 << 20

/** Free bytes in blocks of ≥ 2 MiB, and all free bytes, from the captured free areas. */
function freeFromCapture(c: Capture): { free: number; ge2: number } | null {
  const ps = c.machine.pageSize
  const rows = c.buddyinfo?.rows.map((r) => r.nrFree)
    ?? (c.pagetypeinfo ? [...groupFree(c)] : null)
  if (!rows) return null
  let free = 0
  let ge2 = 0
  for (const nr of rows) {
    nr.forEach((n, o) => {
      const bytes = n * 2 ** o * ps
      free += bytes
      if (2 ** o * ps >= MiB2) ge2 += bytes
    })
  }
  return { free, ge2 }
}

function* groupFree(c: Capture): Generator<number[]> {
  const by = new Map<string, number[]>()
  for (const r of c.pagetypeinfo?.free ?? []) {
    const k = `${r.node}/${r.zone}`
    const acc = by.get(k) ?? new Array<number>(r.counts.length).fill(0)
    r.counts.forEach((n, o) => { acc[o] = (acc[o] ?? 0) + n })
    by.set(k, acc)
  }
  yield* by.values()
}

/** The proactive-compaction score per node from the summaries: zone present pages from zoneinfo, else from pagetypeinfo's pageblock counts, else the free pages. */
function scoreFromCapture(c: Capture): number | null {
  const rows = c.buddyinfo?.rows
  if (!rows || rows.length === 0) return null
  const pb = 2 ** c.machine.pageblockOrder
  const zones = rows.map((r) => {
    const zi = c.zoneinfo?.zones.find((z) => z.node === r.node && z.zone === r.zone)
    const blocks = c.pagetypeinfo?.blocks.find((b) => b.node === r.node && b.zone === r.zone)
    const present = zi?.present ?? (blocks ? blocks.counts.reduce((s, n) => s + n, 0) * pb : r.nrFree.reduce((s, n, o) => s + n * 2 ** o, 0))
    return { node: r.node, present, nrFree: r.nrFree }
  })
  const nodes = [...new Set(zones.map((z) => z.node))]
  return Math.max(...nodes.map((n) => fragmentationScoreNode(zones, n, c.machine.hpageOrder)))
}

function unmovableBlocksFromCapture(c: Capture): number | null {
  const p = c.pagetypeinfo
  if (!p) return null
  const i = p.migratetypes.indexOf('Unmovable')
  let all = 0
  let un = 0
  for (const b of p.blocks) {
    all += b.counts.reduce((s, n) => s + n, 0)
    un += i >= 0 ? (b.counts[i] ?? 0) : 0
  }
  return all ? un / all : null
}

/** One capture's row; errors become the row's `error`. */
export async function fleetRow(ref: SnapshotRef): Promise<FleetRow> {
  const path = typeof ref === 'string' ? ref : ref.path
  const row = emptyRow(path)
  try {
    await withOpened(ref, async (o) => {
      const src = await o.capture()
      let capture: Capture
      let hasFlags: boolean
      try {
        row.label = src.label
        hasFlags = src.has('kpageflags')
        const texts: Record<string, string> = {}
        for (const name of src.files) if (!BINARY_FILES.has(name)) texts[name] = await src.readText(name)
        const m = src.manifest
        capture = parseCapture({
          source: path, label: src.label, texts, binaries: src.files.filter((f) => BINARY_FILES.has(f)), describe: (n) => src.describe(n),
          manifest: m ? { hostname: m.hostname, kernelRelease: m.kernelRelease, arch: m.arch, pageSize: m.pageSize, captureTime: m.captureTime } : null,
        })
        row.uptimeSeconds = texts['uptime'] ? parseUptime(texts['uptime'], src.describe('uptime')) : (m?.uptime ?? null)
      } finally {
        await src.close()
      }
      const mi = capture.machine
      row.host = mi.hostname
      row.kernel = mi.kernelRelease
      row.arch = mi.arch
      row.captureTime = mi.captureTime
      const free = freeFromCapture(capture)
      row.freeBytes = free?.free ?? null
      row.freeGe2MiBBytes = free?.ge2 ?? null
      const total = capture.zoneinfo?.zones.reduce((s, z) => s + z.managed, 0)
      row.memoryBytes = total ? total * mi.pageSize : capture.meminfo?.values['MemTotal'] !== undefined ? (capture.meminfo.values['MemTotal'] as number) * 1024 : null
      if (!hasFlags) {
        row.layout = 'summary'
        row.fragmentationScore = scoreFromCapture(capture)
        row.unmovableBlockShare = unmovableBlocksFromCapture(capture)
        const f = captureFindings(capture)
        row.findings = f.length
        row.warnings = f.filter((x) => x.severity !== 'info').length
        return
      }
      const s = await loadSnapshot(o, { layout: 'exact' })
      row.layout = 'exact'
      const [r2, r1] = contiguityPotential(s.model, mi.pageSize, [MiB2, 1 << 30])
      row.clean2MiB = r2?.clean ?? null
      row.ranges2MiB = r2?.total ?? null
      row.clean1GiB = r1?.clean ?? null
      row.ranges1GiB = r1?.total ?? null
      row.fragmentationScore = Math.max(...Object.values(nodeScores(s.model, mi.hpageOrder)))
      let blocks = 0
      let mixed = 0
      for (const z of s.zones) {
        blocks += Object.values(z.pageblocks).reduce((a, n) => a + n, 0)
        mixed += Object.values(z.mixedPageblocks).reduce((a, n) => a + n, 0)
      }
      row.mixedBlockShare = blocks ? mixed / blocks : null
      const u = unmovableSpread(s.model)
      row.unmovableMemoryShare = u.memoryShare
      row.unmovableBlockShare = u.blocksShare
      row.findings = s.findings.length
      row.warnings = s.findings.filter((x) => x.severity !== 'info').length
    })
  } catch (e) {
    row.error = e instanceof Error ? e.message : String(e)
  }
  return row
}

// ---------------------------------------------------------------------------------------------
// Inputs: a folder of captures, a glob, or a list file

export class FleetInputError extends Error {}

function globToRegExp(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const end = pattern.indexOf(']', i)
      if (end < 0) re += '\\['
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

async function expandGlob(pattern: string): Promise<string[]> {
  const abs = isAbsolute(pattern)
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0)
  let bases = [abs ? '/' : '.']
  for (const part of parts) {
    if (part === '') continue
    const next: string[] = []
    if (!/[*?[]/.test(part)) {
      for (const b of bases) next.push(b === '.' && !abs ? part : join(b, part))
    } else {
      const re = globToRegExp(part)
      for (const b of bases) {
        const names = await readdir(b).catch(() => [] as string[])
        for (const n of names.sort()) if (re.test(n) && !n.startsWith('.')) next.push(b === '.' && !abs ? n : join(b, n))
      }
    }
    bases = next
  }
  const out: string[] = []
  for (const b of bases) if (await stat(b).then(() => true, () => false)) out.push(b)
  return out
}

/**
 * The captures a fleet argument names: a folder whose entries are captures (folders, bundles,
 * files; a folder that is itself one capture or series is one row), a glob (`*`, `?`, `[…]` in
 * any path segment; quote it), or a list file (one path per line, `#` comments, relative paths
 * from the list's folder), or `-`: paths on standard input, one a line.
 */
export async function fleetInputs(arg: string, stdin: () => Promise<string> = readStdin): Promise<string[]> {
  if (arg === '-') {
    // paths on standard input, one a line: the map step of a batch engine (Spark's RDD.pipe)
    const lines = (await stdin()).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    return lines
  }
  if (/[*?[]/.test(arg) && !(await stat(arg).then(() => true, () => false))) {
    const list = await expandGlob(arg)
    if (list.length === 0) throw new FleetInputError(`${arg}: the pattern matches nothing`)
    return list
  }
  let st
  try {
    st = await stat(arg)
  } catch {
    throw new FleetInputError(`${arg}: no such file or directory (expected a folder of captures, a glob such as 'captures/*.tar.gz', or a list file of paths)`)
  }
  if (st.isDirectory()) {
    // a folder that is one capture (or a series) is a fleet of one
    const o = new OpenedPath(arg)
    try {
      const own = await o.capture().then(async (s) => { await s.close(); return true }, () => false)
      if (own) return [arg]
    } finally {
      await o.close()
    }
    // notes beside the captures (README.md, GENERATED.md) are not captures
    const names = (await readdir(arg)).filter((n) => !n.startsWith('.') && !/\.(md|txt\.md)$/i.test(n)).sort()
    if (names.length === 0) throw new FleetInputError(`${arg}: the folder is empty (expected captures: folders, .tar.gz bundles, or other tools' files)`)
    return names.map((n) => join(arg, n))
  }
  // a list file: every non-comment line is a path that exists
  const text = (await readFile(arg, 'utf8').catch(() => ''))
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  if (lines.length > 0 && lines.length < 10_000_000) {
    const first = lines[0] as string
    const p0 = isAbsolute(first) ? first : resolve(dirname(arg), first)
    if (!first.includes('\0') && await stat(p0).then(() => true, () => false)) {
      return lines.map((l) => (isAbsolute(l) ? l : join(dirname(arg), l)))
    }
  }
  return [arg]
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

// ---------------------------------------------------------------------------------------------
// Output

function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function fleetCsvHeader(): string {
  return FLEET_COLUMNS.join(',') + '\n'
}

export function fleetCsvRow(r: FleetRow): string {
  return FLEET_COLUMNS.map((k) => cell(r[k])).join(',') + '\n'
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)
const gib = (b: number | null): string => (b === null ? '—' : `${(b / 2 ** 30).toFixed(2)} GiB`)

/** One row as a line of the text table. */
export function fleetTextRow(r: FleetRow): string {
  if (r.error) return `${basename(r.path)}  ERROR  ${r.error}\n`
  const pot = r.clean1GiB === null ? 'n/a (no kpageflags)' : `${r.clean1GiB}/${r.ranges1GiB} × 1 GiB, ${r.clean2MiB}/${r.ranges2MiB} × 2 MiB`
  const spread = r.unmovableMemoryShare === null ? `Unmovable pageblocks ${pct(r.unmovableBlockShare)}` : `unmovable ${pct(r.unmovableMemoryShare)} of memory in ${pct(r.unmovableBlockShare)} of blocks`
  return `${r.host ?? basename(r.path)}${r.label ? ` [${r.label}]` : ''}  ${r.kernel ?? 'kernel ?'}  up ${r.uptimeSeconds === null ? '?' : `${Math.round(r.uptimeSeconds)} s`}  ` +
    `free ≥2 MiB ${gib(r.freeGe2MiBBytes)} of ${gib(r.freeBytes)}  clean ${pot}  score ${r.fragmentationScore ?? '—'}  mixed ${pct(r.mixedBlockShare)}  ${spread}  findings ${r.findings ?? '—'} (${r.warnings ?? 0} warnings)  [${r.layout}] ${r.path}\n`
}

// ---------------------------------------------------------------------------------------------
// Running: a worker pool across the cores, rows streamed in input order

export interface FleetRunOptions {
  /** worker threads (default: the CPUs); 0 runs every row on this thread */
  workers?: number
  /** a row as soon as it and every row before it are done */
  onRow: (row: FleetRow, index: number) => void
}

/** Rows of every path, in input order; failures are rows with `error`. Resolves with the row count. */
export async function runFleet(paths: string[], opts: FleetRunOptions): Promise<{ rows: number; errors: number }> {
  const workers = opts.workers ?? (await import('node:os')).availableParallelism()
  let errors = 0
  const emit = (r: FleetRow, i: number): void => {
    if (r.error) errors++
    opts.onRow(r, i)
  }
  if (workers <= 0) {
    for (const [i, p] of paths.entries()) emit(await fleetRow(p), i)
    return { rows: paths.length, errors }
  }
  const { EnginePool, TSX_WORKER } = await import('./workers/pool.ts')
  const pool = new EnginePool(TSX_WORKER, { minThreads: workers, maxThreads: workers })
  // batches: one message per batch, not per capture; a few batches per worker in flight
  const batch = Math.max(1, Math.min(64, Math.ceil(paths.length / (workers * 8))))
  const batches: Array<{ start: number; paths: string[] }> = []
  for (let i = 0; i < paths.length; i += batch) batches.push({ start: i, paths: paths.slice(i, i + batch) })
  try {
    const window = workers * 3
    const done = new Map<number, FleetRow[]>()
    let nextOut = 0
    let nextIn = 0
    await new Promise<void>((resolveAll) => {
      const flush = (): void => {
        while (done.has(nextOut)) {
          const b = batches[nextOut] as { start: number }
          ;(done.get(nextOut) as FleetRow[]).forEach((r, j) => emit(r, b.start + j))
          done.delete(nextOut)
          nextOut++
        }
        if (nextOut === batches.length) resolveAll()
      }
      const start = (): void => {
        while (nextIn < batches.length && nextIn - nextOut < window) {
          const k = nextIn++
          const b = batches[k] as { start: number; paths: string[] }
          pool.run({ kind: 'fleet-rows', target: { path: b.paths[0] as string, layout: 'auto', seed: 1 }, paths: b.paths }).then(
            (rows) => done.set(k, rows),
            (e: unknown) => {
              const msg = e instanceof Error ? e.message : String((e as { message?: string })?.message ?? e)
              done.set(k, b.paths.map((p) => ({ ...emptyRow(p), error: `the worker failed on this batch: ${msg}` })))
            },
          ).finally(() => {
            flush()
            start()
          })
        }
        if (batches.length === 0) resolveAll()
      }
      start()
    })
  } finally {
    await pool.destroy()
  }
  return { rows: paths.length, errors }
}
