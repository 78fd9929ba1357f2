/**
 * Shared helpers of the text importers: line splitting, binary-junk detection and strict
 * integer parsing. Every failure is a ParseError naming the file and the 1-based line.
 */
import { ParseError } from './types.ts'

/**
 * Split a file into lines. A trailing newline does not make an extra empty line;
 * a `\r` before `\n` is dropped so a CRLF copy still parses.
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1)
  }
  return lines
}

/**
 * Reject binary data: NUL and other control characters (other than tab, CR, LF), DEL and
 * U+FFFD (what a UTF-8 decoder makes of invalid bytes). Throws with the line of the first one.
 */
export function requireText(text: string, file: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.exec(text)
  if (bad === null) return
  let line = 1
  for (let i = 0; i < bad.index; i++) if (text.charCodeAt(i) === 10) line++
  const start = text.lastIndexOf('\n', bad.index) + 1
  let end = text.indexOf('\n', bad.index)
  if (end < 0) end = text.length
  throw new ParseError(file, line, 'text, not binary data', text.slice(start, end))
}

/** Throw when the file has no content at all (empty or only whitespace). */
export function requireNonEmpty(text: string, file: string): void {
  if (text.trim() === '') throw new ParseError(file, null, 'some content, but the file is empty')
}

const UINT = /^\d+$/
const INT = /^-?\d+$/

function toSafe(tok: string, file: string, line: number | null, what: string): number {
  const v = Number(tok)
  if (!Number.isSafeInteger(v)) {
    throw new ParseError(file, line, `${what} no larger than ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER)`, tok)
  }
  return v === 0 ? 0 : v // no -0
}

/** A non-negative decimal integer (digits only: no sign, exponent, fraction or suffix). */
export function parseUint(tok: string, file: string, line: number | null, what: string): number {
  if (!UINT.test(tok)) throw new ParseError(file, line, `${what} as a non-negative decimal integer`, tok)
  return toSafe(tok, file, line, what)
}

/** A decimal integer with an optional minus sign. */
export function parseInt10(tok: string, file: string, line: number | null, what: string): number {
  if (!INT.test(tok)) throw new ParseError(file, line, `${what} as a decimal integer`, tok)
  return toSafe(tok, file, line, what)
}

/** A line that matched: its 1-based number, the line as read, and the match (of the trimmed line). */
export interface MatchedLine {
  no: number
  raw: string
  m: RegExpExecArray
}

/**
 * The non-blank lines of a file of one kind of line (meminfo, vmstat, buddyinfo, the extfrag
 * indices), each matched by `line` once trimmed, one at a time (so a caller's error on line 3 comes
 * before this one's on line 5). Checks the file is text and not empty; a line that does not match
 * is a ParseError naming the file, the line and `expected`.
 */
export function* matchLines(text: string, file: string, line: RegExp, expected: string): Generator<MatchedLine> {
  requireText(text, file)
  requireNonEmpty(text, file)
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const t = raw.trim()
    if (t === '') continue
    const m = line.exec(t)
    if (m === null) throw new ParseError(file, no, expected, raw)
    yield { no, raw, m }
  }
}

/** A `Node N, zone NAME v0 v1 …` row of a per-zone, per-order file: the node, the zone and one value token per order. */
export interface ZoneOrderRow {
  no: number
  raw: string
  node: number
  zone: string
  cols: string[]
}

const ZONE_ROW = /^Node\s+([^\s,]+),\s+zone\s+([^\s,]+)(?:\s+(.*))?$/

/**
 * The rows of a file printed one `Node %d, zone %8s ` row per populated zone followed by one
 * value per order (buddyinfo's frag_show_print, the extfrag indices' extfrag_show_print and
 * unusable_show_print), one at a time. Every row must hold as many values as the first. `values`
 * names them in the errors ("free-block counts"), `columns` in the one for a row of another
 * length ("numeric columns").
 */
export function* zoneOrderRows(text: string, file: string, values: string, columns: string): Generator<ZoneOrderRow> {
  let nrOrders = -1
  let firstLine = 0
  for (const { no, raw, m } of matchLines(text, file, ZONE_ROW, `a 'Node N, zone NAME' row followed by ${values}`)) {
    const node = parseUint(m[1] as string, file, no, 'a node number')
    const zone = m[2] as string
    const cols = fields(m[3] ?? '')
    if (cols.length === 0) throw new ParseError(file, no, `${values} (one per order) after the zone name`, raw)
    if (nrOrders < 0) {
      nrOrders = cols.length
      firstLine = no
    } else if (cols.length !== nrOrders) {
      throw new ParseError(file, no, `${nrOrders} ${columns} after the zone name (as on line ${firstLine})`, raw)
    }
    yield { no, raw, node, zone, cols }
  }
}

/** Split on runs of blanks, without empty pieces. */
export function fields(s: string): string[] {
  const t = s.trim()
  return t === '' ? [] : t.split(/\s+/)
}

/** C `%Nd` / `%Ns` right alignment (wider values widen the field). */
export function padLeft(v: number | string, width: number): string {
  return String(v).padStart(width)
}
