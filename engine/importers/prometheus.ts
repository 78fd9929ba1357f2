/**
 * Prometheus / node_exporter: the text exposition format of a scrape (`/metrics`) and the JSON
 * of a range query (`/api/v1/query_range`), turned into the /proc files they were read from.
 *
 * node_exporter's buddyinfo collector reads /proc/buddyinfo (the kernel's frag_show_print in
 * mm/vmstat.c) into `node_buddyinfo_blocks{node,zone,size}` where `size` is the order; the
 * vmstat collector gives `node_vmstat_<counter>` and the meminfo collector
 * `node_memory_<Key>[_bytes]` (kB values times 1024; `(anon)`/`(file)` become `_anon`/`_file`).
 * `node_uname_info` carries the host name, kernel release and machine. From these the importer
 * writes buddyinfo, vmstat and meminfo text in the kernel's formats, so the usual parsers and
 * the synthesized layout take over; every error names the file and line (or JSON position).
 */
import { ParseError, type Buddyinfo } from '../procfs/types.ts'
import { formatBuddyinfo } from '../procfs/buddyinfo.ts'
import { requireText, splitLines } from '../procfs/text.ts'

export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
  /** milliseconds since the epoch, when the line carries one */
  timestampMs: number | null
  line: number
}

/** What a set of samples of one host at one time says, as /proc-format text. */
export interface PromCapture {
  /** canonical capture file name → text */
  texts: Record<string, string>
  hostname: string | null
  kernelRelease: string | null
  arch: string | null
  /** seconds since the epoch: node_time_seconds, else the samples' time */
  time: number | null
  /** seconds since boot: node_time_seconds - node_boot_time_seconds */
  uptime: number | null
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/

function parseValue(tok: string, file: string, line: number, raw: string): number {
  if (tok === 'NaN') return NaN
  if (tok === '+Inf' || tok === 'Inf') return Infinity
  if (tok === '-Inf') return -Infinity
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(tok)) throw new ParseError(file, line, 'a sample value (a float such as 12, 2.5e+06, NaN or +Inf)', raw)
  return Number(tok)
}

/** Parse a scrape in the text exposition format (version 0.0.4). Comments and HELP/TYPE lines are skipped. */
export function parseExposition(text: string, file = 'metrics'): PromSample[] {
  requireText(text, file)
  const out: PromSample[] = []
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    if (t === '' || t.startsWith('#')) continue
    const nm = NAME.exec(t)
    if (nm === null) throw new ParseError(file, no, 'a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at the start of a sample line', raw)
    const name = nm[0]
    let pos = name.length
    const labels: Record<string, string> = {}
    if (t[pos] === '{') {
      pos++
      for (;;) {
        while (t[pos] === ' ' || t[pos] === ',') pos++
        if (t[pos] === '}') {
          pos++
          break
        }
        const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(t.slice(pos))
        if (ln === null || t[pos + ln[0].length] !== '=' || t[pos + ln[0].length + 1] !== '"') {
          throw new ParseError(file, no, 'a label as name="value" inside {…}', raw)
        }
        pos += ln[0].length + 2
        let v = ''
        for (;;) {
          const c = t[pos]
          if (c === undefined) throw new ParseError(file, no, `a closing quote after the value of label ${ln[0]}`, raw)
          pos++
          if (c === '"') break
          if (c === '\\') {
            const e = t[pos++]
            v += e === 'n' ? '\n' : (e ?? '')
          } else {
            v += c
          }
        }
        labels[ln[0]] = v
      }
    }
    const rest = t.slice(pos).trim().split(/\s+/)
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new ParseError(file, no, 'a value (and optionally a timestamp in ms) after the metric', raw)
    const value = parseValue(rest[0] as string, file, no, raw)
    let timestampMs: number | null = null
    if (rest.length === 2) {
      if (!/^-?\d+$/.test(rest[1] as string)) throw new ParseError(file, no, 'a timestamp in milliseconds (an integer) after the value', raw)
      timestampMs = Number(rest[1])
    }
    out.push({ name, labels, value, timestampMs, line: no })
  }
  return out
}

/** The kernel's zone order (enum zone_type), so buddyinfo rows come out as the kernel prints them. */
const ZONE_ORDER = ['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device']

function zoneRank(z: string): number {
  const i = ZONE_ORDER.indexOf(z)
  return i < 0 ? ZONE_ORDER.length : i
}

