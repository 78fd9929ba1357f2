/**
 * Part `bigopen`: an exact open of a 1 TiB machine from its kpageflags and kpagecount (2 GiB
 * each, 268,435,456 entries), through the host loader (host/load.ts loadSnapshot, layout
 * "exact") in a child process, measuring wall time and peak RSS (issue 15 item 3, issue 16's
 * targets ≤ 10 s and ≤ 1.5 GiB).
 *
 * The capture is written into a temporary folder, removed afterwards: buddyinfo, pagetypeinfo,
 * zoneinfo and meminfo consistent with kpageflags/kpagecount written in 4 MiB steps from a
 * seeded pattern. Layout, in MAX_ORDER (1024-page) chunks of zones DMA32 and Normal: ~15 % are
 * one free order-10 block, the rest used pages (anon/file LRU, a little slab), a quarter of
 * those with a free order-3 block at the chunk's start. Every page of a free block carries
 * KPF_BUDDY as the part-2 writer (bench/kpage.ts) does; all pageblocks are Movable. DMA
 * (PFN 1..4095) is all in use. The buddyinfo counts are those the kernel would print for it:
 * runs of free pages split into aligned blocks of at most order 10.
 */
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Rng } from '../engine/index.ts'

const PB_PAGES = 512
const CHUNK = 1024
const NR_ORDERS = 11
// KPF_* bits (include/uapi/linux/kernel-page-flags.h)
const UPTODATE = 1 << 3, LRU = 1 << 5, ACTIVE = 1 << 6, SLAB = 1 << 7, BUDDY = 1 << 10, MMAP = 1 << 11
const ANON = 1 << 12, SWAPBACKED = 1 << 14, NOPAGE = 1 << 20

export interface BigCapture {
  dir: string
  entries: number
  bytesEach: number
  writeMs: number
  /** free blocks per zone name and order, as written to buddyinfo */
  buddy: Record<string, number[]>
}

export const TIB_PAGES = 2 ** 40 / 4096

/** Chunk templates: [flags lo, flags hi] and count words for 1024 pages. */
function templates(): { flags: Uint32Array[]; counts: Uint32Array[]; freeSmall: boolean[]; free10: boolean[] } {
  const flags: Uint32Array[] = []
  const counts: Uint32Array[] = []
  const freeSmall: boolean[] = []
  const free10: boolean[] = []
  const add = (kind: 'free' | 'used' | 'hole', v: number): void => {
    const f = new Uint32Array(CHUNK * 2)
    const c = new Uint32Array(CHUNK * 2)
    for (let j = 0; j < CHUNK; j++) {
      let lo: number, cnt: number
      if (kind === 'free' || (kind === 'hole' && j < 8)) {
        lo = BUDDY; cnt = 0
      } else {
        const h = Math.imul(j + v * 7919, 0x9e3779b1) >>> 24
        if (h < 3 && v % 2 === 0) { lo = SLAB; cnt = 0 }
        else if (h < 150) { lo = LRU | ANON | MMAP | SWAPBACKED | UPTODATE | (h & 1 ? ACTIVE : 0); cnt = 1 }
        else { lo = LRU | MMAP | UPTODATE | (h & 2 ? ACTIVE : 0); cnt = 1 + (h & 1) }
      }
      f[2 * j] = lo
      c[2 * j] = cnt
    }
    flags.push(f); counts.push(c); freeSmall.push(kind === 'hole'); free10.push(kind === 'free')
  }
  add('free', 0)
  for (let v = 0; v < 6; v++) add('used', v)
  for (let v = 0; v < 2; v++) add('hole', v)
  return { flags, counts, freeSmall, free10 }
}

