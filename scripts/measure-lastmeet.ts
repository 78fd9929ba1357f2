/**
 * What a capture of this machine says of the full compactions before it in its boot, against
 * where the last of them met (docs/fidelity.md synthesized (t)):
 *
 *   node --import tsx scripts/measure-lastmeet.ts fixtures [run-prefix, default host-]
 *
 * Per capture with kpageflags: its /proc/vmstat compaction counters (which compact_memory moves:
 * compact_migrate_scanned, compact_free_scanned, pgmigrate_success; which it does not:
 * compact_stall, compact_daemon_*), the compaction before it in the same boot (the fixture
 * trigger whose capture's compact_migrate_scanned plus its steps.log delta equals this capture's:
 * vmstat runs on within a boot), that compaction's meeting point in zone Normal (its trace's
 * mm_compaction_end) and the time since, and on the exact layout what lies below that point
 * (wholly free pageblocks, LRU pages), where 5 % and 50 % of the zone's LRU pages lie, the wholly
 * free share of the initialised part, and where this capture's own trigger met. The lower zones'
 * migrate-scanned pages per compact_memory (L: DMA and DMA32 to their last pageblock, a free block
 * above pageblock order counted 1.5 times: isolate_migratepages_block skips a free buddy whole and
 * walks its part in the next pageblock page by page) give the most compactions the capture's
 * compact_migrate_scanned allows (N ≤ S / L) and the reach of one (S − L).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { PageKind, isFreeHead, parseStepsLog, compactionTrigger } from '../engine/index.ts'
import { loadSnapshot } from '../host/load.ts'
import { OpenedPath } from '../host/snapshot.ts'

const [root, prefix = 'host-'] = process.argv.slice(2)
if (!root) throw new Error('usage: measure-lastmeet.ts <fixtures dir> [run-prefix]')
const hex = (n: number | null): string => (n === null ? '-' : '0x' + n.toString(16))
const vmstat = (dir: string): Record<string, number> => Object.fromEntries(readFileSync(join(dir, 'vmstat'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/)).map(([k, v]) => [k!, Number(v)]))
/** zone Normal's (the highest zone's) mm_compaction_end in a trace: where its scanners stopped */
const normalEnd = (file: string): { migrate: number; status: string } | null => {
  if (!existsSync(file)) return null
  let out: { migrate: number; status: string } | null = null
  const re = /mm_compaction_end: zone_start=0x([0-9a-f]+) migrate_pfn=0x([0-9a-f]+) free_pfn=0x[0-9a-f]+ zone_end=0x[0-9a-f]+, mode=\w+ status=(\w+)/g
  for (const m of gunzipSync(readFileSync(file)).toString('utf8').matchAll(re)) if (parseInt(m[1]!, 16) >= 0x100000) out = { migrate: parseInt(m[2]!, 16), status: m[3]! }
  return out
}

