/**
 * /proc/zoneinfo (formats.md §3, printer mm/vmstat.c zoneinfo_show_print).
 *
 * Parsed line by line by key, so the 3.x/4.x/5.x, 6.1, 6.12 and 7.2 layouts all work:
 * `Node N, zone NAME` starts a zone; `per-node stats` opens the node counters (first populated
 * zone of a node only); `pages free`, `boost`, `min`, `low`, `high`, `promo`, `spanned`,
 * `present`, `managed`, `cma` and `protection: (...)` are the zone header (unpopulated zones end
 * there); other `name value` lines are zone counters; `pagesets` / `cpu: N` / `count:` ...
 * `high_min:` `high_max:` / `vm stats threshold:` are the per-cpu lists; the `key: value` tail
 * gives node_unreclaimable, start_pfn, reserved_highatomic and free_highatomic.
 * Unknown keys are ignored.
 */
import { ParseError, type Zoneinfo, type ZoneinfoPageset, type ZoneinfoZone } from './types.ts'
import { parseInt10, parseUint, requireNonEmpty, requireText, splitLines } from './text.ts'

const RE_ZONE = /^Node\s+([^\s,]+),\s+zone\s+([^\s,]+)$/
const RE_PAGES_FREE = /^pages free\s+(\S+)$/
const RE_THRESHOLD = /^vm stats threshold:\s*(\S*)$/
const RE_PROTECTION = /^protection:\s*\((.*)\)$/
const RE_COLON = /^([A-Za-z_][\w ]*?):\s*(.*)$/
const RE_KEY_VALUE = /^([A-Za-z_][\w.-]*)\s+(\S+)$/

/** Zone header fields printed as `name value` (without colon). */
const HEADER_KEYS = ['boost', 'min', 'low', 'high', 'promo', 'spanned', 'present', 'managed', 'cma'] as const
type HeaderKey = (typeof HEADER_KEYS)[number]
/** Old zone-header keys that are not counters (3.x/4.x). */
const LEGACY_KEYS = new Set(['scanned', 'node_scanned'])
/** Pageset `key:` lines and the ZoneinfoPageset field they fill. */
const PAGESET_FIELDS = {
  count: 'count',
  high: 'high',
  batch: 'batch',
  high_min: 'highMin',
  high_max: 'highMax',
} as const satisfies Record<string, keyof ZoneinfoPageset>

type Section = 'header' | 'nodeStats' | 'zone' | 'pagesets'

interface Draft {
  line: number
  text: string
  node: number
  zone: string
  nodeStats: Record<string, number> | null
  pagesFree: number | null
  header: Partial<Record<HeaderKey, number>>
  protection: number[] | null
  stats: Record<string, number>
  pagesets: Array<Partial<ZoneinfoPageset> & { cpu: number; line: number }>
  nodeUnreclaimable: boolean | null
  startPfn: number | null
  reservedHighatomic: number | null
  freeHighatomic: number | null
}

