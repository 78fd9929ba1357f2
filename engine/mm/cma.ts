/**
 * CMA areas and cma_alloc(), following mm/cma.c of kernel 6.1 (`cma_alloc`,
 * `cma_bitmap_aligned_mask`, `cma_bitmap_aligned_offset`, `cma_bitmap_pages_to_bits`,
 * `bitmap_find_next_zero_area_off`, `cma_clear_bitmap`) over alloc_contig_range (migrate.ts).
 *
 *  - Area: base PFN, page count, order_per_bit, bitmap of ranges owned by cma_alloc. 6.1 has one
 *    range per area (7.x allows up to 8).
 *  - cma_alloc(count, align): mask/offset from the alignment, first zero run of
 *    ceil(count / 2^order_per_bit) bits from `start`, set it, alloc_contig_range(MIGRATE_CMA);
 *    on -EBUSY clear the bits and retry from bitmap_no + mask + 1; any other error ends the
 *    call; no zero run left = failure. vmstat cma_alloc_success / cma_alloc_fail once per call.
 *  - Where areas come from: CMA debugfs (base_pfn, count, order_per_bit, bitmap), the boot log
 *    (`cma: Reserved N MiB at 0x…`, with `hugetlb_cma: reserved … on node N` naming hugetlb
 *    areas), the command line (cma=size@base), or the model's CMA pageblocks.
 */
import type { MemoryModel } from './mmzone.ts'
import type { PageAllocator, AllocPolicy } from './page_alloc.ts'
import { exportModel, importModel } from './serialize.ts'
import { allocContigRange, DEFAULT_BLOCKER_CAP, type ContigWindow } from './migrate.ts'
import type { ReclaimModel } from './slowpath.ts'
import { PageKind, isFreeHead, headOrder, freeHeadMt, HUGETLB_HEAD } from './page.ts'

export interface CmaArea {
  name: string
  basePfn: number
  /** pages */
  count: number
  orderPerBit: number
  /** one byte per bit (1 = owned by cma_alloc) */
  bitmap: Uint8Array
  /** node of a hugetlb_cma area */
  hugetlbNode: number | null
  /** where the area's description came from */
  source: string
}

export function newCmaArea(name: string, basePfn: number, count: number, orderPerBit = 0, source = 'user', hugetlbNode: number | null = null): CmaArea {
  if (!Number.isSafeInteger(basePfn) || basePfn < 0) throw new RangeError(`CMA area ${name}: base PFN ${basePfn} is not a PFN`)
  if (!Number.isSafeInteger(count) || count <= 0) throw new RangeError(`CMA area ${name}: ${count} pages is not a size`)
  if (!Number.isInteger(orderPerBit) || orderPerBit < 0 || orderPerBit > 20) throw new RangeError(`CMA area ${name}: order_per_bit ${orderPerBit} outside 0..20`)
  return { name, basePfn, count, orderPerBit, bitmap: new Uint8Array(count >> orderPerBit), hugetlbNode, source }
}

/** cma_bitmap_maxno() */
export function bitmapMaxno(a: CmaArea): number {
  return a.count >> a.orderPerBit
}

/** cma_bitmap_aligned_mask() */
export function bitmapAlignedMask(a: CmaArea, alignOrder: number): number {
  if (alignOrder <= a.orderPerBit) return 0
  return 2 ** (alignOrder - a.orderPerBit) - 1
}

/** cma_bitmap_aligned_offset() */
export function bitmapAlignedOffset(a: CmaArea, alignOrder: number): number {
  return Math.floor((a.basePfn % 2 ** alignOrder) / 2 ** a.orderPerBit)
}

/** cma_bitmap_pages_to_bits() */
export function pagesToBits(a: CmaArea, pages: number): number {
  return Math.ceil(pages / 2 ** a.orderPerBit)
}

/**
 * bitmap_find_next_zero_area_off(): first index ≥ start of a zero run of `nr` bits such that
 * (index + offset) is a multiple of mask + 1; returns an index ≥ size when there is none.
 */
export function findNextZeroAreaOff(map: Uint8Array, size: number, start: number, nr: number, mask: number, offset: number): number {
  for (;;) {
    let index = start
    while (index < size && map[index]) index++
    // __ALIGN_MASK(index + offset, mask) - offset
    index = Math.ceil((index + offset) / (mask + 1)) * (mask + 1) - offset
    const end = index + nr
    if (end > size) return end
    let i = index
    while (i < end && !map[i]) i++
    if (i < end) {
      start = i + 1
      continue
    }
    return index
  }
}

