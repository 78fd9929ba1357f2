/**
 * /proc/pagetypeinfo (formats.md §2, printer mm/vmstat.c pagetypeinfo_show).
 *
 * The kernel prints one block per node with memory, with nothing between two blocks:
 *
 *   Page block order: %d\n
 *   Pages per block:  %lu\n
 *   \n
 *   %-43s  header ("Free pages count per migrate type at order") + `%6d ` per order\n
 *   free rows: `Node %4d, zone %8s, type %12s ` + (`>`?)`%6lu ` per order\n
 *   \n
 *   `Number of blocks type ` padded to 23 + `%12s ` per migratetype\n
 *   block rows: `Node %d, zone %8s ` + `%12lu ` per migratetype\n
 *   [\n + `Number of mixed blocks ` + `%12s `... + rows as above]   (page_owner only)
 *
 * so a second node's "Page block order" line follows the first node's last table row
 * directly. All nodes are merged into one Pagetypeinfo; the formatter splits them again.
 */
import { ParseError, type PagetypeBlockRow, type PagetypeFreeRow, type Pagetypeinfo } from './types.ts'
import { fields, padLeft, parseUint, requireNonEmpty, requireText, splitLines } from './text.ts'

const FREE_TITLE = 'Free pages count per migrate type at order'
const BLOCKS_TITLE = 'Number of blocks type'
const MIXED_TITLE = 'Number of mixed blocks'

const RE_ORDER = /^Page block order:\s*(.*)$/
const RE_PER_BLOCK = /^Pages per block:\s*(.*)$/
const RE_FREE_HDR = /^Free pages count per migrate type at order(?:\s+(.*))?$/
const RE_BLOCKS_HDR = /^Number of blocks type(?:\s+(.*))?$/
const RE_MIXED_HDR = /^Number of mixed blocks(?:\s+(.*))?$/
const RE_FREE_ROW = /^Node\s+([^\s,]+),\s+zone\s+([^\s,]+),\s+type\s+([^\s,]+)(?:\s+(.*))?$/
const RE_ZONE_ROW = /^Node\s+([^\s,]+),\s+zone\s+([^\s,]+)(?:\s+(.*))?$/
const RE_CAPPED = /^>(\d+)$/

type State = 'start' | 'order' | 'perBlock' | 'free' | 'blocks' | 'mixed'

const EXPECT: Record<State, string> = {
  start: "a 'Page block order: N' line",
  order: "a 'Pages per block: N' line",
  perBlock: `the '${FREE_TITLE} 0 1 ...' header`,
  free: `a 'Node N, zone NAME, type TYPE' free-count row or the '${BLOCKS_TITLE} ...' header`,
  blocks: `a 'Node N, zone NAME' block-count row, the '${MIXED_TITLE} ...' header or the next node's 'Page block order: N' line`,
  mixed: "a 'Node N, zone NAME' mixed-block row or the next node's 'Page block order: N' line",
}

interface NodeBlock {
  line: number
  node: number | null
  hasMixed: boolean
  /** line of each table header seen in this block and its row count */
  tables: Array<{ line: number; title: string; rows: number }>
  /** free rows of this block with their line numbers, checked once the migratetypes are known */
  freeRows: Array<{ row: PagetypeFreeRow; line: number; text: string }>
}

