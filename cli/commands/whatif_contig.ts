/**
 * `buddyscope whatif cma | hugetlb | contig | thp` in the terminal: the flags as the contract's
 * request (contract/schemas.ts whatifContigSchema), and the answer as text.
 */
import { parseMemSize, DEFRAG_MODES, BLOCKER_KIND_TEXT, type WindowJson, type CmaWhatIfResult, type ContigWhatIfResult, type HugetlbWhatIfResult, type ThpWhatIfResult, type DefragMode } from '../../engine/index.ts'
import type { ContigJson } from '../../host/whatif/contig.ts'
import type { WhatifContigRequest } from '../../contract/schemas.ts'
import { parsePinned, WhatifUsageError } from './whatif.ts'

type Flags = Record<string, string | boolean | string[] | undefined>

export function parseSizeArg(v: string, name: string): number {
  try {
    return parseMemSize(v, `--${name}`, null)
  } catch {
    throw new WhatifUsageError(`--${name} takes a size like 64K, 2M, 256M or 2G, not "${v}"`)
  }
}

const hex = (p: number): string => `0x${p.toString(16)}`

function windowsText(ws: WindowJson[], pageSize: number, tried: number): string[] {
  const L: string[] = []
  if (!ws.length) return L
  L.push(`Windows tried (${tried}${ws.length < tried ? `, first ${ws.length} listed` : ''}):`)
  for (const w of ws) {
    const kinds = Object.entries(w.blockerCounts).map(([k, n]) => `${k} ${n}`).join(', ')
    L.push(`  PFN ${w.startPfn}..${w.endPfn - 1} (${hex(w.startPfn * pageSize)}): ${w.result}${w.blockersTotal ? ` — ${w.blockersTotal} blocking page${w.blockersTotal === 1 ? '' : 's'} (${kinds})` : ''}${w.migrated ? `; ${w.migrated} pages migrated` : ''}`)
    const show = w.blockers.slice(0, 8)
    if (show.length) L.push(`      ${show.map((b) => `${b.pfn} ${b.kind === 'pinned' ? 'assumed-pinned' : b.kind}${b.owner ? ` [${b.owner.site} (${b.owner.comm ?? b.owner.pid ?? '?'})]` : ''}`).join(', ')}${w.blockersTotal > show.length ? ', …' : ''}`)
  }
  return L
}

