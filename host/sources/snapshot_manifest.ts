/**
 * manifest.json of a snapshot bundle or directory: parsing (with the line and column of a
 * JSON syntax error) and hand validation of every field.
 *
 *   { "format": "buddyscope-snapshot", "version": 1, "hostname"?, "kernelRelease"?, "arch"?,
 *     "pageSize"?, "captureTime"? (ISO 8601), "files"?: [names],
 *     "series"?: [{ "label": "...", "dir": "...", "trigger"?: {...} }] }
 *
 * Unknown keys are allowed (newer writers may add some); known keys must have the right type.
 */
import { SnapshotError } from './snapshot_error.ts'

export const MANIFEST_FORMAT = 'buddyscope-snapshot'
export const MANIFEST_VERSION = 1
/** manifest.json larger than this is refused (it is a few hundred bytes in practice). */
export const MANIFEST_MAX_BYTES = 1024 * 1024

export interface ManifestCapture {
  label: string
  /** Folder of the capture, relative to the manifest's folder (no absolute paths, no `..`). */
  dir: string
  /** What happened before this capture (free-form object written by the capture tool). */
  trigger?: Record<string, unknown>
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT
  version: typeof MANIFEST_VERSION
  hostname?: string
  kernelRelease?: string
  arch?: string
  pageSize?: number
  /** ISO 8601 date-time, as written. */
  captureTime?: string
  files?: string[]
  series?: ManifestCapture[]
}

/** Parse and validate manifest text; `where` names the file in messages (e.g. `/x/manifest.json`). */
export function parseManifest(text: string, where: string): Manifest {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let data: unknown
  try {
    data = JSON.parse(src)
  } catch (err) {
    const loc = locateJsonError(src)
    const offset = loc?.offset ?? positionFromMessage(err) ?? 0
    const { line, column } = lineColumn(src, offset)
    const what = loc ? loc.problem : (err instanceof Error ? err.message : String(err))
    throw new SnapshotError(where, `${where}: manifest.json is not valid JSON: line ${line}, column ${column}: ${what}`)
  }
  return validateManifest(data, where)
}

function bad(where: string, problem: string): never {
  throw new SnapshotError(where, `${where}: invalid manifest.json: ${problem}`)
}

