/**
 * manifest.json of a snapshot bundle or directory: parsing (with the line and column of a
 * JSON syntax error) and hand validation of every field. The format, versions 1 and 2, is
 * described in docs/bundle-format.md; capture/buddyscope-capture writes version 2.
 *
 *   { "format": "buddyscope-snapshot", "version": 1 | 2, "hostname"?, "kernelRelease"?, "arch"?,
 *     "pageSize"?, "captureTime"? (ISO 8601), "uptime"?, "files"?, "skipped"?,
 *     "series"?: [{ "label", "dir", "trigger"?, "captureTime"?, "uptime"?, "files"?, "skipped"? }],
 *     "steps"?: [{ "name", "after", "start"?, "end"?, "rc"?, "deltas"?, ... }] }
 *
 * Version 1 lists "files" as names; version 2 as {"path", "start", "end"} (uptime seconds), and
 * adds "uptime", "skipped", per-capture fields in "series", and "steps". Unknown keys are
 * allowed (newer writers may add some); known keys must have the right type.
 */
import { SnapshotError } from './snapshot_error.ts'

export const MANIFEST_FORMAT = 'buddyscope-snapshot'
/** The newest version this build reads (it reads every version from 1 up to this one). */
export const MANIFEST_VERSION = 2
/** manifest.json larger than this is refused (a few KB in practice; a long series a few 100 KB). */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024

/** A file of a capture: its path in the capture folder, and when it was read (uptime seconds). */
export interface ManifestFile {
  path: string
  start?: number
  end?: number
}

/** A file the capture tool did not capture, and why (not root, debugfs not mounted, lockdown, …). */
export interface ManifestSkip {
  path: string
  reason: string
}

/** What one capture of the bundle says about itself (version 2: per capture of a series, or the top level). */
export interface ManifestCaptureInfo {
  /** ISO 8601 date-time, as written. */
  captureTime?: string
  /** /proc/uptime (seconds) when the capture began: the clock of its files' times */
  uptime?: number
  files?: ManifestFile[]
  skipped?: ManifestSkip[]
}

export interface ManifestCapture extends ManifestCaptureInfo {
  label: string
  /** Folder of the capture, relative to the manifest's folder (no absolute paths, no `..`). */
  dir: string
  /** What happened before this capture (free-form object written by the capture tool). */
  trigger?: Record<string, unknown>
}

/**
 * A write to the kernel between two captures (version 2), e.g. `cm` (compact_memory), `cn0`
 * (node0/compact), `huge:2048:64` (nr_hugepages of the 2 MiB pool): the steps.log of a harness
 * run, in JSON. Other keys (write, value, sizeKb, requested, before, obtained …) are kept.
 */
export interface ManifestStep extends Record<string, unknown> {
  name: string
  /** label of the capture this step followed */
  after: string
  start?: number
  end?: number
  rc?: number
  /** /proc/vmstat counters that changed across the step */
  deltas?: Record<string, number>
}

