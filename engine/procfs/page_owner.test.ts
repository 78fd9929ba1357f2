import { describe, expect, it } from 'vitest'
import { PageOwnerParser, parsePageOwner, parsePageOwnerStacks, type PageOwnerRecord } from './page_owner.ts'
import { ParseError } from './types.ts'

// Format of 6.1 (mm/page_owner.c print_page_owner(): tgid/comm, ts and free_ts; decimal PFN)
const K61 = `Page allocated via order 0, mask 0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO), pid 1, tgid 1 (swapper/0), ts 1013271829 ns, free_ts 0 ns
PFN 4100 type Unmovable Block 8 type Movable Flags 0x100000000000000(node=0|zone=1)
 post_alloc_hook+0xd1/0x100
 get_page_from_freelist+0x5b1/0x1230
 __alloc_pages+0x16c/0x2f0
 pipe_write+0x1e8/0x690
 vfs_write+0x347/0x3f0
 ksys_write+0x6b/0xf0
 do_syscall_64+0x3b/0x90
 entry_SYSCALL_64_after_hwframe+0x63/0xcd

Page allocated via order 9, mask 0x1d20ca(GFP_TRANSHUGE_LIGHT), pid 80, tgid 80 (fragwork), ts 2013271829 ns, free_ts 1999 ns
PFN 32768 type Movable Block 64 type Movable Flags 0x10000000010068(uptodate|lru|active|head|node=0|zone=1)
 post_alloc_hook+0xd1/0x100
 __alloc_pages+0x16c/0x2f0
 vma_alloc_folio+0x6c/0x3b0
 do_huge_pmd_anonymous_page+0xb6/0x600
Page has been migrated, last migrate reason: compaction

`

// 6.11+ (hex PFN, no free_ts) with the optional handle line and memcg lines
const K618 = `Page allocated via order 0, mask 0x252800(GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP|__GFP_THISNODE), pid 412, tgid 410 (kworker/u8:2 (evt)), ts 5550001 ns
PFN 0x1a3f type Reclaimable Block 13 type Unmovable Flags 0x4000000000000200(slab|zone=1)
 post_alloc_hook+0x1b2/0x1d0
 new_slab+0x8c/0x4f0
 kmem_cache_alloc_noprof+0x2b0/0x340
handle: 7340037
Slab cache page
Charged (via objcg) to memcg system.slice

`

// before 5.13 (pid only, ts but no tgid/comm), and before 5.10 (no ts)
const OLD = `Page allocated via order 1, mask 0xcc0(GFP_KERNEL), pid 7, ts 99 ns, free_ts 0 ns
PFN 514 type Unmovable Block 1 type Unmovable Flags 0x0()
 alloc_pages_current+0x87/0xe0

Page allocated via order 0, mask 0x0(), pid -1
PFN 700 type Movable Block 1 type Unmovable Flags 0x0()
 memblock_free_pages+0x9/0x20
`