/** Parse /proc/pagetypeinfo (one or more node blocks; `>100000` counts are flagged as capped). */
export function parsePagetypeinfo(text: string, file = 'pagetypeinfo'): Pagetypeinfo {
  requireText(text, file)
  requireNonEmpty(text, file)
  const lines = splitLines(text)

  let pageblockOrder = -1
  let pagesPerBlock = -1
  let nrOrders = -1
  let ordersLine = 0
  let migratetypes: string[] | null = null
  let typesLine = 0
  const free: PagetypeFreeRow[] = []
  const blocks: PagetypeBlockRow[] = []
  const mixed: PagetypeBlockRow[] = []
  const blocksDone: NodeBlock[] = []
  const nodesSeen = new Map<number, number>()
  let cur: NodeBlock | null = null
  let state: State = 'start'
  const freeKeys = new Set<string>()
  const blockKeys = new Set<string>()
  const mixedKeys = new Set<string>()

  const fail = (no: number, expected: string, found: string): never => {
    throw new ParseError(file, no, expected, found)
  }

  /** Rows of one node block must all name the same node, and a node appears in one block only. */
  const claimNode = (b: NodeBlock, node: number, no: number, raw: string): void => {
    if (b.node === null) {
      const prev = nodesSeen.get(node)
      if (prev !== undefined) fail(no, `a node not already listed (node ${node} has its block at line ${prev})`, raw)
      b.node = node
      nodesSeen.set(node, b.line)
    } else if (b.node !== node) {
      fail(no, `rows of node ${b.node} only (every node starts its own 'Page block order' block)`, raw)
    }
  }

  const parseZoneRow = (raw: string, no: number, what: string, keys: Set<string>): PagetypeBlockRow => {
    const m = RE_ZONE_ROW.exec(raw.trim())
    if (m === null || /,\s*type\s/.test(raw)) return fail(no, `a 'Node N, zone NAME' ${what} row`, raw)
    const node = parseUint(m[1] as string, file, no, 'a node number')
    const zone = m[2] as string
    claimNode(cur as NodeBlock, node, no, raw)
    const types = migratetypes as string[]
    const cols = fields(m[3] ?? '')
    if (cols.length !== types.length) {
      fail(no, `${types.length} ${what} counts, one per migratetype of the header on line ${typesLine}`, raw)
    }
    const key = `${node}/${zone}`
    if (keys.has(key)) fail(no, `each zone once in the ${what} table (node ${node} zone ${zone} repeats)`, raw)
    keys.add(key)
    const counts = cols.map((c, i) => parseUint(c, file, no, `the ${what} count of ${types[i] as string}`))
    return { node, zone, counts }
  }

  const parseTypeHeader = (rest: string | undefined, no: number, raw: string): string[] => {
    const names = fields(rest ?? '')
    if (names.length === 0) fail(no, 'migratetype names after the table title', raw)
    if (new Set(names).size !== names.length) fail(no, 'distinct migratetype names', raw)
    return names
  }

  const closeBlock = (b: NodeBlock): void => {
    for (const t of b.tables) {
      if (t.rows === 0) {
        fail(t.line, `at least one 'Node N, zone NAME' row under the '${t.title}' header (the file looks truncated)`, lines[t.line - 1] as string)
      }
    }
    blocksDone.push(b)
    const first = blocksDone[0] as NodeBlock
    if (b.hasMixed !== first.hasMixed) {
      fail(b.line, `every node block ${first.hasMixed ? 'with' : 'without'} a '${MIXED_TITLE}' table, like the block at line ${first.line}`, lines[b.line - 1] as string)
    }
  }

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    if (t === '') continue

    let m: RegExpExecArray | null
    if ((m = RE_ORDER.exec(t)) !== null) {
      if (state !== 'start' && state !== 'blocks' && state !== 'mixed') fail(no, EXPECT[state], raw)
      const order = parseUint(m[1] as string, file, no, 'the page block order')
      if (pageblockOrder >= 0 && order !== pageblockOrder) {
        fail(no, `the same page block order in every node block (${pageblockOrder} before)`, raw)
      }
      pageblockOrder = order
      if (cur !== null) closeBlock(cur)
      cur = { line: no, node: null, hasMixed: false, tables: [], freeRows: [] }
      state = 'order'
      continue
    }
    if (state === 'start') fail(no, EXPECT.start, raw)
    const block = cur as NodeBlock

    if ((m = RE_PER_BLOCK.exec(t)) !== null) {
      if (state !== 'order') fail(no, EXPECT[state], raw)
      const n = parseUint(m[1] as string, file, no, 'the number of pages per block')
      if (pageblockOrder < 53 && n !== 2 ** pageblockOrder) {
        fail(no, `Pages per block equal to 2^${pageblockOrder} = ${2 ** pageblockOrder}`, raw)
      }
      pagesPerBlock = n
      state = 'perBlock'
      continue
    }
    if ((m = RE_FREE_HDR.exec(t)) !== null) {
      if (state !== 'perBlock') fail(no, EXPECT[state], raw)
      const cols = fields(m[1] ?? '')
      if (cols.length === 0) fail(no, 'the orders 0 1 2 ... after the free-table title', raw)
      cols.forEach((c, k) => {
        if (c !== String(k)) fail(no, `the orders 0 1 2 ... ${cols.length - 1} in sequence after the free-table title`, raw)
      })
      if (nrOrders >= 0 && cols.length !== nrOrders) {
        fail(no, `${nrOrders} orders in every node block, as on line ${ordersLine}`, raw)
      }
      if (nrOrders < 0) ordersLine = no
      nrOrders = cols.length
      block.tables.push({ line: no, title: FREE_TITLE, rows: 0 })
      state = 'free'
      continue
    }
    if ((m = RE_BLOCKS_HDR.exec(t)) !== null) {
      if (state !== 'free') fail(no, EXPECT[state], raw)
      const names = parseTypeHeader(m[1], no, raw)
      if (migratetypes !== null && names.join(' ') !== migratetypes.join(' ')) {
        fail(no, `the same migratetypes in every node block (${migratetypes.join(' ')} on line ${typesLine})`, raw)
      }
      if (migratetypes === null) typesLine = no
      migratetypes = names
      // free rows come before the header that names the migratetypes: check them now
      for (const f of block.freeRows) {
        if (!names.includes(f.row.migratetype)) {
          fail(f.line, `a migratetype among those of the header on line ${no} (${names.join(', ')})`, f.text)
        }
      }
      block.tables.push({ line: no, title: BLOCKS_TITLE, rows: 0 })
      state = 'blocks'
      continue
    }
    if ((m = RE_MIXED_HDR.exec(t)) !== null) {
      if (state !== 'blocks') fail(no, EXPECT[state], raw)
      const names = parseTypeHeader(m[1], no, raw)
      if (names.join(' ') !== (migratetypes as string[]).join(' ')) {
        fail(no, `the migratetypes of the block-count header on line ${typesLine}`, raw)
      }
      block.hasMixed = true
      block.tables.push({ line: no, title: MIXED_TITLE, rows: 0 })
      state = 'mixed'
      continue
    }

    if (state === 'free') {
      const fm = RE_FREE_ROW.exec(t)
      if (fm === null) fail(no, EXPECT.free, raw)
      const f = fm as RegExpExecArray
      const node = parseUint(f[1] as string, file, no, 'a node number')
      const zone = f[2] as string
      const migratetype = f[3] as string
      claimNode(block, node, no, raw)
      const cols = fields(f[4] ?? '')
      if (cols.length !== nrOrders) fail(no, `${nrOrders} free counts (one per order of the header on line ${ordersLine})`, raw)
      const counts: number[] = []
      const capped: boolean[] = []
      cols.forEach((c, o) => {
        const cm = RE_CAPPED.exec(c)
        counts.push(parseUint(cm === null ? c : (cm[1] as string), file, no, `the free count of order ${o}`))
        capped.push(cm !== null)
      })
      const key = `${node}/${zone}/${migratetype}`
      if (freeKeys.has(key)) fail(no, `each zone and migratetype once (node ${node} zone ${zone} type ${migratetype} repeats)`, raw)
      freeKeys.add(key)
      const row: PagetypeFreeRow = { node, zone, migratetype, counts, capped }
      free.push(row)
      block.freeRows.push({ row, line: no, text: raw })
      ;(block.tables[block.tables.length - 1] as { rows: number }).rows++
      continue
    }
    if (state === 'blocks') {
      blocks.push(parseZoneRow(raw, no, 'block', blockKeys))
      ;(block.tables[block.tables.length - 1] as { rows: number }).rows++
      continue
    }
    if (state === 'mixed') {
      mixed.push(parseZoneRow(raw, no, 'mixed-block', mixedKeys))
      ;(block.tables[block.tables.length - 1] as { rows: number }).rows++
      continue
    }
    fail(no, EXPECT[state], raw)
  }

  if (state !== 'blocks' && state !== 'mixed') {
    // the file ends inside a node block: truncated
    fail(lines.length, `${EXPECT[state]} (the file ends early)`, lines[lines.length - 1] as string)
  }
  closeBlock(cur as NodeBlock)

  return {
    pageblockOrder,
    pagesPerBlock,
    nrOrders,
    migratetypes: migratetypes as string[],
    free,
    blocks,
    mixed: (blocksDone[0] as NodeBlock).hasMixed ? mixed : null,
  }
}

