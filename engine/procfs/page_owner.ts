/**
 * /sys/kernel/debug/page_owner and /sys/kernel/debug/page_owner_stacks/show_stacks
 * (mm/page_owner.c: print_page_owner(), read_page_owner(), stack_print(); kernels 6.1 – 6.18).
 *
 * page_owner prints one record per allocated head page (tail pages of an order-N allocation
 * are skipped), records separated by an empty line:
 *
 *   Page allocated via order 0, mask 0x152c40(GFP_NOFS|__GFP_NOWARN|…), pid 1, tgid 1 (init), ts 7101 ns[, free_ts 0 ns]
 *   PFN 4123 type Unmovable Block 8 type Movable Flags 0x4000000000000200(slab|zone=1)
 *    post_alloc_hook+0x1a1/0x1b0          (stack_trace_snprint(): one space, %pS)
 *    …
 *   [handle: 1234]                         (print_mode of page_owner's newest kernels)
 *   [Page has been migrated, last migrate reason: compaction]
 *   [Slab cache page]                       (CONFIG_MEMCG)
 *   [Charged (via objcg) to memcg NAME]
 *
 * What varies between kernels: the PFN is decimal up to 6.10 and `0x…` hex from 6.11; the
 * first line has `, free_ts N ns` up to 6.3 (gone after), and before 5.13 no `, tgid T (comm)`;
 * before 5.10 no `ts`. Kernels before 4.6 had no PFN line: such records cannot be placed and are
 * refused with the line named. page_owner_stacks/show_stacks (6.10+) prints each stack's
 * frames followed by `nr_base_pages: N` and an empty line.
 *
 * The parser is line-at-a-time with bounded memory: the host feeds text chunks of any size
 * (pushText) and every complete record goes to the sink; only the current record is held.
 */
import { ParseError } from './types.ts'

export interface PageOwnerRecord {
  /** 1-based line of the "Page allocated via" line. */
  line: number
  order: number
  /** gfp_mask as printed (hex) and its decoded names (%pGg), e.g. 'GFP_KERNEL|__GFP_COMP'. */
  gfpMask: number
  gfp: string
  pid: number | null
  tgid: number | null
  comm: string | null
  /** ns since boot (local_clock); null when the kernel does not print it. */
  tsNs: number | null
  freeTsNs: number | null
  pfn: number
  /** gfp_migratetype(gfp_mask), as printed after the PFN. */
  pageMigratetype: string
  /** pfn >> pageblock_order, as printed. */
  pageblock: number
  /** get_pageblock_migratetype() when the file was read. */
  blockMigratetype: string
  /** %pGp of page->flags, e.g. '0x100000000000000(node=0|zone=1)'. */
  flags: string
  /** Stack frames (%pS), innermost first, without the leading space. */
  stack: string[]
  handle: number | null
  /** "Page has been migrated, last migrate reason: X" → X. */
  migrateReason: string | null
  /** Slab cache page / Charged … lines, as printed. */
  notes: string[]
}

const HEADER = /^Page allocated via order (\d+), mask (0x[0-9a-fA-F]+)\(([^)]*)\)(.*)$/
const PID = /^, pid (-?\d+)/
const TGID = /^, tgid (-?\d+) \((.*)\)(?=, ts |, free_ts |$)/
const TS = /^, ts (\d+) ns/
const FREE_TS = /^, free_ts (\d+) ns/
const PFN = /^PFN (0x[0-9a-fA-F]+|\d+) type (\S+) Block (\d+) type (\S+) Flags (.*)$/
const MIGRATED = /^Page has been migrated, last migrate reason: (.*)$/
const HANDLE = /^handle: (\d+)$/
/** A line longer than this is not page_owner output (a record line is well under 4 KiB). */
export const PAGE_OWNER_MAX_LINE = 64 * 1024

type State = 'between' | 'pfn' | 'body'

function num(tok: string, file: string, line: number, what: string): number {
  const v = tok.startsWith('0x') || tok.startsWith('0X') ? parseInt(tok.slice(2), 16) : Number(tok)
  if (!Number.isSafeInteger(v)) throw new ParseError(file, line, `${what} no larger than ${Number.MAX_SAFE_INTEGER}`, tok)
  return v
}

/** Splits text chunks into lines (\n, optional \r), holding only the unfinished tail. */
export class LineSplitter {
  private tail = ''
  private lineNo = 0