export interface CmaAllocOptions {
  reclaim: ReclaimModel
  /** page byte of the allocated pages: PageKind.KERNEL for a driver buffer (default), HUGETLB_HEAD for a gigantic page */
  kind?: number
  compoundOrder?: number
  blockerCap?: number
  /** windows listed (all are tried) */
  windowCap?: number
}

export interface CmaAllocResult {
  success: boolean
  pfn: number
  count: number
  align: number
  windows: Array<ContigWindow & { bitmapNo: number }>
  windowsTried: number
  /** why it stopped when it failed */
  reason: 'allocated' | 'no-free-range' | 'enomem' | 'too-large'
  migrated: number
}

/** cma_alloc(cma, count, align) (6.1). */
export function cmaAlloc(alloc: PageAllocator, area: CmaArea, count: number, align: number, opts: CmaAllocOptions): CmaAllocResult {
  const res: CmaAllocResult = { success: false, pfn: -1, count, align, windows: [], windowsTried: 0, reason: 'no-free-range', migrated: 0 }
  const m = alloc.model
  if (m.migratetypes.cma < 0) throw new Error('cma_alloc: the model has no CMA migratetype (the capture\'s pagetypeinfo lists none)')
  const finish = (): CmaAllocResult => {
    alloc.events.count(res.success ? 'cma_alloc_success' : 'cma_alloc_fail')
    return res
  }
  if (count <= 0) return finish()
  const mask = bitmapAlignedMask(area, align)
  const offset = bitmapAlignedOffset(area, align)
  const maxno = bitmapMaxno(area)
  const bits = pagesToBits(area, count)
  if (bits > maxno) {
    res.reason = 'too-large'
    return finish()
  }
  let start = 0
  for (;;) {
    const bitmapNo = findNextZeroAreaOff(area.bitmap, maxno, start, bits, mask, offset)
    if (bitmapNo >= maxno) break
    area.bitmap.fill(1, bitmapNo, bitmapNo + bits)
    const pfn = area.basePfn + bitmapNo * 2 ** area.orderPerBit
    const w = allocContigRange(alloc, pfn, pfn + count, {
      user: 'cma', restoreMt: m.migratetypes.cma, reclaim: opts.reclaim, kind: opts.kind ?? PageKind.KERNEL,
      compoundOrder: opts.compoundOrder ?? 0, blockerCap: opts.blockerCap ?? DEFAULT_BLOCKER_CAP,
    })
    res.windowsTried++
    res.migrated += w.migrated
    if (res.windows.length < (opts.windowCap ?? Number.MAX_SAFE_INTEGER)) res.windows.push({ ...w, bitmapNo })
    if (w.result === 'success') {
      res.success = true
      res.pfn = pfn
      res.reason = 'allocated'
      break
    }
    // cma_clear_bitmap()
    area.bitmap.fill(0, bitmapNo, bitmapNo + bits)
    if (w.result !== 'busy' && w.result !== 'isolation-failed') {
      res.reason = 'enomem'
      break
    }
    start = bitmapNo + mask + 1
  }
  return finish()
}

/**
 * A copy of a model whose migratetype table has CMA (kernels built without CONFIG_CMA print
 * none): CMA goes before Isolate as in the kernel's enum; pageblock types and free-list heads are
 * renumbered by name. For what-ifs that add a CMA area to such a machine.
 */
export function withCmaMigratetype(m: MemoryModel, policy: AllocPolicy): { model: MemoryModel; allocator: PageAllocator } {
  const t = exportModel(m, policy)
  const old = [...m.migratetypes.names]
  if (old.includes('CMA')) return importModel({ ...t, memMap: t.memMap.slice(), pageblockMt: t.pageblockMt.slice(), pageblockFlags: t.pageblockFlags.slice() })
  const names = [...old]
  const iso = names.indexOf('Isolate')
  names.splice(iso < 0 ? names.length : iso, 0, 'CMA')
  if (names.length > 8) throw new Error('no room for a CMA migratetype (8 at most)')
  const map = old.map((n) => names.indexOf(n))
  const pbMt = t.pageblockMt.map((x) => map[x] ?? x)
  const mem = t.memMap.slice()
  for (let i = 0; i < mem.length; i++) {
    const b = mem[i]!
    if (b & 0x80) mem[i] = 0x80 | ((map[(b >> 4) & 7] ?? 0) << 4) | (b & 0x0f)
  }
  return importModel({ ...t, migratetypes: names, memMap: mem, pageblockMt: pbMt, pageblockFlags: t.pageblockFlags.slice() })
}

// ---------------------------------------------------------------- discovery