function typeHeader(title: string, types: readonly string[]): string {
  let s = `${title} `.padEnd(23)
  for (const t of types) s += `${padLeft(t, 12)} `
  return `${s}\n`
}

function zoneRows(rows: readonly PagetypeBlockRow[], node: number): string {
  let s = ''
  for (const r of rows) {
    if (r.node !== node) continue
    s += `Node ${r.node}, zone ${padLeft(r.zone, 8)} `
    for (const c of r.counts) s += `${padLeft(c, 12)} `
    s += '\n'
  }
  return s
}

/** Re-create the kernel's exact bytes: one block per node, in order of first appearance. */
export function formatPagetypeinfo(p: Pagetypeinfo): string {
  const nodes: number[] = []
  for (const r of [...p.free, ...p.blocks, ...(p.mixed ?? [])]) if (!nodes.includes(r.node)) nodes.push(r.node)

  let freeHeader = `${FREE_TITLE.padEnd(43)} `
  for (let o = 0; o < p.nrOrders; o++) freeHeader += `${padLeft(o, 6)} `
  freeHeader += '\n'

  let out = ''
  for (const node of nodes) {
    out += `Page block order: ${p.pageblockOrder}\nPages per block:  ${p.pagesPerBlock}\n\n`
    out += freeHeader
    for (const r of p.free) {
      if (r.node !== node) continue
      out += `Node ${padLeft(r.node, 4)}, zone ${padLeft(r.zone, 8)}, type ${padLeft(r.migratetype, 12)} `
      r.counts.forEach((c, o) => {
        out += `${r.capped[o] === true ? '>' : ''}${padLeft(c, 6)} `
      })
      out += '\n'
    }
    out += `\n${typeHeader(BLOCKS_TITLE, p.migratetypes)}`
    out += zoneRows(p.blocks, node)
    if (p.mixed !== null) {
      out += `\n${typeHeader(MIXED_TITLE, p.migratetypes)}`
      out += zoneRows(p.mixed, node)
    }
  }
  return out
}