export interface Manifest extends ManifestCaptureInfo {
  format: typeof MANIFEST_FORMAT
  version: 1 | 2
  hostname?: string
  kernelRelease?: string
  arch?: string
  pageSize?: number
  /** the tool that wrote it (e.g. "buddyscope-capture"), as which user, with which options */
  tool?: string
  uid?: number
  options?: string
  /** the kernel's lockdown mode ("none", "integrity", "confidentiality") */
  lockdown?: string
  /** where debugfs was mounted ("" = not mounted) */
  debugfs?: string
  series?: ManifestCapture[]
  steps?: ManifestStep[]
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
  if (data.version !== 1 && data.version !== 2) {
    if (data.version === undefined) bad(where, `"version" is missing (expected 1 to ${MANIFEST_VERSION})`)
    if (typeof data.version === 'number' && Number.isInteger(data.version) && data.version > MANIFEST_VERSION) {
      bad(where, `"version" ${data.version} is newer than this build of buddyscope understands (version ${MANIFEST_VERSION}); update buddyscope`)
    }
    bad(where, `"version" must be 1 or 2, found ${describeValue(data.version)}`)
  }
  const version = data.version
  const out: Manifest = { format: MANIFEST_FORMAT, version }
  for (const key of ['hostname', 'kernelRelease', 'arch', 'tool'] as const) {
    const v = data[key]
    if (v === undefined) continue
    if (typeof v !== 'string' || v.trim() === '') bad(where, `"${key}" must be a non-empty string, found ${describeValue(v)}`)
    out[key] = v
  }
  for (const key of ['options', 'lockdown', 'debugfs'] as const) {
    const v = data[key]
    if (v === undefined) continue
    if (typeof v !== 'string') bad(where, `"${key}" must be a string, found ${describeValue(v)}`)
    out[key] = v
  }
  if (data.uid !== undefined) {
    if (typeof data.uid !== 'number' || !Number.isInteger(data.uid) || data.uid < 0) bad(where, `"uid" must be a user id (an integer ≥ 0), found ${describeValue(data.uid)}`)
    out.uid = data.uid
  }
  if (data.pageSize !== undefined) {
    const v = data.pageSize
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1024 || v > 1 << 20 || (v & (v - 1)) !== 0) {
      bad(where, `"pageSize" must be a power of two in bytes between 1024 and 1048576 (e.g. 4096), found ${describeValue(v)}`)
    }
    out.pageSize = v
  }
  Object.assign(out, captureInfo(data, where, '', version))
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
      const entry: ManifestCapture = { label: c.label, dir: c.dir, ...captureInfo(c, where, `${at}.`, version) }
      if (c.trigger !== undefined) {
        if (!isPlainObject(c.trigger)) bad(where, `${at}."trigger" must be an object, found ${describeValue(c.trigger)}`)
        entry.trigger = c.trigger
      }
      return entry
    })
  }
  if (data.steps !== undefined) {
    const v = data.steps
    if (!Array.isArray(v)) bad(where, `"steps" must be an array of {"name", "after"} objects, found ${describeValue(v)}`)
    const labels = new Set((out.series ?? []).map((c) => c.label))
    out.steps = v.map((s: unknown, i): ManifestStep => {
      const at = `"steps"[${i}]`
      if (!isPlainObject(s)) bad(where, `${at} must be an object with "name" and "after", found ${describeValue(s)}`)
      if (typeof s.name !== 'string' || s.name.trim() === '') bad(where, `${at}."name" must be a non-empty string, found ${describeValue(s.name)}`)
      if (typeof s.after !== 'string') bad(where, `${at}."after" must be the label of the capture the step followed, found ${describeValue(s.after)}`)
      if (!labels.has(s.after)) bad(where, `${at}."after" ${JSON.stringify(s.after)} is not a capture of "series" (${[...labels].join(', ') || 'none'})`)
      for (const key of ['start', 'end', 'rc'] as const) {
        if (s[key] !== undefined && (typeof s[key] !== 'number' || !Number.isFinite(s[key]))) bad(where, `${at}."${key}" must be a number, found ${describeValue(s[key])}`)
      }
      if (s.deltas !== undefined) {
        if (!isPlainObject(s.deltas)) bad(where, `${at}."deltas" must be an object of /proc/vmstat counter deltas, found ${describeValue(s.deltas)}`)
        for (const [k, d] of Object.entries(s.deltas)) {
          if (typeof d !== 'number' || !Number.isInteger(d)) bad(where, `${at}."deltas"."${k}" must be an integer, found ${describeValue(d)}`)
        }
      }
      return { ...s, name: s.name, after: s.after } as ManifestStep
    })
  }
  return out
}

/** captureTime, uptime, files and skipped of the top level or of one capture of "series". */
function captureInfo(data: Record<string, unknown>, where: string, at: string, version: 1 | 2): ManifestCaptureInfo {
  const out: ManifestCaptureInfo = {}
  if (data.captureTime !== undefined) {
    const v = data.captureTime
    if (typeof v !== 'string' || !ISO_DATE.test(v) || Number.isNaN(Date.parse(v))) {
      bad(where, `${at}"captureTime" must be an ISO 8601 date-time string such as "2024-05-01T12:34:56Z", found ${describeValue(v)}`)
    }
    out.captureTime = v
  }
  if (data.uptime !== undefined) {
    if (typeof data.uptime !== 'number' || !(data.uptime >= 0)) bad(where, `${at}"uptime" must be a number of seconds (as in /proc/uptime), found ${describeValue(data.uptime)}`)
    out.uptime = data.uptime
  }
  if (data.files !== undefined) {
    const v = data.files
    if (!Array.isArray(v)) bad(where, `${at}"files" must be an array, found ${describeValue(v)}`)
    out.files = v.map((f: unknown, i): ManifestFile => {
      const fat = `${at}"files"[${i}]`
      if (version === 1) {
        if (typeof f !== 'string' || f === '') bad(where, `${fat} must be a non-empty string, found ${describeValue(f)}`)
        return { path: f }
      }
      if (!isPlainObject(f) || typeof f.path !== 'string' || f.path === '') bad(where, `${fat} must be an object {"path", "start", "end"}, found ${describeValue(f)}`)
      const file: ManifestFile = { path: f.path }
      for (const key of ['start', 'end'] as const) {
        const t = f[key]
        if (t === undefined) continue
        if (typeof t !== 'number' || !(t >= 0)) bad(where, `${fat}."${key}" must be a number of seconds (uptime), found ${describeValue(t)}`)
        file[key] = t
      }
      return file
    })
  }
  if (data.skipped !== undefined) {
    const v = data.skipped
    if (!Array.isArray(v)) bad(where, `${at}"skipped" must be an array of {"path", "reason"} objects, found ${describeValue(v)}`)
    out.skipped = v.map((s: unknown, i): ManifestSkip => {
      if (!isPlainObject(s) || typeof s.path !== 'string' || typeof s.reason !== 'string') bad(where, `${at}"skipped"[${i}] must be an object {"path", "reason"} of strings, found ${describeValue(s)}`)
      return { path: s.path, reason: s.reason }
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
