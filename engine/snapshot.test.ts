import { describe, expect, it } from 'vitest'
import { archFromFiles } from './snapshot.ts'
import type { Zoneinfo } from './procfs/types.ts'

describe('archFromFiles: the architecture of a capture without uname -m', () => {
  it('reads Debian kernel releases', () => {
    expect(archFromFiles('6.1.0-56-amd64', null, null)).toBe('x86_64')
    expect(archFromFiles('6.12.117+deb12-arm64', null, null)).toBe('arm64')
  })

  it('tells x86 from arm64 by the platform devices in iomem', () => {
    expect(archFromFiles(null, '00000000-00000fff : Reserved\n000f0000-000fffff : System ROM\nfee00000-fee00fff : Local APIC\n', null)).toBe('x86_64')
    expect(archFromFiles(null, '09000000-09000fff : pl011@9000000\n40000000-7fffffff : System RAM\n', null)).toBe('arm64')
    expect(archFromFiles(null, '40000000-7fffffff : System RAM\n', null)).toBeNull()
  })

  it('falls back to ZONE_DMA starting at PFN 1 (x86)', () => {
    const zi = (start: number) => ({ zones: [{ node: 0, zone: 'DMA', startPfn: start }] }) as unknown as Zoneinfo
    expect(archFromFiles(null, null, zi(1))).toBe('x86_64')
    expect(archFromFiles(null, null, zi(262144))).toBeNull()
  })
})