/**
 * Without debugfs the bitmap is unknown, but what cma_alloc handed out shows in the layout: a
 * hugetlb_cma area gives out only gigantic hugetlb pages (KPF_HUGE), and in the DMA area
 * ('reserved') only movable allocations (ALLOC_CMA) and cma_alloc can place pages, so an in-use
 * non-LRU page there (flagless with a map count, slab, page table) is taken as a DMA buffer
 * from cma_alloc. Set the bits covering such pages; returns how many were set.
 */
export function inferCmaBitmap(m: MemoryModel, a: CmaArea): number {
  let set = 0
  const per = 2 ** a.orderPerBit
  const hugetlb = a.hugetlbNode !== null
  for (let bit = 0; bit < a.bitmap.length; bit++) {
    if (a.bitmap[bit]) continue
    const s = a.basePfn + bit * per
    for (let p = s; p < s + per; p++) {
      if (p < m.basePfn || p >= m.endPfn) break
      const b = m.memMap[p - m.basePfn]!
      const taken = hugetlb
        ? (b & 0xf0) === HUGETLB_HEAD || (b === PageKind.COMPOUND_TAIL && inHugetlb(m, p))
        : b === PageKind.KERNEL || b === PageKind.SLAB || b === PageKind.SLAB_RECLAIMABLE || b === PageKind.PAGETABLE
      if (taken) {
        a.bitmap[bit] = 1
        set++
        break
      }
    }
  }
  return set
}

/** A CMA area found in the boot log. */
export interface BootLogCma {
  basePfn: number
  count: number
  hugetlbNode: number | null
}

/**
 * Every `cma: Reserved N MiB at 0x…` line of a boot log, in order; one followed by
 * `hugetlb_cma: reserved N MiB on node K` is that node's hugetlb area.
 */
export function cmaAreasFromBootLog(text: string, pageSize: number): BootLogCma[] {
  const out: BootLogCma[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /cma: Reserved (\d+) MiB at 0x([0-9a-fA-F]+)/.exec(lines[i]!)
    if (!m || /hugetlb_cma:/.test(lines[i]!)) continue
    let node: number | null = null
    for (let j = i + 1; j < Math.min(lines.length, i + 4); j++) {
      const h = /hugetlb_cma: reserved \d+ MiB on node (\d+)/.exec(lines[j]!)
      if (h) {
        node = Number(h[1])
        break
      }
      if (/cma: Reserved/.test(lines[j]!)) break
    }
    out.push({ basePfn: Math.floor(parseInt(m[2]!, 16) / pageSize), count: (Number(m[1]) * 1048576) / pageSize, hugetlbNode: node })
  }
  return out
}

/** Parse CMA debugfs files given as { "<area>/<file>": text } (base_pfn, count, order_per_bit, bitmap). */
export function cmaAreasFromDebugfs(files: Record<string, string>): CmaArea[] {
  const byArea = new Map<string, Record<string, string>>()
  for (const [k, v] of Object.entries(files)) {
    const m = /^(?:cma\/)?([^/]+)\/([^/]+)$/.exec(k)
    if (!m) continue
    const rec = byArea.get(m[1]!) ?? {}
    rec[m[2]!] = v
    byArea.set(m[1]!, rec)
  }
  const out: CmaArea[] = []
  for (const [name, f] of byArea) {
    const base = Number(f['base_pfn']?.trim())
    const count = Number(f['count']?.trim())
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(count) || count <= 0) continue
    const opb = Number(f['order_per_bit']?.trim() ?? '0')
    const a = newCmaArea(name, base, count, Number.isInteger(opb) ? opb : 0, 'CMA debugfs', /^hugetlb(\d+)$/.test(name) ? Number(/^hugetlb(\d+)$/.exec(name)![1]) : null)
    const words = (f['bitmap'] ?? '').trim().split(/\s+/).filter(Boolean).map((w) => Number(w) >>> 0)
    for (let i = 0; i < a.bitmap.length && i >> 5 < words.length; i++) a.bitmap[i] = (words[i >> 5]! >>> (i & 31)) & 1
    out.push(a)
  }
  return out
}

/** Contiguous runs of CMA pageblocks in the model: [startPfn, endPfn) per run, per zone. */
export function cmaPageblockRuns(m: MemoryModel): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = []
  const cma = m.migratetypes.cma
  if (cma < 0) return out
  let runStart = -1
  for (let i = 0; i <= m.nrPageblocks; i++) {
    const isCma = i < m.nrPageblocks && m.pageblockMt[i] === cma
    const pfn = (i + m.pbBase) * m.pageblockNrPages
    if (isCma && runStart < 0) runStart = pfn
    if (!isCma && runStart >= 0) {
      out.push({ start: runStart, end: pfn })
      runStart = -1
    }
  }
  return out
}

