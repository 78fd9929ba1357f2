/**
 * Text of a vmcore looked at with crash or drgn, as /proc files:
 * - crash `kmem -f` (memory.c dump_free_pages_zones_v2): per zone a `ZONE NAME SIZE FREE …`
 *   header and an `AREA SIZE FREE_AREA_STRUCT BLOCKS PAGES` table, one row per order: buddyinfo;
 * - crash `kmem -z` (memory.c dump_zone_stats): `NODE: n ZONE: z ADDR: … NAME: "…"` then
 *   `SIZE`, `PRESENT`, `MIN/LOW/HIGH` and the zone's `VM_STAT:` items: summed per item into a
 *   vmstat (the zone counters of /proc/vmstat have the same names in lower case);
 * - drgn-tools' buddyinfo helper (`show_all_zones_buddyinfo`, corelens module `buddyinfo`):
 *   a `Node ID  Zone  Order 0  1 …` table: buddyinfo.
 * One file may hold several of these (a saved crash session); prompts (`crash> kmem -f`) are skipped.
 */
import { ParseError, type Buddyinfo } from '../procfs/types.ts'
import { formatBuddyinfo } from '../procfs/buddyinfo.ts'
import { requireText, splitLines } from '../procfs/text.ts'

export interface VmcoreText {
  texts: Record<string, string>
  /** which outputs were found: 'kmem -f', 'kmem -z', 'drgn-tools buddyinfo' */
  found: string[]
  /** per zone from kmem -z: spanned (SIZE), present and the watermarks */
  zones: Array<{ node: number; zone: string; spanned: number; present: number; min: number; low: number; high: number }>
}

export function looksLikeVmcoreText(head: string): boolean {
  return /^\s*ZONE\s+NAME\s+SIZE\s+FREE\s+MEM_MAP/m.test(head) || /^NODE:\s*\d+\s+ZONE:\s*\d+\s+ADDR:/m.test(head) || /^Node ID\s+Zone\s+Order 0/m.test(head)
}