/** Write the capture; `pages` is the machine's PFN count (a multiple of 1024, ≥ 2^20). */
export function writeBigCapture(dir: string, pages: number, seed: number): BigCapture {
  const t0 = performance.now()
  mkdirSync(dir, { recursive: true })
  const zones = [
    { name: 'DMA', start: 1, end: 4096 },
    { name: 'DMA32', start: 4096, end: 2 ** 20 },
    { name: 'Normal', start: 2 ** 20, end: pages },
  ]
  const buddy: Record<string, number[]> = Object.fromEntries(zones.map((z) => [z.name, new Array<number>(NR_ORDERS).fill(0)]))
  const t = templates()
  const rng = new Rng(seed)
  const STEP = 512 // chunks per write: 4 MiB of each file
  const fbuf = new Uint32Array(STEP * CHUNK * 2)
  const cbuf = new Uint32Array(STEP * CHUNK * 2)
  const fFd = openSync(join(dir, 'kpageflags'), 'w')
  const cFd = openSync(join(dir, 'kpagecount'), 'w')
  try {
    for (let first = 0; first < pages / CHUNK; first += STEP) {
      const n = Math.min(STEP, pages / CHUNK - first)
      for (let k = 0; k < n; k++) {
        const chunk = first + k
        const pfn0 = chunk * CHUNK
        let ti: number
        if (pfn0 < 4096) ti = -1
        else {
          const r = rng.int(100)
          ti = r < 15 ? 0 : r < 40 ? 7 + (r & 1) : 1 + (r % 6)
        }
        if (ti < 0) {
          // PFN 0 is no page; DMA's pages are in use (kernel, count 1)
          for (let j = 0; j < CHUNK; j++) {
            fbuf[2 * (k * CHUNK + j)] = pfn0 + j === 0 ? NOPAGE : 0
            fbuf[2 * (k * CHUNK + j) + 1] = 0
            cbuf[2 * (k * CHUNK + j)] = pfn0 + j === 0 ? 0 : 1
            cbuf[2 * (k * CHUNK + j) + 1] = 0
          }
        } else {
          fbuf.set(t.flags[ti]!, k * CHUNK * 2)
          cbuf.set(t.counts[ti]!, k * CHUNK * 2)
          const zone = pfn0 < 2 ** 20 ? 'DMA32' : 'Normal'
          if (t.free10[ti]) buddy[zone]![10]!++
          if (t.freeSmall[ti]) buddy[zone]![3]!++ // 8 free pages at an aligned start, behind order-10 blocks or used pages
        }
      }
      writeSync(fFd, new Uint8Array(fbuf.buffer, 0, n * CHUNK * 8))
      writeSync(cFd, new Uint8Array(cbuf.buffer, 0, n * CHUNK * 8))
    }
  } finally {
    closeSync(fFd)
    closeSync(cFd)
  }
  const freePages = (z: string): number => buddy[z]!.reduce((a, n, o) => a + n * 2 ** o, 0)
  const B: string[] = []
  const P: string[] = ['Page block order: 9', 'Pages per block:  512', '',
    `Free pages count per migrate type at order ${Array.from({ length: NR_ORDERS }, (_, o) => String(o).padStart(6)).join(' ')} `]
  const MTS = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']
  const Z: string[] = []
  for (const z of zones) {
    const counts = buddy[z.name]!
    B.push(`Node 0, zone ${z.name.padStart(8)} ${counts.map((n) => String(n).padStart(6)).join(' ')} `)
    for (const mt of MTS) {
      const row = mt === 'Movable' ? counts : counts.map(() => 0)
      P.push(`Node    0, zone ${z.name.padStart(8)}, type ${mt.padStart(12)} ${row.map((n) => String(n).padStart(6)).join(' ')} `)
    }
  }
  P.push('', `Number of blocks type     ${MTS.map((m) => m.padStart(12)).join(' ')} `)
  for (const z of zones) {
    // pageblocks stepping from zone_start_pfn rounded down to a pageblock (pagetypeinfo_showblockcount_print)
    const blocks = Math.ceil(z.end / PB_PAGES) - Math.floor(z.start / PB_PAGES)
    P.push(`Node 0, zone ${z.name.padStart(8)} ${MTS.map((m) => String(m === 'Movable' ? blocks : 0).padStart(12)).join(' ')} `)
  }
  let managedAll = 0
  for (const name of ['DMA', 'DMA32', 'Normal', 'Movable', 'Device']) {
    const z = zones.find((x) => x.name === name)
    Z.push(`Node 0, zone ${name.padStart(8)}`)
    if (!z) {
      Z.push('  pages free     0', '        boost    0', '        min      0', '        low      0', '        high     0',
        '        spanned  0', '        present  0', '        managed  0', '        cma      0', '        protection: (0, 0, 0, 0, 0)')
      continue
    }
    const spanned = z.end - z.start
    managedAll += spanned
    const min = Math.max(1, Math.floor(spanned / 4096))
    const free = freePages(z.name)
    Z.push(`  pages free     ${free}`, '        boost    0', `        min      ${min}`, `        low      ${Math.floor(min * 1.25)}`,
      `        high     ${Math.floor(min * 1.5)}`, `        spanned  ${spanned}`, `        present  ${spanned}`, `        managed  ${spanned}`,
      '        cma      0', '        protection: (0, 0, 0, 0, 0)', `      nr_free_pages ${free}`,
      '  pagesets', '    cpu: 0', '              count: 0', '              high:  100', '              batch: 63',
      '  vm stats threshold: 125', '  node_unreclaimable:  0', `  start_pfn:           ${z.start}`)
  }
  const freeAll = zones.reduce((a, z) => a + freePages(z.name), 0)
  writeFileSync(join(dir, 'buddyinfo'), B.join('\n') + '\n')
  writeFileSync(join(dir, 'pagetypeinfo'), P.join('\n') + '\n')
  writeFileSync(join(dir, 'zoneinfo'), Z.join('\n') + '\n')
  writeFileSync(join(dir, 'meminfo'), `MemTotal:       ${managedAll * 4} kB\nMemFree:        ${freeAll * 4} kB\n`)
  return { dir, entries: pages, bytesEach: pages * 8, writeMs: performance.now() - t0, buddy }
}

