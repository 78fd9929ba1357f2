/**
 * /proc/cmdline: the kernel parameters that shape physical memory (formats.md §9, §13).
 *
 * Splitting follows the kernel's own rules (lib/cmdline.c next_arg): blanks separate
 * parameters except inside double quotes; a leading quote of a whole parameter and a quote
 * opening a value are dropped with their closing quote; names treat `-` and `_` alike;
 * `--` ends the kernel's parameters (the rest is for init). The last occurrence of a
 * parameter wins, except `hugepagesz=` which is collected in order.
 */
import { ParseError, type Cmdline, type CmdlineSize } from './types.ts'
import { requireText } from './text.ts'

const SUFFIX: Record<string, bigint> = {
  k: 1n << 10n,
  m: 1n << 20n,
  g: 1n << 30n,
  t: 1n << 40n,
  p: 1n << 50n,
  e: 1n << 60n,
}
const SIZE = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([kKmMgGtTpPeE]?)$/

/**
 * A memparse() size: a number (decimal, `0x` hex, or octal with a leading 0, as the kernel's
 * simple_strtoull base 0) with an optional K/M/G/T/P/E suffix (binary, case-insensitive);
 * no suffix means bytes. "128M" → 134217728. Throws on garbage or beyond 2^53-1.
 */
export function parseMemSize(text: string, file = 'cmdline', line: number | null = 1): number {
  const m = SIZE.exec(text)
  if (m === null) throw new ParseError(file, line, 'a size like 4096, 128M, 2G or 0x80000000 (K/M/G/T suffixes)', text)
  const num = m[1] as string
  const digits = /^0[0-7]+$/.test(num) ? BigInt(`0o${num.slice(1)}`) : BigInt(num)
  const suffix = (m[2] as string).toLowerCase()
  const bytes = suffix === '' ? digits : digits * (SUFFIX[suffix] as bigint)
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParseError(file, line, `a size no larger than ${Number.MAX_SAFE_INTEGER} bytes`, text)
  }
  return Number(bytes)
}

/** `size[@base[-limit]]` (cma=). */
function parseSizeAt(value: string, file: string, name: string): CmdlineSize {
  const m = /^([^@]*)(?:@([^-]*)(?:-(.*))?)?$/.exec(value) as RegExpExecArray
  const what = `${name}=size[@base[-limit]]`
  const size = (s: string): number => {
    try {
      return parseMemSize(s, file, 1)
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(file, 1, `${e.expected} in ${what}`, `${name}=${value}`)
      throw e
    }
  }
  return {
    bytes: size(m[1] as string),
    base: m[2] === undefined ? null : size(m[2]),
    limit: m[3] === undefined ? null : size(m[3]),
  }
}

/** hugetlb_cma=size or the per-node form nid:size,nid:size (bytes = the total). */
function parseHugetlbCma(value: string, file: string): CmdlineSize {
  if (!value.includes(':')) return parseSizeAt(value, file, 'hugetlb_cma')
  let bytes = 0
  for (const part of value.split(',')) {
    const m = /^(\d+):(.+)$/.exec(part)
    if (m === null) throw new ParseError(file, 1, 'hugetlb_cma=nid:size[,nid:size...]', `hugetlb_cma=${value}`)
    bytes += parseSizeAt(m[2] as string, file, 'hugetlb_cma').bytes
  }
  if (!Number.isSafeInteger(bytes)) throw new ParseError(file, 1, 'a hugetlb_cma total no larger than 2^53-1 bytes', value)
  return { bytes, base: null, limit: null }
}

/** Split a command line the way the kernel's next_arg() does. */
function splitParams(s: string): Array<[string, string | true]> {
  const out: Array<[string, string | true]> = []
  let i = 0
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] as string)) i++
    if (i >= s.length) break
    let quoted = false
    if (s[i] === '"') {
      quoted = true
      i++
    }
    let inQuote = quoted
    const start = i
    let equals = -1
    while (i < s.length && (inQuote || !/\s/.test(s[i] as string))) {
      if (equals < 0 && s[i] === '=') equals = i
      if (s[i] === '"') inQuote = !inQuote
      i++
    }
    let tok = s.slice(start, i)
    const eq = equals < 0 ? -1 : equals - start
    let name: string
    let val: string | true
    if (eq < 0) {
      if (quoted && tok.endsWith('"')) tok = tok.slice(0, -1)
      name = tok
      val = true
    } else {
      name = tok.slice(0, eq)
      let v = tok.slice(eq + 1)
      if (v.startsWith('"')) {
        v = v.slice(1)
        if (v.endsWith('"')) v = v.slice(0, -1)
      } else if (quoted && v.endsWith('"')) {
        v = v.slice(0, -1)
      }
      val = v
    }
    if (name === '--' && val === true) break
    out.push([name, val])
  }
  return out
}

/** Parse /proc/cmdline. Throws when a memory-size parameter (cma=, hugetlb_cma=) is malformed. */
export function parseCmdline(text: string, file = 'cmdline'): Cmdline {
  requireText(text, file)
  const raw = text.replace(/\r?\n$/, '')
  if (raw.includes('\n')) throw new ParseError(file, 2, 'the command line on a single line', raw.split('\n')[1] as string)
  const params = splitParams(raw)
  const result: Cmdline = {
    raw,
    params,
    cma: null,
    hugetlbCma: null,
    kernelcore: null,
    movablecore: null,
    transparentHugepage: null,
    hugepagesz: [],
  }
  for (const [name, val] of params) {
    const key = name.replace(/-/g, '_')
    if (val === true) continue
    switch (key) {
      case 'cma': result.cma = parseSizeAt(val, file, 'cma'); break
      case 'hugetlb_cma': result.hugetlbCma = parseHugetlbCma(val, file); break
      case 'kernelcore': result.kernelcore = val; break
      case 'movablecore': result.movablecore = val; break
      case 'transparent_hugepage': result.transparentHugepage = val; break
      case 'hugepagesz': result.hugepagesz.push(val); break
      default: break
    }
  }
  return result
}
