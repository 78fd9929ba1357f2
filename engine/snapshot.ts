/**
 * A capture: the parsed files of one snapshot plus what can be derived about the machine
 * (kernel, arch, page size, pageblock order, number of orders). Missing files are not errors:
 * the capture says what is unknown. Malformed files throw ParseError naming the file and line.
 */
import { ParseError, type Buddyinfo, type Pagetypeinfo, type Zoneinfo, type Vmstat, type Meminfo, type FragIndexFile, type Cmdline, type SysctlVm, type TransparentHugepage, type HugepagePool } from './procfs/types.ts'
import { parseBuddyinfo } from './procfs/buddyinfo.ts'
import { parsePagetypeinfo } from './procfs/pagetypeinfo.ts'
import { parseZoneinfo } from './procfs/zoneinfo.ts'
import { parseVmstat } from './procfs/vmstat.ts'
import { parseMeminfo } from './procfs/meminfo.ts'
import { parseSlabinfo, type Slabinfo } from './procfs/slabinfo.ts'
import { parseIomemKernelImage, type KernelImageRange } from './procfs/iomem.ts'
import { parseFragIndex } from './procfs/frag_index.ts'
import { parseCmdline } from './procfs/cmdline.ts'
import { parseSysctlVm, parseTransparentHugepage, parseHugepages } from './procfs/sysctl.ts'

export interface CaptureManifest {
  hostname?: string
  kernelRelease?: string
  arch?: string
  pageSize?: number
  captureTime?: string
}

export interface CaptureInput {
  /** what the user opened */
  source: string
  /** sub-capture label (e.g. "02-before"), or null */
  label?: string | null
  /** text files by canonical name: buddyinfo, pagetypeinfo, zoneinfo, vmstat, meminfo, extfrag_index, unusable_index, cmdline, sysctl_vm, transparent_hugepage, hugepages, uname_r, node<N>_vmstat … */
  texts: Record<string, string>
  /** names of binary files present (kpageflags, kpagecount) */
  binaries?: string[]
  /** the path to show in error messages for a canonical name */
  describe?: (name: string) => string
  manifest?: CaptureManifest | null
}

export interface MachineInfo {
  hostname: string | null
  kernelRelease: string | null
  arch: string | null
  pageSize: number
  /** how pageSize was found */
  pageSizeSource: 'manifest' | 'meminfo/zoneinfo' | 'hugepagesize' | 'assumed'
  pageblockOrder: number
  pageblockOrderSource: 'pagetypeinfo' | 'assumed'
  /** NR_PAGE_ORDERS */
  nrOrders: number
  migratetypes: string[]
  nodes: number[]
  /** HPAGE_PMD_ORDER (THP size), used by the proactive compaction score */
  hpageOrder: number
  captureTime: string | null
}

export interface Capture {
  source: string
  label: string | null
  machine: MachineInfo
  buddyinfo: Buddyinfo | null
  pagetypeinfo: Pagetypeinfo | null
  zoneinfo: Zoneinfo | null
  vmstat: Vmstat | null
  nodeVmstat: Record<number, Vmstat>
  meminfo: Meminfo | null
  extfragIndex: FragIndexFile | null
  unusableIndex: FragIndexFile | null
  cmdline: Cmdline | null
  sysctl: SysctlVm | null
  thp: TransparentHugepage | null
  hugepages: HugepagePool[] | null
  /** /proc/slabinfo (root only), when captured */
  slabinfo?: Slabinfo | null
  /** the kernel image's sections from /proc/iomem (root only: addresses read as 0 otherwise), when captured */
  kernelImage?: KernelImageRange[]
  /** canonical names of every file present */
  files: string[]
  /** what the capture cannot tell, in plain words */
  unknown: string[]
  /** the path of a file for messages */
  describe: (name: string) => string
}

function parseOpt<T>(input: CaptureInput, name: string, parse: (text: string, file: string) => T): T | null {
  const t = input.texts[name]
  if (t === undefined) return null
  const file = input.describe ? input.describe(name) : name
  return parse(t, file)
}

const log2 = (n: number): number => Math.round(Math.log2(n))