export interface CmaDiscoveryInput {
  debugfs?: Record<string, string> | null
  bootLog?: string | null
  /** cma= from the command line */
  cmdlineCma?: { bytes: number; base: number | null } | null
  /** meminfo CmaTotal in kB */
  cmaTotalKb?: number | null
}

/**
 * The CMA areas of a capture, best source first: debugfs; the boot log; cma=size@base; the
 * model's CMA pageblock runs (named cma0, cma1, …). Returns the areas and how they were found.
 */
export function discoverCmaAreas(m: MemoryModel, input: CmaDiscoveryInput): { areas: CmaArea[]; notes: string[] } {
  const r = discoverCmaAreasRaw(m, input)
  const total = r.areas.reduce((s, a) => s + a.count, 0)
  const kb = input.cmaTotalKb
  if (kb !== null && kb !== undefined && r.areas.length && Math.round((total * m.geometry.pageSize) / 1024) !== kb) {
    r.notes.push(`meminfo CmaTotal is ${kb} kB but the areas found add up to ${(total * m.geometry.pageSize) / 1024} kB: an area may be missing`)
  }
  return r
}

function discoverCmaAreasRaw(m: MemoryModel, input: CmaDiscoveryInput): { areas: CmaArea[]; notes: string[] } {
  const notes: string[] = []
  const ps = m.geometry.pageSize
  if (input.debugfs && Object.keys(input.debugfs).length) {
    const areas = cmaAreasFromDebugfs(input.debugfs)
    if (areas.length) {
      notes.push(`CMA areas from debugfs: ${areas.map((a) => `${a.name} PFN ${a.basePfn}+${a.count}`).join(', ')}`)
      return { areas, notes }
    }
  }
  if (input.bootLog) {
    const found = cmaAreasFromBootLog(input.bootLog, ps)
    if (found.length) {
      const areas = found.map((f) => newCmaArea(f.hugetlbNode !== null ? `hugetlb${f.hugetlbNode}` : 'reserved', f.basePfn, f.count, 0, 'boot log', f.hugetlbNode))
      notes.push(`CMA areas from the boot log: ${areas.map((a) => `${a.name} at PFN ${a.basePfn} (0x${a.basePfn.toString(16)}), ${a.count} pages`).join('; ')}; order_per_bit 0 assumed (6.1's default for both the DMA and hugetlb_cma areas)`)
      bitmapNote(m, areas, notes)
      return { areas, notes }
    }
  }
  if (input.cmdlineCma && input.cmdlineCma.base !== null) {
    const a = newCmaArea('reserved', Math.floor(input.cmdlineCma.base / ps), Math.floor(input.cmdlineCma.bytes / ps), 0, 'cma=size@base')
    notes.push(`CMA area from cma=${input.cmdlineCma.bytes}@${input.cmdlineCma.base}: PFN ${a.basePfn}+${a.count}`)
    bitmapNote(m, [a], notes)
    return { areas: [a], notes }
  }
  const runs = cmaPageblockRuns(m)
  const areas = runs.map((r, i) => newCmaArea(runs.length === 1 ? 'reserved' : `cma${i}`, r.start, r.end - r.start, 0, 'model CMA pageblocks'))
  if (areas.length) {
    notes.push(`CMA area position not in the capture (no debugfs, no boot log, no cma=size@base): taken from the model's CMA pageblocks ${areas.map((a) => `PFN ${a.basePfn}+${a.count}`).join(', ')}`)
    bitmapNote(m, areas, notes)
  }
  return { areas, notes }
}

function inHugetlb(m: MemoryModel, pfn: number): boolean {
  for (let p = pfn; p >= m.basePfn && pfn - p < 2 ** 15; p--) {
    const b = m.memMap[p - m.basePfn]!
    if (b === PageKind.COMPOUND_TAIL) continue
    return (b & 0xf0) === HUGETLB_HEAD && p + 2 ** (b & 0x0f) > pfn
  }
  return false
}

function bitmapNote(m: MemoryModel, areas: CmaArea[], notes: string[]): void {
  const set = areas.map((a) => inferCmaBitmap(m, a))
  const total = set.reduce((x, y) => x + y, 0)
  notes.push(total
    ? `bitmap not captured (no debugfs): ${areas.map((a, i) => `${set[i]} bits of ${a.name}`).join(', ')} set where the layout shows what cma_alloc hands out (gigantic hugetlb pages in a hugetlb_cma area, in-use kernel pages in the DMA area, where nothing else non-movable can be)`
    : 'bitmap not captured (no debugfs): taken as empty (the layout shows nothing cma_alloc handed out)')
}