describe('page_owner', () => {
  it('reads the 6.1 format: decimal PFN, tgid (comm), ts and free_ts, stack, migrate reason', () => {
    const r = parsePageOwner(K61, 'page_owner')
    expect(r).toHaveLength(2)
    const a = r[0]!
    expect(a).toMatchObject({
      line: 1, order: 0, gfpMask: 0x400dc0, gfp: 'GFP_KERNEL_ACCOUNT|__GFP_ZERO', pid: 1, tgid: 1, comm: 'swapper/0',
      tsNs: 1013271829, freeTsNs: 0, pfn: 4100, pageMigratetype: 'Unmovable', pageblock: 8, blockMigratetype: 'Movable',
      flags: '0x100000000000000(node=0|zone=1)', migrateReason: null, handle: null,
    })
    expect(a.stack).toHaveLength(8)
    expect(a.stack[3]).toBe('pipe_write+0x1e8/0x690')
    expect(r[1]).toMatchObject({ line: 12, order: 9, pfn: 32768, comm: 'fragwork', migrateReason: 'compaction' })
  })

  it('reads the newest format: hex PFN, no free_ts, a comm with spaces and parentheses, handle and memcg lines', () => {
    const [a] = parsePageOwner(K618, 'page_owner')
    expect(a).toMatchObject({ pfn: 0x1a3f, pageblock: 13, tgid: 410, comm: 'kworker/u8:2 (evt)', tsNs: 5550001, freeTsNs: null, handle: 7340037 })
    expect(a!.notes).toEqual(['Slab cache page', 'Charged (via objcg) to memcg system.slice'])
  })

  it('reads older first lines (no tgid, no ts) and a last record without a trailing empty line', () => {
    const r = parsePageOwner(OLD, 'page_owner')
    expect(r.map((x) => [x.pid, x.tgid, x.comm, x.tsNs, x.pfn])).toEqual([[7, null, null, 99, 514], [-1, null, null, null, 700]])
  })

  it('gives the same records however the text is chunked (streaming)', () => {
    const whole = parsePageOwner(K61 + K618, 'f')
    for (const size of [1, 7, 64, 1000]) {
      const out: PageOwnerRecord[] = []
      const p = new PageOwnerParser('f', (x) => out.push(x))
      const t = (K61 + K618).replace(/\n/g, '\r\n')
      for (let i = 0; i < t.length; i += size) p.pushText(t.slice(i, i + size))
      expect(p.end()).toBe(3)
      expect(out).toEqual(whole)
    }
  })

  it('names the file and line of bad input', () => {
    const bad = K61.replace('PFN 32768 type', 'PFX 32768 type')
    expect(() => parsePageOwner(bad, 'cap/page_owner')).toThrow(/^cap\/page_owner:13: expected the "PFN <pfn>/)
    expect(() => parsePageOwner('Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (a), ts 1 ns, bogus\n', 'p')).toThrow(/^p:1: expected the end of the line/)
    expect(() => parsePageOwner(K61.replace(' vfs_write', 'vfs_write'), 'p')).toThrow(/^p:7: expected a stack frame/)
    expect(() => parsePageOwner('', 'p')).toThrow(/page_owner=on/)
    expect(() => parsePageOwner('hello\n', 'p')).toThrow(ParseError)
    expect(() => parsePageOwner(K61.replace('PFN 32768', 'PFN 32769'), 'p')).toThrow(/^p:13: expected a PFN aligned to the allocation's order 9/)
    expect(() => parsePageOwner('Page allocated via order 0, mask 0x0(), pid 1\n', 'p')).toThrow(/^p:2: expected the "PFN/)
    expect(() => parsePageOwner('x\u0000y\n', 'p')).toThrow(/^p:1: expected text, not binary data/)
  })

  it('reads page_owner_stacks/show_stacks', () => {
    const t = ` post_alloc_hook+0x1b2/0x1d0
 get_page_from_freelist+0x5b1/0x1230
 pipe_write+0x1e8/0x690
nr_base_pages: 1532

 post_alloc_hook+0x1b2/0x1d0
 do_anonymous_page+0x10/0x20
nr_base_pages: 9

`
    const s = parsePageOwnerStacks(t, 'show_stacks')
    expect(s).toEqual([
      { line: 1, stack: ['post_alloc_hook+0x1b2/0x1d0', 'get_page_from_freelist+0x5b1/0x1230', 'pipe_write+0x1e8/0x690'], nrBasePages: 1532 },
      { line: 6, stack: ['post_alloc_hook+0x1b2/0x1d0', 'do_anonymous_page+0x10/0x20'], nrBasePages: 9 },
    ])
    expect(() => parsePageOwnerStacks(' a+0x1/0x2\n\n', 'show_stacks')).toThrow(/^show_stacks:2: expected "nr_base_pages: N"/)
  })
})