function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v)
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${String(v)}`
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/** A relative folder path inside the snapshot: no absolute path, no `..`, no empty string. */
export function isSafeRelativeDir(dir: string): boolean {
  if (dir === '' || dir.includes('\0')) return false
  if (dir.startsWith('/') || dir.startsWith('\\') || /^[A-Za-z]:/.test(dir)) return false
  return !dir.split(/[\\/]/).includes('..')
}

export function validateManifest(data: unknown, where: string): Manifest {
  if (!isPlainObject(data)) bad(where, `expected a JSON object at the top level, found ${describeValue(data)}`)
  if (data.format !== MANIFEST_FORMAT) {
    bad(where, data.format === undefined
      ? `"format" is missing (expected "${MANIFEST_FORMAT}")`
      : `"format" must be "${MANIFEST_FORMAT}", found ${describeValue(data.format)}`)
  }
  if (data.version !== MANIFEST_VERSION) {
    if (data.version === undefined) bad(where, `"version" is missing (expected ${MANIFEST_VERSION})`)
    if (typeof data.version === 'number' && Number.isInteger(data.version) && data.version > MANIFEST_VERSION) {
      bad(where, `"version" ${data.version} is newer than this build of buddyscope understands (version ${MANIFEST_VERSION}); update buddyscope`)
    }
    bad(where, `"version" must be ${MANIFEST_VERSION}, found ${describeValue(data.version)}`)
  }
  const out: Manifest = { format: MANIFEST_FORMAT, version: MANIFEST_VERSION }
  for (const key of ['hostname', 'kernelRelease', 'arch'] as const) {
    const v = data[key]
    if (v === undefined) continue
    if (typeof v !== 'string' || v.trim() === '') bad(where, `"${key}" must be a non-empty string, found ${describeValue(v)}`)
    out[key] = v
  }
  if (data.pageSize !== undefined) {
    const v = data.pageSize
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1024 || v > 1 << 20 || (v & (v - 1)) !== 0) {
      bad(where, `"pageSize" must be a power of two in bytes between 1024 and 1048576 (e.g. 4096), found ${describeValue(v)}`)
    }
    out.pageSize = v
  }
  if (data.captureTime !== undefined) {
    const v = data.captureTime
    if (typeof v !== 'string' || !ISO_DATE.test(v) || Number.isNaN(Date.parse(v))) {
      bad(where, `"captureTime" must be an ISO 8601 date-time string such as "2024-05-01T12:34:56Z", found ${describeValue(v)}`)
    }
    out.captureTime = v
  }
  if (data.files !== undefined) {
    const v = data.files
    if (!Array.isArray(v)) bad(where, `"files" must be an array of file names, found ${describeValue(v)}`)
    v.forEach((f: unknown, i) => {
      if (typeof f !== 'string' || f === '') bad(where, `"files"[${i}] must be a non-empty string, found ${describeValue(f)}`)
    })
    out.files = v.slice() as string[]
  }
  if (data.series !== undefined) {
    const v = data.series
    if (!Array.isArray(v)) bad(where, `"series" must be an array of {"label", "dir"} objects, found ${describeValue(v)}`)
    if (v.length === 0) bad(where, '"series" is empty (expected at least one {"label", "dir"} object)')
    const labels = new Set<string>()
    out.series = v.map((c: unknown, i): ManifestCapture => {
      const at = `"series"[${i}]`
      if (!isPlainObject(c)) bad(where, `${at} must be an object with "label" and "dir", found ${describeValue(c)}`)
      if (typeof c.label !== 'string' || c.label.trim() === '') bad(where, `${at}."label" must be a non-empty string, found ${describeValue(c.label)}`)
      if (labels.has(c.label)) bad(where, `${at}."label" ${JSON.stringify(c.label)} is used twice (labels must be unique)`)
      labels.add(c.label)
      if (typeof c.dir !== 'string') bad(where, `${at}."dir" must be a string (a folder relative to manifest.json), found ${describeValue(c.dir)}`)
      if (!isSafeRelativeDir(c.dir)) bad(where, `${at}."dir" ${describeValue(c.dir)} must be a relative folder inside the snapshot (no absolute path, no "..")`)
      const entry: ManifestCapture = { label: c.label, dir: c.dir }
      if (c.trigger !== undefined) {
        if (!isPlainObject(c.trigger)) bad(where, `${at}."trigger" must be an object, found ${describeValue(c.trigger)}`)
        entry.trigger = c.trigger
      }
      return entry
    })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// JSON syntax error location. V8's JSON.parse messages do not always carry a position (Node 20
// prints e.g. `Unexpected token '}', "..." is not valid JSON`), so a small scanner finds the
// offset of the first error itself.

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(Math.max(offset, 0), text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}

function positionFromMessage(err: unknown): number | null {
  const m = err instanceof Error ? /position (\d+)/.exec(err.message) : null
  return m ? Number(m[1]) : null
}

class JsonSyntax {
  constructor(readonly offset: number, readonly problem: string) {}
}

/** Offset and description of the first JSON syntax error in `s`, or null if it is valid JSON. */
export function locateJsonError(s: string): { offset: number; problem: string } | null {
  let i = 0
  const found = (): string => (i >= s.length ? 'the end of the file' : JSON.stringify(s[i]))
  const fail = (expected: string): never => {
    throw new JsonSyntax(i, `expected ${expected}, found ${found()}`)
  }
  const ws = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++
  }
  const str = (): void => {
    i++ // opening quote
    for (;;) {
      if (i >= s.length) throw new JsonSyntax(i, 'unterminated string (missing closing ")')
      const c = s.charCodeAt(i)
      if (c === 0x22) { i++; return }
      if (c < 0x20) throw new JsonSyntax(i, 'control character (such as a raw line break) inside a string')
      if (c === 0x5c) {
        i++
        const e = s[i]
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(s[i + k] ?? '')) { i += k; fail('4 hex digits after \\u') }
          }
          i += 5
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)')
        i++
        continue
      }
      i++
    }
  }
  const digits = (): void => {
    if (!/[0-9]/.test(s[i] ?? '')) fail('a digit')
    while (/[0-9]/.test(s[i] ?? '')) i++
  }
  const num = (): void => {
    if (s[i] === '-') i++
    if (s[i] === '0') i++
    else digits()
    if (s[i] === '.') { i++; digits() }
    if (s[i] === 'e' || s[i] === 'E') {
      i++
      if (s[i] === '+' || s[i] === '-') i++
      digits()
    }
  }
  const value = (depth: number): void => {
    if (depth > 512) throw new JsonSyntax(i, 'nesting too deep')
    ws()
    const c = s[i]
    if (c === '{') {
      i++
      ws()
      if (s[i] === '}') { i++; return }
      for (;;) {
        ws()
        if (s[i] !== '"') fail('a property name in double quotes')
        str()
        ws()
        if (s[i] !== ':') fail('":" after the property name')
        i++
        value(depth + 1)
        ws()
        if (s[i] === ',') { i++; continue }
        if (s[i] === '}') { i++; return }
        fail('"," or "}" after a property value')
      }
    }
    if (c === '[') {
      i++
      ws()
      if (s[i] === ']') { i++; return }
      for (;;) {
        value(depth + 1)
        ws()
        if (s[i] === ',') { i++; continue }
        if (s[i] === ']') { i++; return }
        fail('"," or "]" after an array element')
      }
    }
    if (c === '"') return str()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num()
    for (const lit of ['true', 'false', 'null']) {
      if (s.startsWith(lit, i)) { i += lit.length; return }
    }
    fail('a value (object, array, string, number, true, false or null)')
  }
  try {
    value(0)
    ws()
    if (i < s.length) fail('the end of the file after the top-level value')
    return null
  } catch (err) {
    if (err instanceof JsonSyntax) return { offset: err.offset, problem: err.problem }
    throw err
  }
}