/**
 * Make the model's CMA pageblocks exactly the areas' (a loader that knew only one base, or none,
 * may have put them elsewhere): blocks gaining CMA give their old type to the blocks losing it,
 * and the free lists of the zones touched are rebuilt under the new types. Returns a note or null.
 */
export function applyCmaAreas(alloc: PageAllocator, areas: CmaArea[]): string | null {
  const m = alloc.model
  const cma = m.migratetypes.cma
  if (cma < 0) return areas.length ? 'the capture has no CMA migratetype: CMA areas cannot be modelled' : null
  const want = new Uint8Array(m.nrPageblocks)
  for (const a of areas) {
    const first = Math.floor(a.basePfn / m.pageblockNrPages) - m.pbBase
    const last = Math.floor((a.basePfn + a.count - 1) / m.pageblockNrPages) - m.pbBase
    for (let i = Math.max(0, first); i <= Math.min(m.nrPageblocks - 1, last); i++) want[i] = 1
  }
  const gain: number[] = []
  const lose: number[] = []
  for (let i = 0; i < m.nrPageblocks; i++) {
    if (m.zoneIndexOfPageblock(i) < 0) continue
    const is = m.pageblockMt[i] === cma
    if (want[i] && !is) gain.push(i)
    else if (!want[i] && is) lose.push(i)
  }
  if (!gain.length && !lose.length) return null
  const touched = new Set<number>()
  const oldTypes = gain.map((i) => m.pageblockMt[i]!)
  gain.forEach((i) => { touched.add(m.zoneIndexOfPageblock(i)) })
  lose.forEach((i) => { touched.add(m.zoneIndexOfPageblock(i)) })
  // take every free block of the touched zones off the lists
  for (const zi of touched) unlistZone(alloc, zi)
  gain.forEach((i) => { m.pageblockMt[i] = cma })
  lose.forEach((i, k) => { m.pageblockMt[i] = k < oldTypes.length ? oldTypes[k]! : m.migratetypes.movable })
  for (const zi of touched) relistZone(alloc, zi)
  for (const zi of touched) {
    const z = m.zones[zi]!
    let n = 0
    for (let i = 0; i < m.nrPageblocks; i++) if (m.zoneIndexOfPageblock(i) === zi && m.pageblockMt[i] === cma) n++
    z.cmaPages = n * m.pageblockNrPages
  }
  return `CMA pageblocks re-placed to match the areas: ${gain.length} pageblocks became CMA, ${lose.length} stopped being CMA (they take the types the others had)`
}

/** Take every free block of a zone off its list, leaving the pages as BUDDY_TAIL. */
export function unlistZone(alloc: PageAllocator, zi: number): void {
  const m = alloc.model
  const z = m.zones[zi]!
  for (let p = z.startPfn; p < z.endPfn;) {
    const b = m.memMap[p - m.basePfn]!
    if (isFreeHead(b)) {
      const o = headOrder(b)
      alloc.delFromFreeList(z, p, o, freeHeadMt(b))
      p += 2 ** o
    } else p++
  }
}

/** Give every BUDDY_TAIL page of a zone back to the buddy allocator (maximal aligned blocks, merging). */
export function relistZone(alloc: PageAllocator, zi: number): void {
  const m = alloc.model
  const z = m.zones[zi]!
  const maxOrder = m.maxOrder
  const pending: Array<[number, number]> = []
  for (let p = z.startPfn; p < z.endPfn;) {
    if (m.memMap[p - m.basePfn] !== PageKind.BUDDY_TAIL) {
      p++
      continue
    }
    let o = 0
    while (o < maxOrder) {
      const size = 2 ** (o + 1)
      if (p % size !== 0 || p + size > z.endPfn) break
      let ok = true
      for (let q = p + 2 ** o; q < p + size; q++) if (m.memMap[q - m.basePfn] !== PageKind.BUDDY_TAIL) { ok = false; break }
      if (!ok) break
      if (o + 1 > m.geometry.pageblockOrder) {
        // __free_one_page refuses merges across pageblocks of different types if either is not mergeable
        const a = m.getPageblockMigratetype(p)
        const b = m.getPageblockMigratetype(p + 2 ** o)
        if (a !== b && (!m.migratetypes.isMergeable(a) || !m.migratetypes.isMergeable(b))) break
      }
      o++
    }
    pending.push([p, o])
    p += 2 ** o
  }
  for (let i = pending.length - 1; i >= 0; i--) {
    const [p, o] = pending[i]!
    alloc.freeOnePage(z, p, o, m.getPageblockMigratetype(p))
  }
}