export function whatifContigText(j: ContigJson): string {
  const r = j.result
  const L: string[] = [r.verdict, '']
  const ps = r.pageSize
  L.push(`Capture ${j.capture ?? '(single)'}; layout ${j.layout}${j.seeds.length > 1 ? `; ${j.seeds.length} seeds: ${j.perSeed.join(', ')}` : ''}`)
  if (j.kind === 'cma') {
    const c = r as CmaWhatIfResult
    L.push(`Area ${c.area.name}: PFN ${c.area.basePfn}..${c.area.basePfn + c.area.count - 1} (${c.area.count} pages, order_per_bit ${c.area.orderPerBit}, from ${c.area.source}); request ${c.count} pages, align order ${c.align}`)
    L.push(...windowsText(c.windows, ps, c.windowsTried))
  } else if (j.kind === 'contig') {
    const c = r as ContigWhatIfResult
    L.push(`Request ${c.nrPages} pages; ${c.windowsTried} windows tried, ${c.windowsSkipped} not usable`)
    L.push(...windowsText(c.windows.filter((w) => w.result !== 'invalid-range').concat(c.windows.filter((w) => w.result === 'invalid-range').slice(0, 4)), ps, c.windowsTried + c.windowsSkipped))
  } else if (j.kind === 'hugetlb') {
    const h = r as HugetlbWhatIfResult
    L.push(`Huge page ${h.pageSizeBytes / 1024} kB (order ${h.order}${h.gigantic ? ', gigantic' : ''}): requested ${h.requested}, obtained ${h.obtained}${h.obtainedWithoutCompaction !== null && h.compaction ? `; without compaction ${h.obtainedWithoutCompaction}` : ''}`)
    L.push(`How: ${Object.entries(h.via).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`)
    L.push(`Yield (requested → with / without compaction): ${h.yield.map((y) => `${y.requested}→${y.obtainedWithCompaction ?? '-'}/${y.obtainedWithoutCompaction ?? '-'}`).join('  ')}`)
    if (h.windows.length) L.push(...windowsText(h.windows, ps, h.windows.length))
  } else {
    const t = r as ThpWhatIfResult
    L.push(`enabled=${t.enabled}${t.eligible ? '' : ' (the fault does not try a huge page)'}; GFP: ${t.gfp}; ${t.succeeded} of ${t.faults} faults got a huge page`)
    if (t.table.length) {
      L.push('Every mode, one fault:')
      for (const row of t.table) L.push(`  ${row.defrag.padEnd(14)}${row.madvised ? 'madvised ' : 'plain    '}${row.success ? 'huge page' : 'fallback '}  via ${row.via.padEnd(14)} compact_stall ${row.compactStall}, migrated ${row.pagesMigrated}, scanned ${row.migrateScanned}+${row.freeScanned}`)
    }
  }
  if (j.baseline) L.push('', `Without the ZONE_MOVABLE carve-out: ${j.baseline.verdict}`)
  if (j.real) L.push('', `Compared with the real kernel (${j.real.step} before capture ${j.real.capture}): predicted ${j.real.predicted}, real ${j.real.obtained - j.real.before}${j.real.error === null ? '' : ` (${(j.real.error * 100).toFixed(1)}%)`}`)
  const counterLines = Object.entries(r.counters).flatMap(([k, v]) => {
    const rv = j.real?.counters[k]
    return v || rv ? [`  ${k.padEnd(26)}${String(v).padStart(9)}${rv !== undefined ? `   real ${rv > 0 ? '+' : ''}${rv}` : ''}`] : []
  })
  // no header over nothing: a what-if that moved no page and counted nothing says so
  L.push('', ...(counterLines.length ? ['Counters (as /proc/vmstat deltas):', ...counterLines] : ['Counters: none changed (no compaction, migration or allocation counted)']))
  const kinds = Object.keys((r as { blockerSummary?: Record<string, unknown> }).blockerSummary ?? {})
  if (kinds.length) {
    L.push('', 'Blocker kinds:')
    for (const k of kinds) L.push(`  ${k}: ${BLOCKER_KIND_TEXT[k as keyof typeof BLOCKER_KIND_TEXT]}`)
  }
  L.push('', 'Assumptions:')
  for (const x of r.assumptions) L.push(`  - ${x}`)
  return L.join('\n') + '\n'
}