export function parseVmcoreText(text: string, file: string): VmcoreText {
  requireText(text, file)
  const lines = splitLines(text)
  const rows = new Map<string, { node: number; zone: string; nrFree: number[]; line: number }>()
  const found = new Set<string>()
  const vm: Record<string, number> = {}
  const zones: VmcoreText['zones'] = []
  let node = 0
  let kmemZone: { zone: string; nrFree: number[]; line: number } | null = null
  let drgnOrders = -1
  let zBlock: { node: number; zone: string; inVm: boolean } | null = null
  const endKmemZone = (): void => {
    if (kmemZone && kmemZone.nrFree.length > 0) {
      rows.set(`${node}/${kmemZone.zone}`, { node, zone: kmemZone.zone, nrFree: kmemZone.nrFree, line: kmemZone.line })
    }
    kmemZone = null
  }
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    // crash kmem -f
    if (/^NODE$/.test(t)) {
      endKmemZone()
      const next = (lines[i + 1] ?? '').trim()
      if (/^\d+$/.test(next)) {
        node = Number(next)
        i++
      }
      continue
    }
    if (/^ZONE\s+NAME\s+SIZE\s+FREE/.test(t)) {
      endKmemZone()
      const z = /^(\d+)\s+(\S+)\s+(\d+)/.exec((lines[i + 1] ?? '').trim())
      if (!z) throw new ParseError(file, no + 1, 'a zone row (index, name, size, free, …) under the kmem -f ZONE header', lines[i + 1] ?? '')
      kmemZone = { zone: z[2] as string, nrFree: [], line: no + 1 }
      found.add('kmem -f')
      i++
      continue
    }
    if (kmemZone && /^AREA\s+SIZE\s+FREE_AREA_STRUCT/.test(t)) continue
    if (kmemZone) {
      const a = /^(\d+)\s+\S+\s+[0-9a-fA-F]+\s+(\d+)\s+(\d+)$/.exec(t)
      if (a) {
        const order = Number(a[1])
        if (order !== kmemZone.nrFree.length) throw new ParseError(file, no, `the row of order ${kmemZone.nrFree.length} (AREA column) of zone ${kmemZone.zone}`, raw)
        kmemZone.nrFree.push(Number(a[2]))
        continue
      }
      endKmemZone()
    }
    // drgn-tools buddyinfo
    const dh = /^Node ID\s+Zone\s+Order 0((?:\s+\d+)*)$/.exec(t)
    if (dh) {
      drgnOrders = 1 + (dh[1] as string).trim().split(/\s+/).filter((x) => x !== '').length
      found.add('drgn-tools buddyinfo')
      continue
    }
    if (drgnOrders > 0) {
      const dr = /^Node (\d+)\s+(\S+)\s+([\d\s]+)$/.exec(t)
      if (dr) {
        const nums = (dr[3] as string).trim().split(/\s+/).map(Number)
        if (nums.length !== drgnOrders) throw new ParseError(file, no, `${drgnOrders} free-block counts (one per order, as the header says)`, raw)
        rows.set(`${dr[1]}/${dr[2]}`, { node: Number(dr[1]), zone: dr[2] as string, nrFree: nums, line: no })
        continue
      }
      drgnOrders = -1
    }
    // crash kmem -z
    const zh = /^NODE:\s*(\d+)\s+ZONE:\s*(\d+)\s+ADDR:\s*\S+\s+NAME:\s*"([^"]*)"/.exec(t)
    if (zh) {
      zBlock = { node: Number(zh[1]), zone: zh[3] as string, inVm: false }
      found.add('kmem -z')
      continue
    }
    if (zBlock) {
      const sz = /^SIZE:\s*(\d+)(?:\s+PRESENT:\s*(\d+))?\s+MIN\/LOW\/HIGH:\s*(\d+)\/(\d+)\/(\d+)/.exec(t)
      if (sz) {
        zones.push({ node: zBlock.node, zone: zBlock.zone, spanned: Number(sz[1]), present: Number(sz[2] ?? sz[1]), min: Number(sz[3]), low: Number(sz[4]), high: Number(sz[5]) })
        continue
      }
      if (t === 'VM_STAT:') {
        zBlock.inVm = true
        continue
      }
      const kv = /^([A-Z][A-Z0-9_]*):\s*(-?\d+)$/.exec(t)
      if (zBlock.inVm && kv) {
        const k = (kv[1] as string).toLowerCase()
        vm[k] = (vm[k] ?? 0) + Number(kv[2])
        continue
      }
      if (t === '' || /^ALL_UNRECLAIMABLE|^\[unpopulated\]|^NR_ACTIVE|^FREE:/.test(t)) {
        if (t === '') zBlock.inVm = false
        continue
      }
    }
  }
  endKmemZone()
  if (found.size === 0) throw new ParseError(file, null, 'the output of crash `kmem -f` or `kmem -z`, or of drgn-tools\' buddyinfo helper')
  const texts: Record<string, string> = {}
  if (rows.size > 0) {
    const list = [...rows.values()].sort((a, b) => a.node - b.node || a.line - b.line)
    const nrOrders = (list[0] as { nrFree: number[] }).nrFree.length
    for (const r of list) {
      if (r.nrFree.length !== nrOrders) throw new ParseError(file, r.line, `${nrOrders} orders for zone ${r.zone} as for the first zone`, `${r.nrFree.length}`)
    }
    const b: Buddyinfo = { nrOrders, rows: list.map((r) => ({ node: r.node, zone: r.zone, nrFree: r.nrFree })) }
    texts['buddyinfo'] = formatBuddyinfo(b)
  }
  if (Object.keys(vm).length > 0) {
    const keys = Object.keys(vm).sort((a, b) => (a === 'nr_free_pages' ? -1 : b === 'nr_free_pages' ? 1 : a < b ? -1 : 1))
    texts['vmstat'] = keys.map((k) => `${k} ${vm[k]}`).join('\n') + '\n'
  }
  if (!texts['buddyinfo']) throw new ParseError(file, null, 'free blocks per order: the output of `kmem -f` (or drgn-tools buddyinfo) besides `kmem -z`', 'only kmem -z')
  return { texts, found: [...found], zones }
}