/** Parse every known file of a capture and derive the machine description. */
export function parseCapture(input: CaptureInput): Capture {
  const describe = input.describe ?? ((n: string) => n)
  const buddyinfo = parseOpt(input, 'buddyinfo', parseBuddyinfo)
  const pagetypeinfo = parseOpt(input, 'pagetypeinfo', parsePagetypeinfo)
  const zoneinfo = parseOpt(input, 'zoneinfo', parseZoneinfo)
  const vmstat = parseOpt(input, 'vmstat', parseVmstat)
  const meminfo = parseOpt(input, 'meminfo', parseMeminfo)
  const extfragIndex = parseOpt(input, 'extfrag_index', parseFragIndex)
  const unusableIndex = parseOpt(input, 'unusable_index', parseFragIndex)
  const cmdline = parseOpt(input, 'cmdline', parseCmdline)
  const sysctl = parseOpt(input, 'sysctl_vm', parseSysctlVm)
  const thp = parseOpt(input, 'transparent_hugepage', parseTransparentHugepage)
  const hugepages = parseOpt(input, 'hugepages', parseHugepages)
  const slabinfo = parseOpt(input, 'slabinfo', parseSlabinfo)
  const kernelImage = input.texts['iomem'] !== undefined ? parseIomemKernelImage(input.texts['iomem']) : []
  const nodeVmstat: Record<number, Vmstat> = {}
  for (const name of Object.keys(input.texts)) {
    const m = /^node(\d+)_vmstat$/.exec(name)
    if (m) nodeVmstat[Number(m[1])] = parseVmstat(input.texts[name]!, describe(name))
  }
  const unknown: string[] = []
  if (!buddyinfo && !pagetypeinfo) unknown.push('free blocks per order: neither buddyinfo nor pagetypeinfo was captured')
  if (!pagetypeinfo) unknown.push('migratetypes: no pagetypeinfo (root-only since 5.4), so free lists per migratetype and pageblock types are unknown')
  if (!zoneinfo) unknown.push('zone spans, managed pages and watermarks: no zoneinfo')
  if (!input.binaries?.includes('kpageflags')) unknown.push('page-level layout: no kpageflags, so PFN placement is synthesized from the summaries')
  else if (!input.binaries.includes('kpagecount')) unknown.push('map counts: no kpagecount, so flagless pages cannot be told apart from per-cpu free pages')
  if (!extfragIndex || !unusableIndex) unknown.push('the kernel\'s own extfrag/unusable indices (debugfs) were not captured; they are computed from buddyinfo')
  if (!vmstat) unknown.push('event counters: no vmstat')
  unknown.push('pinned pages: long-term pins are invisible in kpageflags/kpagecount; only failed migrations reveal them')

  // geometry -------------------------------------------------------------------------------
  const nrOrders = buddyinfo?.nrOrders ?? pagetypeinfo?.nrOrders ?? (unusableIndex?.rows[0]?.values.length ?? extfragIndex?.rows[0]?.values.length ?? 11)
  if (buddyinfo && pagetypeinfo && buddyinfo.nrOrders !== pagetypeinfo.nrOrders) {
    throw new ParseError(describe('pagetypeinfo'), null, `${buddyinfo.nrOrders} orders as in buddyinfo`, `${pagetypeinfo.nrOrders} order columns`)
  }
  const kernelRelease = input.manifest?.kernelRelease ?? input.texts['uname_r']?.trim() ?? null
  const arch = input.manifest?.arch ?? input.texts['uname_m']?.trim() ?? archFromFiles(kernelRelease, input.texts['iomem'] ?? null, zoneinfo)
  let pageSize = input.manifest?.pageSize ?? 0
  let pageSizeSource: MachineInfo['pageSizeSource'] = 'manifest'
  if (!pageSize && meminfo && zoneinfo) {
    const total = meminfo.values['MemTotal']
    const managed = zoneinfo.zones.reduce((s, z) => s + z.managed, 0)
    if (total && managed) {
      const guess = (total * 1024) / managed
      const p2 = 2 ** Math.round(Math.log2(guess))
      if (Math.abs(guess - p2) / p2 < 0.02 && p2 >= 4096) {
        pageSize = p2
        pageSizeSource = 'meminfo/zoneinfo'
      }
    }
  }
  if (!pageSize && meminfo && pagetypeinfo && meminfo.values['Hugepagesize']) {
    const guess = (meminfo.values['Hugepagesize'] * 1024) / pagetypeinfo.pagesPerBlock
    if (Number.isInteger(Math.log2(guess)) && guess >= 4096 && guess <= 65536) {
      pageSize = guess
      pageSizeSource = 'hugepagesize'
    }
  }
  if (!pageSize) {
    pageSize = 4096
    pageSizeSource = 'assumed'
    unknown.push('page size: not in the capture; 4 KiB assumed')
  }
  let pageblockOrder = pagetypeinfo?.pageblockOrder ?? -1
  let pageblockOrderSource: MachineInfo['pageblockOrderSource'] = 'pagetypeinfo'
  if (pageblockOrder < 0) {
    // pageblock_order = HUGETLB_PAGE_ORDER = PMD order on the common configs, capped at the max order
    pageblockOrder = Math.min(log2(pageSize) - 3, nrOrders - 1)
    pageblockOrderSource = 'assumed'
    unknown.push(`pageblock order: no pagetypeinfo; ${pageblockOrder} assumed (PMD order for ${pageSize / 1024} KiB pages, capped at the max order)`)
  }
  let hpageOrder = pageblockOrder
  const pmd = thp?.['hpage_pmd_size']
  if (pmd && /^\d+$/.test(pmd)) hpageOrder = log2(Number(pmd) / pageSize)
  const migratetypes = pagetypeinfo?.migratetypes ?? ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']
  const nodeSet = new Set<number>()
  for (const r of buddyinfo?.rows ?? []) nodeSet.add(r.node)
  for (const z of zoneinfo?.zones ?? []) nodeSet.add(z.node)
  for (const r of pagetypeinfo?.blocks ?? []) nodeSet.add(r.node)

  const machine: MachineInfo = {
    hostname: input.manifest?.hostname ?? null,
    kernelRelease,
    arch,
    pageSize,
    pageSizeSource,
    pageblockOrder,
    pageblockOrderSource,
    nrOrders,
    migratetypes,
    nodes: [...nodeSet].sort((a, b) => a - b),
    hpageOrder,
    captureTime: input.manifest?.captureTime ?? null,
  }
  const files = [...Object.keys(input.texts), ...(input.binaries ?? [])].sort()
  return {
    source: input.source, label: input.label ?? null, machine, buddyinfo, pagetypeinfo, zoneinfo, vmstat, nodeVmstat,
    meminfo, extfragIndex, unusableIndex, cmdline, sysctl, thp, hugepages, slabinfo, ...(kernelImage.length ? { kernelImage } : {}), files, unknown, describe,
  }
}