/** The CLI entry for `whatif cma|hugetlb|contig|thp` (called from cli/main.ts). */
/** The request of `whatif cma|hugetlb|contig|thp` from its flags (the schema checks ranges after). */
export function contigRequest(kind: WhatifContigRequest['kind'], values: Flags): WhatifContigRequest {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const int = (k: string, max = 2 ** 53 - 1): number | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN
    if (!Number.isSafeInteger(n) || n > max) throw new WhatifUsageError(`--${k} must be an integer from 0 to ${max}, not "${v}"`)
    return n
  }
  const onOff = (k: string): boolean | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    if (v === 'on' || v === 'yes' || v === '1') return true
    if (v === 'off' || v === 'no' || v === '0') return false
    throw new WhatifUsageError(`--${k} takes on or off, not "${v}"`)
  }
  const req: WhatifContigRequest = { kind, seeds: int('seeds', 64) ?? 1, pinned: parsePinned(str('pinned')) }
  if (req.seeds! < 1) throw new WhatifUsageError('--seeds must be at least 1')
  const mbp = onOff('migrate-before-pin')
  if (mbp !== undefined) req.migrateBeforePin = mbp
  const pp = str('pin-placement')
  if (pp !== undefined) {
    if (pp !== 'uniform' && pp !== 'after-compaction') throw new WhatifUsageError(`--pin-placement takes uniform or after-compaction, not "${pp}"`)
    req.pinPlacement = pp
  }
  const coreArg = (k: 'movablecore' | 'kernelcore'): WhatifContigRequest['movablecore'] => {
    const v = str(k)
    if (v === undefined) return undefined
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(v)
    if (pct) {
      if (Number(pct[1]) > 100) throw new WhatifUsageError(`--${k} percentage must be at most 100, not "${v}"`)
      return { percent: Number(pct[1]) }
    }
    if (v === 'mirror') throw new WhatifUsageError('--kernelcore=mirror (mirrored memory) is not modelled')
    return { bytes: parseSizeArg(v, k) }
  }
  const mc = coreArg('movablecore')
  const kc = coreArg('kernelcore')
  if (mc) req.movablecore = mc
  if (kc) req.kernelcore = kc
  if (kind === 'cma') {
    const pages = int('pages')
    const size = str('size')
    if ((pages === undefined) === (size === undefined)) throw new WhatifUsageError('whatif cma takes --pages N or --size SIZE (one of them)')
    if (pages !== undefined) {
      if (pages < 1) throw new WhatifUsageError('--pages must be at least 1')
      req.pages = pages
    } else req.sizeBytes = parseSizeArg(size!, 'size')
    const align = int('align', 40)
    if (align !== undefined) req.align = align
    if (str('area')) req.area = str('area')!
    const basePfn = int('base')
    const count = int('count')
    const opb = int('order-per-bit', 20)
    if (basePfn !== undefined) req.basePfn = basePfn
    if (count !== undefined) {
      if (basePfn === undefined) throw new WhatifUsageError('--count (the area size in pages) goes with --base PFN')
      if (count < 1) throw new WhatifUsageError('--count must be at least 1')
      req.areaCount = count
    }
    if (basePfn !== undefined && count === undefined) throw new WhatifUsageError('--base needs --count PAGES (the size of the area)')
    if (opb !== undefined) req.orderPerBit = opb
  } else if (kind === 'hugetlb') {
    const count = int('count', 1 << 24)
    if (count === undefined || count < 1) throw new WhatifUsageError('whatif hugetlb needs --count N (pages to add to the pool, at least 1)')
    req.count = count
    if (str('size')) req.hugeSizeBytes = parseSizeArg(str('size')!, 'size')
    if (values['no-compact'] === true) req.compaction = false
  } else if (kind === 'contig') {
    if (!str('size')) throw new WhatifUsageError('whatif contig needs --size SIZE (e.g. 2G)')
    req.sizeBytes = parseSizeArg(str('size')!, 'size')
    const gfp = str('gfp')
    if (gfp !== undefined) {
      if (gfp !== 'kernel' && gfp !== 'movable') throw new WhatifUsageError(`--gfp takes kernel or movable, not "${gfp}"`)
      req.gfp = gfp
    }
    const node = int('node', 1023)
    if (node !== undefined) req.node = node
  } else {
    const en = str('enabled')
    if (en !== undefined) {
      if (en !== 'always' && en !== 'madvise' && en !== 'never') throw new WhatifUsageError(`--enabled takes always, madvise or never, not "${en}"`)
      req.enabled = en
    }
    const d = str('defrag')
    if (d !== undefined) {
      if (!(DEFRAG_MODES as string[]).includes(d)) throw new WhatifUsageError(`--defrag takes ${DEFRAG_MODES.join(', ')}, not "${d}"`)
      req.defrag = d as DefragMode
    }
    req.madvised = values['madvised'] === true
    const f = int('faults', 1 << 20)
    if (f !== undefined) {
      if (f < 1) throw new WhatifUsageError('--faults must be at least 1')
      req.faults = f
    }
  }
  return req
}