/** /proc/meminfo keys that node_exporter's meminfo collector renamed (parentheses → underscore). */
const MEMINFO_RENAMED: Record<string, string> = {
  Active_anon: 'Active(anon)', Inactive_anon: 'Inactive(anon)', Active_file: 'Active(file)', Inactive_file: 'Inactive(file)',
}

export interface SampleLike {
  name: string
  labels: Record<string, string>
  value: number
  /** where the sample came from, for messages */
  where: string
}

/** Samples of one host at one time → the /proc files they came from. Null when there is no node_buddyinfo_blocks at all. */
export function captureFromSamples(samples: SampleLike[], file: string): PromCapture | null {
  const zones = new Map<string, { node: number; zone: string; orders: Map<number, number> }>()
  const vmstat: string[] = []
  const meminfo: string[] = []
  let hostname: string | null = null
  let kernelRelease: string | null = null
  let arch: string | null = null
  let time: number | null = null
  let boot: number | null = null
  for (const s of samples) {
    if (s.name === 'node_buddyinfo_blocks') {
      const { node, zone, size } = s.labels
      if (node === undefined || zone === undefined || size === undefined || !/^\d+$/.test(node) || !/^\d+$/.test(size)) {
        throw new ParseError(s.where, null, 'node_buddyinfo_blocks with the labels node (a number), zone and size (the order)', JSON.stringify(s.labels))
      }
      if (!Number.isInteger(s.value) || s.value < 0) throw new ParseError(s.where, null, 'a whole, non-negative count of free blocks', String(s.value))
      const key = `${node}/${zone}`
      let z = zones.get(key)
      if (!z) zones.set(key, (z = { node: Number(node), zone, orders: new Map() }))
      z.orders.set(Number(size), s.value)
    } else if (s.name.startsWith('node_vmstat_')) {
      if (Number.isFinite(s.value)) vmstat.push(`${s.name.slice('node_vmstat_'.length)} ${Math.round(s.value)}`)
    } else if (s.name.startsWith('node_memory_')) {
      if (!Number.isFinite(s.value)) continue
      const m = /^node_memory_(.+?)(_bytes)?$/.exec(s.name) as RegExpExecArray
      const key = MEMINFO_RENAMED[m[1] as string] ?? (m[1] as string)
      meminfo.push(m[2] ? `${key}: ${Math.round(s.value / 1024)} kB` : `${key}: ${Math.round(s.value)}`)
    } else if (s.name === 'node_uname_info') {
      hostname = s.labels['nodename'] ?? hostname
      kernelRelease = s.labels['release'] ?? kernelRelease
      arch = s.labels['machine'] ?? arch
    } else if (s.name === 'node_time_seconds') {
      time = s.value
    } else if (s.name === 'node_boot_time_seconds') {
      boot = s.value
    }
  }
  if (zones.size === 0) return null
  const sorted = [...zones.values()].sort((a, b) => a.node - b.node || zoneRank(a.zone) - zoneRank(b.zone) || (a.zone < b.zone ? -1 : 1))
  const nrOrders = Math.max(...sorted.map((z) => Math.max(...z.orders.keys()) + 1))
  for (const z of sorted) {
    for (let o = 0; o < nrOrders; o++) {
      if (!z.orders.has(o)) throw new ParseError(file, null, `node_buddyinfo_blocks for every order 0..${nrOrders - 1} of node ${z.node} zone ${z.zone}`, `no sample with size="${o}"`)
    }
  }
  const b: Buddyinfo = { nrOrders, rows: sorted.map((z) => ({ node: z.node, zone: z.zone, nrFree: [...Array(nrOrders).keys()].map((o) => z.orders.get(o) as number) })) }
  const texts: Record<string, string> = { buddyinfo: formatBuddyinfo(b) }
  if (vmstat.length) texts['vmstat'] = vmstat.sort().join('\n') + '\n'
  if (meminfo.length) {
    // MemTotal first, as the kernel prints it (and as content sniffing expects)
    meminfo.sort((a, b) => (a.startsWith('MemTotal:') ? -1 : b.startsWith('MemTotal:') ? 1 : a < b ? -1 : 1))
    texts['meminfo'] = meminfo.join('\n') + '\n'
  }
  if (kernelRelease) texts['uname_r'] = kernelRelease + '\n'
  const uptime = time !== null && boot !== null && time >= boot ? time - boot : null
  if (uptime !== null) texts['uptime'] = `${uptime.toFixed(2)} 0.00\n`
  return { texts, hostname, kernelRelease, arch, time, uptime }
}