/** A sysctl value from the capture as an integer, or the fallback. */
export function sysctlInt(c: Capture, name: string, fallback: number): number {
  const v = c.sysctl?.[name]
  if (v === undefined) return fallback
  const n = Number(v.trim().split(/\s+/)[0])
  return Number.isFinite(n) ? n : fallback
}

/**
 * The architecture when no manifest or uname -m says it: the kernel release (Debian's -amd64,
 * -arm64), else iomem's platform devices (x86: System ROM, Local APIC, IOAPIC; arm64 virt:
 * PL011 UART, GIC), else zoneinfo (x86's ZONE_DMA starts at PFN 1, below the first MiB).
 */
export function archFromFiles(kernelRelease: string | null, iomem: string | null, zoneinfo: Zoneinfo | null): string | null {
  if (kernelRelease) {
    if (/amd64|x86_64/.test(kernelRelease)) return 'x86_64'
    if (/arm64|aarch64/.test(kernelRelease)) return 'arm64'
    if (/ppc64/.test(kernelRelease)) return 'ppc64le'
  }
  if (iomem) {
    if (/: (System ROM|Local APIC|IOAPIC \d|Video RAM area|HPET \d)/m.test(iomem)) return 'x86_64'
    if (/: (pl011@|.*\bGICD\b|.*gic@|.*arm,)/m.test(iomem)) return 'arm64'
  }
  const dma = zoneinfo?.zones.find((z) => z.zone === 'DMA')
  if (dma && dma.startPfn === 1) return 'x86_64'
  return null
}