  constructor(private readonly file: string, private readonly onLine: (line: string, no: number) => void) {}

  pushText(chunk: string): void {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf('\n', start)
      if (nl < 0) break
      let l = this.tail + chunk.slice(start, nl)
      this.tail = ''
      if (l.endsWith('\r')) l = l.slice(0, -1)
      this.emit(l)
      start = nl + 1
    }
    this.tail += chunk.slice(start)
    if (this.tail.length > PAGE_OWNER_MAX_LINE) {
      throw new ParseError(this.file, this.lineNo + 1, `lines under ${PAGE_OWNER_MAX_LINE} characters (page_owner text)`, this.tail.slice(0, 80))
    }
  }

  end(): void {
    if (this.tail !== '') {
      const l = this.tail.endsWith('\r') ? this.tail.slice(0, -1) : this.tail
      this.tail = ''
      this.emit(l)
    }
  }

  get lines(): number {
    return this.lineNo
  }

  private emit(l: string): void {
    this.lineNo++
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(l)) {
      throw new ParseError(this.file, this.lineNo, 'text, not binary data', l)
    }
    this.onLine(l, this.lineNo)
  }
}

/**
 * Streaming page_owner parser. `pushText` chunks (any size, split anywhere), then `end()`.
 * Each complete record goes to `sink`; errors are ParseErrors naming the file and line.
 */
export class PageOwnerParser {
  private readonly splitter: LineSplitter
  private state: State = 'between'
  private cur: PageOwnerRecord | null = null
  private count = 0

  constructor(private readonly file: string, private readonly sink: (r: PageOwnerRecord) => void) {
    this.splitter = new LineSplitter(file, (l, n) => this.line(l, n))
  }

  pushText(chunk: string): void {
    this.splitter.pushText(chunk)
  }

  /** Finish; returns the number of records. An empty file is an error (page_owner off prints nothing). */
  end(): number {
    this.splitter.end()
    if (this.state === 'pfn') {
      throw new ParseError(this.file, this.splitter.lines + 1, 'the "PFN … type … Block … type … Flags …" line of the last record', null)
    }
    this.flush()
    if (this.count === 0) {
      throw new ParseError(this.file, null, 'page_owner records ("Page allocated via order …"), but the file has none (boot with page_owner=on)')
    }
    return this.count
  }

  private flush(): void {
    if (this.cur !== null) {
      this.count++
      this.sink(this.cur)
      this.cur = null
    }
    this.state = 'between'
  }

  private line(l: string, n: number): void {
    const f = this.file
    if (this.state === 'between') {
      if (l.trim() === '') return
      this.cur = parseHeader(l, f, n)
      this.state = 'pfn'
      return
    }
    const r = this.cur as PageOwnerRecord
    if (this.state === 'pfn') {
      const m = PFN.exec(l)
      if (m === null) {
        throw new ParseError(f, n, 'the "PFN <pfn> type <migratetype> Block <n> type <migratetype> Flags <flags>" line after "Page allocated via …"', l)
      }
      r.pfn = num(m[1] as string, f, n, 'a PFN')
      r.pageMigratetype = m[2] as string
      r.pageblock = num(m[3] as string, f, n, 'a pageblock number')
      r.blockMigratetype = m[4] as string
      r.flags = m[5] as string
      if (r.order > 0 && r.pfn % 2 ** r.order !== 0) {
        throw new ParseError(f, n, `a PFN aligned to the allocation's order ${r.order} (page_owner prints head pages only)`, l)
      }
      this.state = 'body'
      return
    }
    // body: stack frames, then optional trailer lines, ended by an empty line
    if (l === '') {
      this.flush()
      return
    }
    if (l.startsWith(' ')) {
      r.stack.push(l.trim())
      return
    }
    if (l.startsWith('Page allocated via order ')) {
      // a record the kernel cut short (its buffer was full): keep what we have
      this.flush()
      this.line(l, n)
      return
    }
    let m = MIGRATED.exec(l)
    if (m !== null) {
      r.migrateReason = m[1] as string
      return
    }
    m = HANDLE.exec(l)
    if (m !== null) {
      r.handle = num(m[1] as string, f, n, 'a stack depot handle')
      return
    }
    if (l === 'Slab cache page' || l.startsWith('Charged ')) {
      r.notes.push(l)
      return
    }
    throw new ParseError(f, n, 'a stack frame (" function+0x…/0x…"), "handle: N", "Page has been migrated, …", a memcg line or an empty line', l)
  }
}