/** Parse /proc/zoneinfo: every zone of every node, populated or not. */
export function parseZoneinfo(text: string, file = 'zoneinfo'): Zoneinfo {
  requireText(text, file)
  requireNonEmpty(text, file)
  const lines = splitLines(text)
  const zones: ZoneinfoZone[] = []
  const seen = new Map<string, number>()
  let cur: Draft | null = null
  let section: Section = 'header'

  const finish = (d: Draft): void => {
    const where = `zone '${d.text.trim()}' (line ${d.line})`
    const need = (v: number | null | undefined, what: string): number => {
      if (v === null || v === undefined) throw new ParseError(file, d.line, `a '${what}' line in ${where}`, d.text)
      return v
    }
    const pagesFree = need(d.pagesFree, 'pages free')
    const min = need(d.header.min, 'min')
    const low = need(d.header.low, 'low')
    const high = need(d.header.high, 'high')
    const spanned = need(d.header.spanned, 'spanned')
    const present = need(d.header.present, 'present')
    const managed = need(d.header.managed, 'managed')
    if (d.protection === null) throw new ParseError(file, d.line, `a 'protection: (...)' line in ${where}`, d.text)
    const populated = present > 0
    if (populated && Object.keys(d.stats).length === 0 && d.pagesets.length === 0 && d.startPfn === null) {
      throw new ParseError(file, d.line, `zone counters after 'protection:' in populated ${where} (the file looks truncated)`, d.text)
    }
    const pagesets = d.pagesets.map((p): ZoneinfoPageset => {
      if (p.count === undefined || p.high === undefined || p.batch === undefined) {
        throw new ParseError(file, p.line, `'count:', 'high:' and 'batch:' lines for cpu ${p.cpu} in ${where}`, lines[p.line - 1] as string)
      }
      const out: ZoneinfoPageset = { cpu: p.cpu, count: p.count, high: p.high, batch: p.batch }
      if (p.highMin !== undefined) out.highMin = p.highMin
      if (p.highMax !== undefined) out.highMax = p.highMax
      if (p.statThreshold !== undefined) out.statThreshold = p.statThreshold
      return out
    })
    zones.push({
      node: d.node,
      zone: d.zone,
      populated,
      nodeStats: d.nodeStats,
      pagesFree,
      boost: d.header.boost ?? 0, // no 'boost' line before 5.0: no boosting, so 0
      min,
      low,
      high,
      promo: d.header.promo ?? null,
      spanned,
      present,
      managed,
      cma: d.header.cma ?? null,
      protection: d.protection,
      stats: d.stats,
      pagesets,
      nodeUnreclaimable: d.nodeUnreclaimable,
      startPfn: d.startPfn,
      reservedHighatomic: d.reservedHighatomic,
      freeHighatomic: d.freeHighatomic,
    })
  }

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    if (t === '') continue

    let m = RE_ZONE.exec(t)
    if (m !== null) {
      if (cur !== null) finish(cur)
      const node = parseUint(m[1] as string, file, no, 'a node number')
      const zone = m[2] as string
      const key = `${node}/${zone}`
      const prev = seen.get(key)
      if (prev !== undefined) throw new ParseError(file, no, `each zone once (node ${node} zone ${zone} is already on line ${prev})`, raw)
      seen.set(key, no)
      cur = {
        line: no, text: raw, node, zone, nodeStats: null, pagesFree: null, header: {}, protection: null, stats: {},
        pagesets: [], nodeUnreclaimable: null, startPfn: null, reservedHighatomic: null, freeHighatomic: null,
      }
      section = 'header'
      continue
    }
    if (cur === null) throw new ParseError(file, no, "a 'Node N, zone NAME' header", raw)
    const z: Draft = cur

    if (t === 'per-node stats') {
      if (section !== 'header') throw new ParseError(file, no, "'per-node stats' right after the 'Node N, zone NAME' header", raw)
      z.nodeStats = {}
      section = 'nodeStats'
      continue
    }
    if ((m = RE_PAGES_FREE.exec(t)) !== null) {
      if (z.pagesFree !== null) throw new ParseError(file, no, "one 'pages free' line per zone", raw)
      z.pagesFree = parseUint(m[1] as string, file, no, "the 'pages free' value")
      section = 'zone'
      continue
    }
    if (t === 'pagesets') {
      section = 'pagesets'
      continue
    }
    if ((m = RE_THRESHOLD.exec(t)) !== null) {
      const last = z.pagesets[z.pagesets.length - 1]
      if (last === undefined) throw new ParseError(file, no, "a 'cpu: N' pageset before 'vm stats threshold:'", raw)
      last.statThreshold = parseInt10(m[1] as string, file, no, 'the vm stats threshold')
      continue
    }
    if (t.startsWith('protection:')) {
      const pm = RE_PROTECTION.exec(t)
      if (pm === null) throw new ParseError(file, no, "a 'protection: (N, N, ...)' list", raw)
      const items = (pm[1] as string).split(',').map((s) => s.trim())
      z.protection = items.map((s, k) => parseInt10(s, file, no, `protection entry ${k}`))
      continue
    }
    if ((m = RE_COLON.exec(t)) !== null) {
      const key = m[1] as string
      const value = (m[2] as string).trim()
      switch (key) {
        case 'cpu':
          z.pagesets.push({ cpu: parseUint(value, file, no, 'a cpu number'), line: no })
          break
        case 'count':
        case 'high':
        case 'batch':
        case 'high_min':
        case 'high_max': {
          const last = z.pagesets[z.pagesets.length - 1]
          if (last === undefined) throw new ParseError(file, no, `a 'cpu: N' pageset before '${key}:'`, raw)
          last[PAGESET_FIELDS[key]] = parseInt10(value, file, no, `the pageset '${key}' value`)
          break
        }
        case 'node_unreclaimable':
          z.nodeUnreclaimable = parseUint(value, file, no, 'the node_unreclaimable flag') !== 0
          break
        case 'start_pfn': z.startPfn = parseUint(value, file, no, 'the start_pfn value'); break
        case 'reserved_highatomic': z.reservedHighatomic = parseUint(value, file, no, 'the reserved_highatomic value'); break
        case 'free_highatomic': z.freeHighatomic = parseUint(value, file, no, 'the free_highatomic value'); break
        default: break // all_unreclaimable, prev_priority, inactive_ratio, ... (old kernels): ignored
      }
      continue
    }
    if ((m = RE_KEY_VALUE.exec(t)) !== null) {
      const key = m[1] as string
      const tok = m[2] as string
      if (section === 'nodeStats') {
        ;(z.nodeStats as Record<string, number>)[key] = parseUint(tok, file, no, `the value of ${key}`)
      } else if ((HEADER_KEYS as readonly string[]).includes(key)) {
        z.header[key as HeaderKey] = parseUint(tok, file, no, `the '${key}' value`)
      } else if (LEGACY_KEYS.has(key)) {
        // not a counter; ignored
      } else if (section === 'zone') {
        z.stats[key] = parseUint(tok, file, no, `the value of ${key}`)
      }
      continue
    }
    throw new ParseError(file, no, "a zoneinfo line ('name value', 'name: value' or 'Node N, zone NAME')", raw)
  }
  if (cur === null) throw new ParseError(file, 1, "a 'Node N, zone NAME' header", lines[0] ?? '')
  finish(cur)
  return { zones }
}
