/**
 * Turn a model into the summary files a capture would hold (buddyinfo, pagetypeinfo, zoneinfo
 * in the 6.1 format, meminfo), so reconstruction can be tested by round trip.
 */
import { formatBuddyinfo, formatPagetypeinfo, modelBuddyinfo, modelPagetypeinfo, parseCapture, type Capture, type MemoryModel } from '../../engine/index.ts'

export function zoneinfoText(m: MemoryModel): string {
  const L: string[] = []
  const names = ['DMA', 'DMA32', 'Normal', 'Movable']
  for (const node of [...new Set(m.zones.map((z) => z.node))]) {
    for (const name of names) {
      const z = m.zones.find((x) => x.node === node && x.name === name)
      L.push(`Node ${node}, zone ${name.padStart(8)}`)
      if (!z) {
        L.push('  pages free     0', '        boost    0', '        min      0', '        low      0', '        high     0',
          '        spanned  0', '        present  0', '        managed  0', '        cma      0', '        protection: (0, 0, 0, 0)')
        continue
      }
      L.push(`  pages free     ${z.nrFreePages}`, `        boost    ${z.boost}`, `        min      ${z.wmark.min}`, `        low      ${z.wmark.low}`,
        `        high     ${z.wmark.high}`, `        spanned  ${z.spanned}`, `        present  ${z.present}`, `        managed  ${z.managed}`,
        `        cma      ${z.cmaPages}`, '        protection: (0, 0, 0, 0)', `      nr_free_pages ${z.nrFreePages}`,
        '  pagesets', '    cpu: 0', `              count: ${z.pcpPages}`, '              high:  100', '              batch: 10',
        '  vm stats threshold: 4', '  node_unreclaimable:  0', `  start_pfn:           ${z.startPfn}`)
    }
  }
  return L.join('\n') + '\n'
}

export function captureOfModel(m: MemoryModel, source = 'round-trip'): Capture {
  const managed = m.zones.reduce((s, z) => s + z.managed, 0)
  return parseCapture({
    source,
    texts: {
      buddyinfo: formatBuddyinfo(modelBuddyinfo(m)),
      pagetypeinfo: formatPagetypeinfo(modelPagetypeinfo(m)),
      zoneinfo: zoneinfoText(m),
      meminfo: `MemTotal:       ${(managed * m.geometry.pageSize) / 1024} kB\n`,
    },
    binaries: [],
  })
}