/** The "Page allocated via order …" line. */
export function parseHeader(l: string, file: string, n: number): PageOwnerRecord {
  const m = HEADER.exec(l)
  if (m === null) throw new ParseError(file, n, '"Page allocated via order N, mask 0x…(…), pid P, …" (the first line of a page_owner record)', l)
  const r: PageOwnerRecord = {
    line: n,
    order: num(m[1] as string, file, n, 'an order'),
    gfpMask: num(m[2] as string, file, n, 'a gfp mask'),
    gfp: m[3] as string,
    pid: null, tgid: null, comm: null, tsNs: null, freeTsNs: null,
    pfn: 0, pageMigratetype: '', pageblock: 0, blockMigratetype: '', flags: '',
    stack: [], handle: null, migrateReason: null, notes: [],
  }
  if (r.order > 12) throw new ParseError(file, n, 'an allocation order of at most 12', l)
  let rest = m[4] as string
  let k = PID.exec(rest)
  if (k !== null) {
    r.pid = Number(k[1])
    rest = rest.slice(k[0].length)
  }
  k = TGID.exec(rest)
  if (k !== null) {
    r.tgid = Number(k[1])
    r.comm = k[2] as string
    rest = rest.slice(k[0].length)
  }
  k = TS.exec(rest)
  if (k !== null) {
    r.tsNs = Number(k[1])
    rest = rest.slice(k[0].length)
  }
  k = FREE_TS.exec(rest)
  if (k !== null) {
    r.freeTsNs = Number(k[1])
    rest = rest.slice(k[0].length)
  }
  if (rest !== '') throw new ParseError(file, n, 'the end of the line after the pid, tgid (comm), ts and free_ts fields', rest)
  return r
}

/** One stack of page_owner_stacks/show_stacks. */
export interface PageOwnerStack {
  line: number
  stack: string[]
  /** Base pages allocated through this stack and not yet freed. */
  nrBasePages: number
}

/** page_owner_stacks/show_stacks (6.10+): frames, "nr_base_pages: N", empty line; streamed like page_owner. */
export class PageOwnerStacksParser {
  private readonly splitter: LineSplitter
  private frames: string[] = []
  private first = 0
  private count = 0

  constructor(private readonly file: string, private readonly sink: (s: PageOwnerStack) => void) {
    this.splitter = new LineSplitter(file, (l, n) => this.line(l, n))
  }

  pushText(chunk: string): void {
    this.splitter.pushText(chunk)
  }

  end(): number {
    this.splitter.end()
    if (this.frames.length > 0) {
      throw new ParseError(this.file, this.splitter.lines + 1, '"nr_base_pages: N" after the stack', null)
    }
    return this.count
  }

  private line(l: string, n: number): void {
    if (l.startsWith(' ')) {
      if (this.frames.length === 0) this.first = n
      this.frames.push(l.trim())
      return
    }
    if (l.trim() === '') {
      if (this.frames.length > 0) throw new ParseError(this.file, n, '"nr_base_pages: N" after the stack', l)
      return
    }
    const m = /^nr_base_pages: (\d+)$/.exec(l)
    if (m === null || this.frames.length === 0) {
      throw new ParseError(this.file, n, 'a stack frame (" function+0x…/0x…") or "nr_base_pages: N" after frames', l)
    }
    this.count++
    this.sink({ line: this.first, stack: this.frames, nrBasePages: num(m[1] as string, this.file, n, 'a page count') })
    this.frames = []
  }
}

/** Parse a whole page_owner text (tests, small files). */
export function parsePageOwner(text: string, file: string): PageOwnerRecord[] {
  const out: PageOwnerRecord[] = []
  const p = new PageOwnerParser(file, (r) => out.push(r))
  p.pushText(text)
  p.end()
  return out
}

/** Parse a whole show_stacks text. */
export function parsePageOwnerStacks(text: string, file: string): PageOwnerStack[] {
  const out: PageOwnerStack[] = []
  const p = new PageOwnerStacksParser(file, (s) => out.push(s))
  p.pushText(text)
  p.end()
  return out
}