export interface BigOpenResult {
  /** why it did not run (not enough disk), or null */
  skipped: string | null
  /** why the open failed, or null */
  failure: string | null
  writeMs: number
  /** loadSnapshot's own time in the child */
  openMs: number | null
  /** child's peak RSS: the larger of resourceUsage().maxRSS and VmHWM polled from /proc */
  peakRss: number | null
  /** milliseconds per loader phase (onProgress names; "start" is before the first report) */
  phases: Record<string, number>
  /** the exact model's free blocks per zone and order equal buddyinfo's */
  countsMatch: boolean
  findings: string[]
}

const NEED_DISK = 6 * 2 ** 30
const CHILD_TIMEOUT_MS = 180_000

/** Free bytes on the file system of `dir` (df -B1 --output=avail). */
function freeDisk(dir: string): number {
  const out = execFileSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' })
  return Number(out.trim().split('\n').pop())
}

/** Write the 1 TiB capture to a temporary folder, open it in a child, remove the folder. */
export async function benchBigOpen(log: (l: string) => void, pages = TIB_PAGES, seed = 20261204): Promise<BigOpenResult> {
  const base: BigOpenResult = { skipped: null, failure: null, writeMs: 0, openMs: null, peakRss: null, phases: {}, countsMatch: false, findings: [] }
  const avail = freeDisk(os.tmpdir())
  if (avail < NEED_DISK) return { ...base, skipped: `only ${(avail / 2 ** 30).toFixed(1)} GiB free in ${os.tmpdir()}, the capture needs ${pages * 16 / 2 ** 30} GiB and the part asks for ≥ 6 GiB` }
  const dir = mkdtempSync(join(os.tmpdir(), 'buddyscope-bench-1t-'))
  try {
    const cap = writeBigCapture(dir, pages, seed)
    log(`  wrote ${dir}: kpageflags + kpagecount, ${cap.entries.toLocaleString('en-US')} entries (${(cap.bytesEach / 2 ** 30).toFixed(0)} GiB) each, in ${(cap.writeMs / 1000).toFixed(1)} s`)
    const script = fileURLToPath(new URL('./bigopen-child.ts', import.meta.url))
    const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--expose-gc')), script, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let hwm = 0
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) hwm = Math.max(hwm, Number(m[1]) * 1024)
      } catch {
        // the child just exited
      }
    }, 50)
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += String(d) })
    child.stderr.on('data', (d: Buffer) => { err += String(d) })
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS)
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })))
    clearInterval(poll)
    clearTimeout(timer)
    const line = out.split('\n').find((l) => l.startsWith('RESULT '))
    if (!line) return { ...base, writeMs: cap.writeMs, peakRss: hwm || null, failure: `child exited (${signal ?? code}): ${err.trim().split('\n').slice(-3).join(' | ')}` }
    const r = JSON.parse(line.slice(7)) as { ms: number; phases: Record<string, number>; maxRssBytes: number; buddy: Record<string, number[]>; findings: string[] }
    const countsMatch = Object.entries(cap.buddy).every(([z, want]) => (r.buddy[z] ?? []).join(' ') === want.join(' '))
    return { ...base, writeMs: cap.writeMs, openMs: r.ms, peakRss: Math.max(hwm, r.maxRssBytes), phases: r.phases, countsMatch, findings: r.findings }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