type Trigger = { run: string; after: string; name: string; end: number; cmsAfter: number; cmsDelta: number; meet: { migrate: number; status: string } | null }
const runs = readdirSync(root).filter((r) => r.startsWith(prefix) && existsSync(join(root, r, 'steps.log'))).sort()
const triggers: Trigger[] = []
const captures: Array<{ run: string; label: string; trigger: Trigger | null }> = []
for (const run of runs) {
  const log = parseStepsLog(readFileSync(join(root, run, 'steps.log'), 'utf8'))
  const labels = readdirSync(join(root, run)).filter((l) => /^\d\d-/.test(l) && existsSync(join(root, run, l, 'vmstat')))
  const labelOf = (i: number): string | undefined => labels.find((l) => Number(l.slice(0, 2)) === log.captures[i]!.index)
  for (const s of log.steps) {
    if (s.afterCapture === null || !compactionTrigger(s)) continue
    const label = labelOf(s.afterCapture)
    if (!label) continue
    const delta = s.deltas['compact_migrate_scanned'] ?? 0
    const t: Trigger = { run, after: label, name: s.name, end: s.end, cmsAfter: vmstat(join(root, run, label)).compact_migrate_scanned! + delta, cmsDelta: delta, meet: normalEnd(join(root, run, 'trace', `${label.slice(0, 2)}-${s.name}.txt.gz`)) }
    triggers.push(t)
    captures.push({ run, label, trigger: t })
  }
}
for (const c of captures) {
  const dir = join(root, c.run, c.label)
  const vm = vmstat(dir)
  const up = Number(readFileSync(join(dir, 'uptime'), 'utf8').split(' ')[0])
  const S = vm.compact_migrate_scanned!
  const prev = S > 0 ? triggers.find((t) => t.cmsAfter === S && t.end <= up + 1) ?? null : null
  const s = await loadSnapshot(new OpenedPath(join(root, c.run), []), { capture: c.label, layout: 'exact' })
  const m = s.model
  const pb = m.pageblockNrPages, pbo = Math.log2(pb)
  const zones = m.zones.filter((z) => z.managed > 0)
  const z = zones[zones.length - 1]!
  // the lower zones' pages one compact_memory's migrate scanner counts
  let L = 0
  for (const lz of zones.slice(0, -1)) {
    const stop = Math.floor((lz.startPfn + lz.spanned - 1) / pb) * pb
    for (let p = lz.startPfn; p < stop; p++) {
      const v = m.memMap[p - m.basePfn]!
      if (v === PageKind.HOLE) continue
      if (isFreeHead(v) && (v & 0xf) >= pbo) { const n = Math.min(2 ** (v & 0xf), stop - p); L += n + Math.max(0, n - pb); p += n - 1 } else L++
    }
  }
  let initEnd = z.startPfn + z.spanned
  while (initEnd > z.startPfn && m.memMap[initEnd - 1 - m.basePfn] === PageKind.UNINIT) initEnd--
  const nPb = Math.ceil((initEnd - z.startPfn) / pb)
  const whole = new Uint8Array(nPb), lru = new Float64Array(nPb)
  for (let p = z.startPfn; p < initEnd; p++) {
    const v = m.memMap[p - m.basePfn]!
    const i = Math.floor((p - z.startPfn) / pb)
    if (isFreeHead(v)) { const o = v & 0xf; if (o >= pbo) for (let k = 0; k < 2 ** (o - pbo) && i + k < nPb; k++) whole[i + k] = 1; p += 2 ** o - 1; continue }
    if (v === PageKind.ANON || v === PageKind.FILE) lru[i]! += 1
    else if ((v & 0xf0) === 0x40 || (v & 0xf0) === 0x60) { lru[i]! += 2 ** (v & 0xf); p += 2 ** (v & 0xf) - 1 }
  }
  const W = whole.reduce((a, b) => a + b, 0), LRU = lru.reduce((a, b) => a + b, 0)
  const quant = (f: number): number => { let acc = 0; for (let i = 0; i < nPb; i++) { acc += lru[i]!; if (acc >= f * LRU) return z.startPfn + i * pb } return initEnd }
  let below = '-'
  if (prev?.meet) {
    const k = Math.min(nPb, Math.floor((prev.meet.migrate - z.startPfn) / pb))
    let w = 0, l = 0
    for (let i = 0; i < k; i++) { w += whole[i]!; l += lru[i]! }
    below = `${w}/${k} wholly free, ${l} LRU`
  }
  const prevPart = prev ? prev.cmsDelta - L : null
  const q05 = quant(0.05)
  console.log([
    `${c.run}/${c.label} (up ${up.toFixed(0)} s)`,
    `  vmstat: compact_migrate_scanned ${S} compact_free_scanned ${vm.compact_free_scanned} pgmigrate_success ${vm.pgmigrate_success} compact_stall ${vm.compact_stall} compact_daemon_wake ${vm.compact_daemon_wake} compact_daemon_migrate_scanned ${vm.compact_daemon_migrate_scanned}`,
    `  lower zones per compaction L ${L}: at most ${L > 0 ? Math.floor(S / L) : '-'} compactions; one alone would reach ${S >= L && S > 0 ? hex(z.startPfn + S - L) + ' (1 per PFN)' : '-'}`,
    `  the compaction before (vmstat runs on): ${prev ? `${prev.run}/${prev.after} ${prev.name}, ended ${(up - prev.end).toFixed(0)} s before, zone Normal ${prev.meet ? `${hex(prev.meet.migrate)} ${prev.meet.status}` : 'untraced'}, its Normal part ${prevPart}${prev.meet ? ` (${(prevPart! / Math.max(1, prev.meet.migrate - z.startPfn)).toFixed(2)} per PFN)` : ''}` : S > 0 ? 'not among the fixtures' : 'none (compact_migrate_scanned 0)'}`,
    `  exact layout, zone Normal ${hex(z.startPfn)}–${hex(initEnd)}: below the last meeting point ${below}; LRU ${LRU} (5 % below ${hex(q05)}, ${((q05 - z.startPfn) / (initEnd - z.startPfn) * 100).toFixed(1)} % of the initialised part; 50 % below ${hex(quant(0.5))}); wholly free ${W} of ${nPb} pageblocks (${(W / nPb).toFixed(3)})`,
    `  its own trigger: zone Normal ${c.trigger?.meet ? `${hex(c.trigger.meet.migrate)} ${c.trigger.meet.status}` : 'untraced'}`,
  ].join('\n'))
}
