/**
 * Big inputs (issue 15): a truncated kpageflags or kpagecount is reported, never half-used
 * silently: cut at an entry boundary, mid-entry, and a gzip'd copy cut short, through the host's
 * loader with every layout choice that would read it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, readFileSync, writeFileSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { loadSnapshot } from '../../host/load.ts'
import { fixturePath } from '../helpers/cli_harness.ts'

const SRC = fixturePath('x86-512M-s1-compact', '02-before')
let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-kpage-trunc-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A copy of the capture whose `name` is replaced by `bytes` (as `name` or `name.gz`). */
function captureWith(tag: string, name: string, bytes: Buffer, gz = false): string {
  const dir = join(root, tag)
  cpSync(SRC, dir, { recursive: true })
  rmSync(join(dir, name))
  writeFileSync(join(dir, gz ? `${name}.gz` : name), bytes)
  return dir
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected the load to fail')
}

const flags = readFileSync(join(SRC, 'kpageflags'))
const counts = readFileSync(join(SRC, 'kpagecount'))
/** the end of this capture's last zone (zoneinfo: DMA32 start_pfn 4096 + spanned 126941), a little before the file's end */
const ZONES_END = 131037

describe('a truncated kpageflags or kpagecount is reported', () => {
  it('kpageflags cut at an entry boundary: the PFNs it holds against the zones\' end', async () => {
    const dir = captureWith('flags-half', 'kpageflags', flags.subarray(0, flags.length / 2))
    for (const layout of ['auto', 'exact'] as const) {
      const m = await rejection(loadSnapshot(dir, { layout }))
      expect(m).toBe(`${join(dir, 'kpageflags')}: holds ${flags.length / 16} PFNs but the zones end at PFN ${ZONES_END}; expected at least one u64 per PFN up to the end of the last zone (a truncated capture?)`)
    }
    // asked for a synthesized layout, kpageflags is not read at all
    expect((await loadSnapshot(dir, { layout: 'synthesized' })).model).toBeDefined()
  })

  it('kpageflags cut mid-entry', async () => {
    const dir = captureWith('flags-mid', 'kpageflags', flags.subarray(0, flags.length - 3))
    const m = await rejection(loadSnapshot(dir))
    expect(m).toContain(`${join(dir, 'kpageflags')}: length is not a multiple of 8 bytes (a trailing partial entry of 5 bytes`)
  })

  it('kpagecount cut short', async () => {
    const dir = captureWith('count-short', 'kpagecount', counts.subarray(0, 8 * 1000))
    const m = await rejection(loadSnapshot(dir))
    expect(m).toBe(`${join(dir, 'kpagecount')}: holds 1000 PFNs but the zones end at PFN ${ZONES_END}; expected at least one u64 per PFN up to the end of the last zone (a truncated capture?)`)
  })

  it('kpageflags.gz whose gzip stream ends early', async () => {
    const gz = gzipSync(flags)
    const dir = captureWith('flags-gz-cut', 'kpageflags', gz.subarray(0, Math.floor(gz.length * 0.6)), true)
    const m = await rejection(loadSnapshot(dir))
    expect(m).toMatch(new RegExp(`^${join(dir, 'kpageflags.gz').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `))
    expect(m).toMatch(/truncated|ends too early|unexpected end/i)
  })

  it('a kpageflags.gz that inflates to 16 GiB is read only as far as the zones reach', async () => {
    // the real entries, then gzip members of 64 MiB of zeros each: 16 GiB inflated, 16 MiB on disk
    const zeros = gzipSync(Buffer.alloc(64 * 1024 * 1024))
    const dir = captureWith('flags-bomb', 'kpageflags', Buffer.concat([gzipSync(flags), ...new Array<Buffer>(256).fill(zeros)]), true)
    let read = 0
    const s = await loadSnapshot(dir, { onProgress: (phase, done) => { if (phase === 'kpageflags') read = Math.max(read, done) } })
    expect(s.model.build.method).toBe('exact')
    expect(read).toBeGreaterThanOrEqual(ZONES_END * 8)
    expect(read).toBeLessThan(flags.length + 64 * 1024 * 1024)
  }, 60_000)

  it('an empty kpageflags', async () => {
    const dir = captureWith('flags-empty', 'kpageflags', Buffer.alloc(0))
    expect(await rejection(loadSnapshot(dir))).toBe(`${join(dir, 'kpageflags')}: no entries; expected one u64 per PFN`)
  })
})