/** One scrape → one capture. */
export function captureFromScrape(text: string, file = 'metrics'): PromCapture {
  const samples = parseExposition(text, file)
  const c = captureFromSamples(samples.map((s) => ({ ...s, where: `${file}:${s.line}` })), file)
  if (c === null) throw new ParseError(file, null, 'node_buddyinfo_blocks samples (node_exporter started with --collector.buddyinfo)', `${samples.length} samples, none of them node_buddyinfo_blocks`)
  if (c.time === null) {
    const ts = samples.find((s) => s.timestampMs !== null)?.timestampMs
    if (ts != null) c.time = ts / 1000
  }
  return c
}

export interface RangeSeries {
  /** the instance (host) the series belongs to */
  instance: string | null
  captures: Array<{ time: number; capture: PromCapture }>
}

interface MatrixEntry {
  metric: Record<string, string>
  values: Array<[number, string]>
}

/** The JSON of `/api/v1/query_range` (resultType "matrix") → one capture per evaluation time. */
export function seriesFromRangeQuery(text: string, file = 'query_range.json'): RangeSeries {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    const m = /position (\d+)/.exec(String(err))
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : null
    throw new ParseError(file, line, 'the JSON of a Prometheus range query (/api/v1/query_range)', err instanceof Error ? err.message : String(err))
  }
  const d = data as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown }
  if (d?.status === 'error') throw new ParseError(file, null, 'a successful query result', `status "error": ${String(d.error)}`)
  if (d?.status !== 'success' || typeof d.data !== 'object' || d.data === null) throw new ParseError(file, null, '{"status":"success","data":{…}} as /api/v1/query_range answers', text.slice(0, 60))
  if (d.data.resultType !== 'matrix') throw new ParseError(file, null, 'resultType "matrix" (a range query, /api/v1/query_range; an instant query gives "vector")', String(d.data.resultType))
  if (!Array.isArray(d.data.result)) throw new ParseError(file, null, 'data.result as an array of {metric, values}')
  const result = d.data.result as MatrixEntry[]
  const instances = new Set<string>()
  const byTime = new Map<number, SampleLike[]>()
  result.forEach((r, i) => {
    if (typeof r?.metric !== 'object' || !Array.isArray(r.values)) throw new ParseError(file, null, `data.result[${i}] as {metric: {…}, values: [[time, "value"], …]}`)
    const name = r.metric['__name__']
    if (typeof name !== 'string') throw new ParseError(file, null, `data.result[${i}].metric.__name__ (query the metric itself, e.g. node_buddyinfo_blocks, not an expression over it)`)
    const inst = r.metric['instance']
    if (inst !== undefined) instances.add(inst)
    for (const [j, v] of r.values.entries()) {
      if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'string') throw new ParseError(file, null, `data.result[${i}].values[${j}] as [unix time, "value"]`, JSON.stringify(v))
      let list = byTime.get(v[0])
      if (!list) byTime.set(v[0], (list = []))
      list.push({ name, labels: r.metric, value: Number(v[1]), where: `${file}: data.result[${i}].values[${j}]` })
    }
  })
  if (instances.size > 1) {
    throw new ParseError(file, null, `one host's samples (a series is one machine); add {instance="…"} to the query`, `instances ${[...instances].sort().join(', ')}`)
  }
  const captures: RangeSeries['captures'] = []
  for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
    const c = captureFromSamples(byTime.get(t) as SampleLike[], file)
    if (c === null) continue
    if (c.time === null) c.time = t
    captures.push({ time: t, capture: c })
  }
  if (captures.length === 0) throw new ParseError(file, null, 'node_buddyinfo_blocks in the result (query {__name__=~"node_buddyinfo_blocks|node_vmstat_.*|node_memory_.*|node_uname_info"})', `${result.length} series, none of them node_buddyinfo_blocks`)
  return { instance: [...instances][0] ?? null, captures }
}

/** Does this text look like a scrape with node_buddyinfo_blocks? (cheap test on the start of a file) */
export function looksLikeExposition(head: string): boolean {
  return /^# (HELP|TYPE) [a-zA-Z_:]/m.test(head) || /^node_[a-z_]+(\{[^}]*\})? [-+0-9.eE]+/m.test(head)
}

export function looksLikeRangeQuery(head: string): boolean {
  return /^\s*\{/.test(head) && /"resultType"\s*:/.test(head) && /"status"\s*:/.test(head)
}
