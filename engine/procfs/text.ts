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

/** Split on runs of blanks, without empty pieces. */
export function fields(s: string): string[] {
  const t = s.trim()
  return t === '' ? [] : t.split(/\s+/)
}

/** C `%Nd` / `%Ns` right alignment (wider values widen the field). */
export function padLeft(v: number | string, width: number): string {
  return String(v).padStart(width)
}
