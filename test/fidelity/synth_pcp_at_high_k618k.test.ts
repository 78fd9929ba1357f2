/**
 * fixtures/host-24G-k618-k opened without kpageflags: which per-cpu list the synthesized layouts
 * deal the sparsest-spread pcp pages to. On 6.7+ they go first to a list standing within an eighth
 * of its high (test/fidelity/compaction_pcp_at_high_k618k.test.ts: CPU 0's, 8057 of 8122 in the
 * capture's zoneinfo, where they stayed through a compaction on CPU 1). The synthesized layouts
 * are made from the zoneinfo re-read after kpageflags and kpagecount, where CPU 0's list stood at
 * 7025 of 12091: the capture's tools had refilled it (nr_pcp_alloc raised its high by 63 batches)
 * after the pages were freed. Judged by that re-read, the pages went to CPU 1, whose bulk frees
 * merged them, and the ≥ 2 MiB band lay above the real value (2340352–2520064 against 2097664);
 * judged by the first read, as the exact layout is, the band holds it.
 */
import { describe, it, expect } from 'vitest'
import { setPcpAtHighFirstReadRule } from '../../host/load.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

describe('host-24G-k618-k synthesized: the list at its high judged by the capture\'s first zoneinfo read (6.18)', () => {
  it('≥ 2 MiB in its band; judged by the re-read, the band lies above the real value', async () => {
    const on = await bandCell('host-24G-k618-k', '01-before', '≥2MiB')
    expect(on.inBand, bandText(on)).toBe(true)
    const off = await bandCell('host-24G-k618-k', '01-before', '≥2MiB', { set: setPcpAtHighFirstReadRule, on: false })
    expect(off.inBand, bandText(off)).toBe(false)
    expect(off.lo).toBeGreaterThan(off.real)
  }, 600_000)
})
