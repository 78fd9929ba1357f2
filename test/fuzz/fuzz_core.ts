/**
 * The mutational fuzzer of every importer: seeded from every real capture in fixtures/ (and the
 * capture tool's bundles), it mutates one or more files (bit flips, truncation at every line and
 * file boundary, huge and negative numbers, duplicated and missing zones, header changes, wrong
 * endianness in kpageflags, files of another kernel mixed into one capture, gzip bombs) and feeds
 * the result to one target:
 *
 * - `parser`: one engine/procfs importer on one mutated file (in memory);
 * - `capture`: parseCapture of a whole mutated capture (every file, their agreement), in memory;
 * - `model`: parseCapture, then the capture's layout (exact from the mutated
 *   kpageflags/kpagecount bytes, or synthesized), in memory;
 * - `load`: the host's loadSnapshot on a mutated capture folder on disk (gzip, manifest, links);
 * - `bundle`: the host's bundle reader on a mutated tarball (plain or gzip);
 * - `cli`: the CLI's main() in-process on a mutated capture (inspect, proc, whatif).
 *
 * Verdicts: `ok` (accepted), `rejected` (a ParseError or SnapshotError naming the file and, for
 * text, the line; or the CLI's one-line message naming the path with exit code 1), `crash`
 * (anything else: a TypeError, a RangeError, an error that names no file, a stack trace on
 * stderr, an exit code other than 0/1/2), `hang` (the case ran past its deadline). A crash or
 * hang is minimised (delta debugging over lines, then bytes) and can be kept as a regression
 * fixture (test/fuzz/regressions/) that test/fuzz/regressions.test.ts replays.
 *
 * Randomness comes from one seeded PRNG, so a case is reproduced from (seed, case number).
 */
import { readFileSync, readdirSync, statSync, existsSync, mkdirSync, writeFileSync, rmSync, mkdtempSync, symlinkSync } from 'node:fs'
import { gunzipSync, gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { tmpdir } from 'node:os'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  ParseError, parseBuddyinfo, parsePagetypeinfo, parseZoneinfo, parseVmstat, parseMeminfo, parseFragIndex, parseCmdline,
  parseSysctlVm, parseTransparentHugepage, parseHugepages, parseStepsLog, parseUptime, parseCapture, synthesizeModel,
  ExactLayoutBuilder, KpageDecoder, type CaptureInput,
} from '../../engine/index.ts'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures')
export const REGRESSIONS = join(dirname(fileURLToPath(import.meta.url)), 'regressions')

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: small, fast, seeded. */
export class FuzzRng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T
  }
  chance(p: number): boolean {
    return this.next() < p
  }
}

// ---------------------------------------------------------------------------------------------
// Seeds

/** One real capture: its text files as bytes (.gz decompressed); kpageflags/kpagecount on demand (seedFiles). */
export interface SeedCapture {
  name: string
  dir: string
  files: Map<string, Buffer>
  /** kpageflags/kpagecount: the file on disk (maybe .gz) */
  binaries: Map<string, string>
  /** whether its kpage files are small enough for the slower targets */
  small: boolean
}

const binaryCache = new Map<string, Buffer>()

/** Every file of a seed capture, kpage files included (decompressed; the last few kept in memory). */
export function seedFiles(c: SeedCapture): Map<string, Buffer> {
  const out = new Map(c.files)
  for (const [name, abs] of c.binaries) {
    let b = binaryCache.get(abs)
    if (!b) {
      const raw = readFileSync(abs)
      b = abs.endsWith('.gz') ? gunzipSync(raw) : raw
      if (binaryCache.size >= 24) binaryCache.delete(binaryCache.keys().next().value as string)
      binaryCache.set(abs, b)
    }
    out.set(name, b)
  }
  return out
}

export interface Seeds {
  captures: SeedCapture[]
  /** raw (uncompressed) tar images of the capture tool's bundles */
  tars: Array<{ name: string; tar: Buffer }>
}

const BINARY = new Set(['kpageflags', 'kpagecount'])
const SMALL_KPAGE = 2 * 1024 * 1024

let seedCache: Seeds | null = null

/** Every capture folder of every run in fixtures/ and every bundle of fixtures/capture-script. */
export function loadSeeds(): Seeds {
  if (seedCache) return seedCache
  const captures: SeedCapture[] = []
  for (const run of readdirSync(FIXTURES).sort()) {
    const runDir = join(FIXTURES, run)
    if (!statSync(runDir).isDirectory()) continue
    for (const cap of readdirSync(runDir).sort()) {
      const dir = join(runDir, cap)
      if (!/^\d\d-/.test(cap) || !statSync(dir).isDirectory()) continue
      const files = new Map<string, Buffer>()
      const binaries = new Map<string, string>()
      let small = true
      for (const f of readdirSync(dir).sort()) {
        const abs = join(dir, f)
        const st = statSync(abs)
        if (!st.isFile()) continue
        const name = f.replace(/\.gz$/, '')
        if (BINARY.has(name)) {
          // gzip'd kpage files of big machines (24 GiB: 48 MiB each) only serve the in-memory targets' text
          if (f.endsWith('.gz') ? st.size > 300 * 1024 : st.size > SMALL_KPAGE) small = false
          else binaries.set(name, abs)
          continue
        }
        const raw = readFileSync(abs)
        files.set(name, f.endsWith('.gz') ? gunzipSync(raw) : raw)
      }
      if (files.size > 0) captures.push({ name: `${run}/${cap}`, dir, files, binaries, small })
    }
  }
  const tars: Seeds['tars'] = []
  const cs = join(FIXTURES, 'capture-script')
  if (existsSync(cs)) {
    for (const f of readdirSync(cs).sort()) if (/\.(tar\.gz|tgz)$/.test(f)) tars.push({ name: f, tar: gunzipSync(readFileSync(join(cs, f))) })
  }
  seedCache = { captures, tars }
  return seedCache
}

// ---------------------------------------------------------------------------------------------
// Mutations

export const HOSTILE_NUMBERS = [
  '18446744073709551615', '18446744073709551616', '9007199254740993', '9007199254740991', '4294967296', '4294967295',
  '2147483648', '99999999999999999999999999999', '-1', '-2147483648', '-9007199254740993', '0', '1e308', '1e-9', 'NaN',
  'Infinity', '0x10', '007', '+5', '1.5', '-0', '',
]

/** A text or binary mutation of one file; returns the new bytes and a short description. */
type Mutator = (b: Buffer, rng: FuzzRng, name: string) => { bytes: Buffer; how: string }

const lines = (b: Buffer): string[] => b.toString('latin1').split('\n')
const join1 = (ls: string[]): Buffer => Buffer.from(ls.join('\n'), 'latin1')

/** zone blocks: [start line, end line) of each `Node N, zone X` section or row */
function zoneBlocks(ls: string[]): Array<[number, number]> {
  const starts: number[] = []
  for (let i = 0; i < ls.length; i++) if (/^\s*Node\s+\d+,\s*zone/.test(ls[i]!)) starts.push(i)
  const out: Array<[number, number]> = []
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k]!
    // a row format (buddyinfo, pagetypeinfo rows) is one line; zoneinfo's sections run to the next header
    const isSection = /^Node\s+\d+,\s*zone\s+\S+\s*$/.test(ls[s]!)
    out.push([s, isSection ? (starts[k + 1] ?? ls.length) : s + 1])
  }
  return out
}

const TEXT_MUTATORS: Record<string, Mutator> = {
  bitflip: (b, rng) => {
    const out = Buffer.from(b)
    const n = 1 + rng.int(8)
    for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8)
    return { bytes: out, how: `${n} bit flips` }
  },
  'truncate-line': (b, rng) => {
    const ls = lines(b)
    const k = rng.int(ls.length + 1)
    return { bytes: join1(ls.slice(0, k)), how: `cut after line ${k} of ${ls.length}` }
  },
  'truncate-byte': (b, rng) => {
    const k = rng.int(b.length + 1)
    return { bytes: b.subarray(0, k), how: `cut at byte ${k} of ${b.length}` }
  },
  'drop-line': (b, rng) => {
    const ls = lines(b)
    const k = rng.int(ls.length)
    ls.splice(k, 1)
    return { bytes: join1(ls), how: `line ${k + 1} removed` }
  },
  'huge-number': (b, rng) => {
    const text = b.toString('latin1')
    const nums = [...text.matchAll(/-?\d+/g)]
    if (nums.length === 0) return { bytes: b, how: 'no number' }
    const n = 1 + rng.int(3)
    let out = text
    const picked: string[] = []
    for (let i = 0; i < n; i++) {
      const all = [...out.matchAll(/-?\d+/g)]
      if (all.length === 0) break
      const m = rng.pick(all)
      const v = rng.pick(HOSTILE_NUMBERS)
      picked.push(v)
      out = out.slice(0, m.index) + v + out.slice(m.index + m[0].length)
    }
    return { bytes: Buffer.from(out, 'latin1'), how: `numbers replaced by ${picked.join(', ')}` }
  },
  'negative-number': (b, rng) => {
    const text = b.toString('latin1')
    const all = [...text.matchAll(/\b\d+\b/g)]
    if (all.length === 0) return { bytes: b, how: 'no number' }
    const m = rng.pick(all)
    return { bytes: Buffer.from(text.slice(0, m.index) + '-' + text.slice(m.index), 'latin1'), how: `-${m[0]} at ${m.index}` }
  },
  'duplicate-zone': (b, rng) => {
    const ls = lines(b)
    const blocks = zoneBlocks(ls)
    if (blocks.length === 0) return { bytes: b, how: 'no zone' }
    const [s, e] = rng.pick(blocks)
    const at = rng.chance(0.5) ? e : s
    ls.splice(at, 0, ...ls.slice(s, e))
    return { bytes: join1(ls), how: `zone at line ${s + 1} duplicated` }
  },
  'missing-zone': (b, rng) => {
    const ls = lines(b)
    const blocks = zoneBlocks(ls)
    if (blocks.length === 0) return { bytes: b, how: 'no zone' }
    const [s, e] = rng.pick(blocks)
    ls.splice(s, e - s)
    return { bytes: join1(ls), how: `zone at line ${s + 1} removed` }
  },
  'rename-zone': (b, rng) => {
    const text = b.toString('latin1')
    const all = [...text.matchAll(/zone\s+(\S+)/g)]
    if (all.length === 0) return { bytes: b, how: 'no zone' }
    const m = rng.pick(all)
    const to = rng.pick(['Normal', 'DMA', 'Movable', 'HighMem', 'Device', 'Bogus', '', 'Normal,'])
    const i = m.index + m[0].length - m[1]!.length
    return { bytes: Buffer.from(text.slice(0, i) + to + text.slice(i + m[1]!.length), 'latin1'), how: `zone ${m[1]} renamed ${to}` }
  },
  'node-change': (b, rng) => {
    const text = b.toString('latin1')
    const all = [...text.matchAll(/Node\s+(\d+)/g)]
    if (all.length === 0) return { bytes: b, how: 'no node' }
    const m = rng.pick(all)
    const to = rng.pick(['1', '63', '1024', '65535', '4294967296'])
    const i = m.index + m[0].length - m[1]!.length
    return { bytes: Buffer.from(text.slice(0, i) + to + text.slice(i + m[1]!.length), 'latin1'), how: `node ${m[1]} → ${to}` }
  },
  'header-change': (b, rng) => {
    const ls = lines(b)
    const head = Math.min(ls.length, 6)
    const k = rng.int(Math.max(1, head))
    const what = rng.int(4)
    if (what === 0) ls.splice(k, 1)
    else if (what === 1) ls.splice(k, 0, rng.pick(['Page block order: 13', 'Pages per block:  1', 'Free pages count per migrate type at order       0      1', 'Number of blocks type     Unmovable      Movable', '# header', 'version 2.0', '']))
    else if (what === 2) ls[k] = (ls[k] ?? '').replace(/\d+/, () => rng.pick(HOSTILE_NUMBERS))
    else ls[k] = (ls[k] ?? '').split(/\s+/).reverse().join(' ')
    return { bytes: join1(ls), how: `header line ${k + 1} changed (${what})` }
  },
  'column-change': (b, rng) => {
    const ls = lines(b)
    const k = rng.int(ls.length)
    const f = (ls[k] ?? '').split(/(\s+)/)
    if (rng.chance(0.5)) f.push(' ', String(rng.int(1000)))
    else f.splice(Math.max(0, f.length - 2), 2)
    ls[k] = f.join('')
    return { bytes: join1(ls), how: `line ${k + 1} column count changed` }
  },
  'swap-lines': (b, rng) => {
    const ls = lines(b)
    const i = rng.int(ls.length)
    const j = rng.int(ls.length)
    ;[ls[i], ls[j]] = [ls[j]!, ls[i]!]
    return { bytes: join1(ls), how: `lines ${i + 1} and ${j + 1} swapped` }
  },
  'junk-line': (b, rng) => {
    const ls = lines(b)
    const k = rng.int(ls.length + 1)
    const junk = rng.pick(['\0\0\0', '\x7fELF', 'Node 0, zone', ':', '\t\t', 'a'.repeat(5000), '\uFFFD', 'Node 0, zone Normal\x00', '>100000', '-'])
    ls.splice(k, 0, junk)
    return { bytes: join1(ls), how: `junk inserted at line ${k + 1}` }
  },
  'zone-geometry': (b, rng) => {
    // the numbers a model is built from: spans, counts, free blocks, watermarks
    const text = b.toString('latin1')
    const all = [...text.matchAll(/\b(spanned|present|managed|start_pfn:|pages free|min|low|high|nr_free_pages|count:|high:|batch:)\s+(\d+)/g)]
    const rows = [...text.matchAll(/^Node\s+\d+,\s*zone\s+\S+(?:,\s*type\s+\S+)?\s+(\d+)/gm)]
    // (not 2^26 .. 2^30 for a span: a real machine of 256 GiB – 4 TiB, slow to model by design, a bench item)
    const v = rng.pick(['1073741825', '2147483648', '1099511627776', '4503599627370496', '9007199254740991', '0', '1', '4294967295', '123456789'])
    if (all.length && (rows.length === 0 || rng.chance(0.6))) {
      const m = rng.pick(all)
      const i = m.index + m[0].length - m[2]!.length
      return { bytes: Buffer.from(text.slice(0, i) + v + text.slice(i + m[2]!.length), 'latin1'), how: `${m[1]} ${m[2]} → ${v}` }
    }
    if (rows.length) {
      const m = rng.pick(rows)
      const i = m.index + m[0].length - m[1]!.length
      return { bytes: Buffer.from(text.slice(0, i) + v + text.slice(i + m[1]!.length), 'latin1'), how: `first count of row at ${m.index} → ${v}` }
    }
    return { bytes: b, how: 'no geometry' }
  },
  crlf: (b) => ({ bytes: Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'), how: 'CRLF line ends' }),
  empty: () => ({ bytes: Buffer.alloc(0), how: 'emptied' }),
  'repeat-line': (b, rng) => {
    const ls = lines(b)
    const k = rng.int(ls.length)
    const n = 2 + rng.int(2000)
    ls.splice(k, 0, ...new Array<string>(n).fill(ls[k] ?? ''))
    return { bytes: join1(ls), how: `line ${k + 1} repeated ${n} times` }
  },
}

const BINARY_MUTATORS: Record<string, Mutator> = {
  endianness: (b) => {
    const out = Buffer.from(b.subarray(0, b.length - (b.length % 8)))
    for (let i = 0; i + 8 <= out.length; i += 8) out.subarray(i, i + 8).reverse()
    return { bytes: out, how: 'every u64 byte-swapped (big-endian)' }
  },
  'truncate-entry': (b, rng) => {
    const k = rng.int(Math.floor(b.length / 8) + 1) * 8
    return { bytes: b.subarray(0, k), how: `cut after ${k / 8} entries` }
  },
  'truncate-byte': (b, rng) => {
    const k = rng.int(b.length + 1)
    return { bytes: b.subarray(0, k), how: `cut at byte ${k}` }
  },
  'truncate-half': (b) => ({ bytes: b.subarray(0, Math.floor(b.length / 16) * 8), how: 'cut in half' }),
  bitflip: (b, rng) => {
    const out = Buffer.from(b)
    const n = 1 + rng.int(64)
    for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8)
    return { bytes: out, how: `${n} bit flips` }
  },
  'all-ones': (b, rng) => {
    const out = Buffer.from(b)
    const n = 1 + rng.int(256)
    for (let i = 0; i < n && out.length >= 8; i++) {
      const at = rng.int(out.length / 8) * 8
      out.fill(0xff, at, at + 8)
    }
    return { bytes: out, how: `${n} entries all ones` }
  },
  'random-range': (b, rng) => {
    const out = Buffer.from(b)
    if (out.length < 8) return { bytes: out, how: 'too short' }
    const at = rng.int(out.length / 8) * 8
    const len = Math.min(out.length - at, 8 * (1 + rng.int(4096)))
    for (let i = at; i < at + len; i++) out[i] = rng.int(256)
    return { bytes: out, how: `${len / 8} entries at ${at / 8} randomised` }
  },
  'append-junk': (b, rng) => {
    const extra = Buffer.alloc(1 + rng.int(64 * 1024), rng.int(256))
    return { bytes: Buffer.concat([b, extra]), how: `${extra.length} bytes appended` }
  },
  empty: () => ({ bytes: Buffer.alloc(0), how: 'emptied' }),
}

export const TEXT_MUTATOR_NAMES = Object.keys(TEXT_MUTATORS)
export const BINARY_MUTATOR_NAMES = Object.keys(BINARY_MUTATORS)

export function mutateFile(name: string, bytes: Buffer, rng: FuzzRng): { bytes: Buffer; how: string } {
  const table = BINARY.has(name) ? BINARY_MUTATORS : TEXT_MUTATORS
  const key = rng.pick(Object.keys(table))
  const r = table[key]!(bytes, rng, name)
  // sometimes stack a second mutation
  if (rng.chance(0.2)) {
    const key2 = rng.pick(Object.keys(table))
    const r2 = table[key2]!(r.bytes, rng, name)
    return { bytes: r2.bytes, how: `${name}: ${key} (${r.how}) + ${key2} (${r2.how})` }
  }
  return { bytes: r.bytes, how: `${name}: ${key} (${r.how})` }
}

/** A mutated capture: files changed, removed, taken from another kernel's capture, or gzip-bombed. */
export interface MutatedCapture {
  seed: string
  files: Map<string, Buffer>
  /** files to write gzip-compressed (name → bytes before compression is not kept: these are bombs) */
  gz: Map<string, Buffer>
  how: string[]
}

let bombCache: Buffer | null = null
/** 96 MiB of zeros, gzip-compressed (~96 KiB): beyond the 64 MiB text limit. */
export function gzipBomb(): Buffer {
  if (!bombCache) bombCache = gzipSync(Buffer.alloc(96 * 1024 * 1024), { level: 9 })
  return bombCache
}

/**
 * A capture with one to three mutations. `binaries: false`: kpageflags/kpagecount stay empty
 * placeholders (parseCapture only needs to know they are there), so the case costs no gunzip.
 */
export function mutateCapture(seeds: Seeds, rng: FuzzRng, opts: { smallOnly: boolean; bombs: boolean; binaries: boolean }): MutatedCapture {
  const pool = opts.smallOnly ? seeds.captures.filter((c) => c.small) : seeds.captures
  const base = rng.pick(pool)
  const files = opts.binaries ? seedFiles(base) : new Map([...base.files, ...[...base.binaries.keys()].map((n) => [n, Buffer.alloc(0)] as const)])
  const gz = new Map<string, Buffer>()
  const how: string[] = []
  const n = 1 + (rng.chance(0.3) ? rng.int(3) : 0)
  for (let i = 0; i < n; i++) {
    const names = [...files.keys()].filter((n) => opts.binaries || !BINARY.has(n))
    if (names.length === 0) break
    const what = rng.int(20)
    if (what === 0) {
      const victim = rng.pick(names)
      files.delete(victim)
      how.push(`${victim} removed`)
    } else if (what === 1 || what === 2) {
      // mixed kernel versions: one file from another run's capture
      const other = rng.pick(pool)
      const otherFiles = opts.binaries && rng.chance(0.2) ? seedFiles(other) : other.files
      const name = rng.pick([...otherFiles.keys()])
      files.set(name, otherFiles.get(name)!)
      how.push(`${name} taken from ${other.name}`)
    } else if (what === 3 && opts.bombs) {
      const name = rng.pick(['buddyinfo', 'zoneinfo', 'pagetypeinfo', 'vmstat'])
      files.delete(name)
      gz.set(name, gzipBomb())
      how.push(`${name}.gz is a gzip bomb (96 MiB of zeros)`)
    } else {
      const name = rng.pick(names)
      const r = mutateFile(name, files.get(name)!, rng)
      files.set(name, r.bytes)
      how.push(r.how)
    }
  }
  return { seed: base.name, files, gz, how }
}

// ---------------------------------------------------------------------------------------------
// Verdicts

export type Verdict = 'ok' | 'rejected' | 'crash' | 'hang'

export interface Outcome {
  verdict: Verdict
  /** the error's class and message, or the CLI's stderr */
  detail: string
}

/** An error the importers may raise: typed, and naming the file (and the line when it has one). */
export function classifyError(e: unknown, mustName: string[]): Outcome {
  if (!(e instanceof Error)) return { verdict: 'crash', detail: `non-Error thrown: ${String(e)}` }
  const detail = `${e.name}: ${e.message}`
  if (e instanceof ParseError) {
    if (!mustName.some((n) => e.file.includes(n))) return { verdict: 'crash', detail: `ParseError names ${e.file}, not the input` }
    return { verdict: 'rejected', detail }
  }
  if (e.name === 'SnapshotError' || (e.constructor === Error && e.name === 'Error')) {
    if (!mustName.some((n) => e.message.includes(n))) return { verdict: 'crash', detail: `${detail} (names no input file)` }
    return { verdict: 'rejected', detail }
  }
  return { verdict: 'crash', detail: `${detail}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` }
}

const STACK_LINE = /^\s+at\s.+(:\d+:\d+\)?|\(native\))$/m

/** The CLI's output: exit 0, or exit 1 with one line naming the input, or exit 2 (usage). */
export function classifyCli(code: number, stderr: string, mustName: string[]): Outcome {
  if (STACK_LINE.test(stderr)) return { verdict: 'crash', detail: `stack trace on stderr:\n${stderr.slice(0, 2000)}` }
  if (code === 0 || code === 2) return { verdict: code === 0 ? 'ok' : 'rejected', detail: stderr.trim().slice(0, 300) }
  if (code !== 1) return { verdict: 'crash', detail: `exit code ${code}: ${stderr.slice(0, 500)}` }
  const first = stderr.split('\n')[0] ?? ''
  if (!mustName.some((n) => first.includes(n))) return { verdict: 'crash', detail: `message names no input file: ${first}` }
  // the words of the message, without what it quotes from the input (which may well say "NaN")
  const own = first.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  if (/\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|Cannot read propert|is not a function|is not iterable|Invalid array length|Maximum call stack|\bundefined\b|\bNaN\b/.test(own)) {
    return { verdict: 'crash', detail: `internal error shown to the user: ${first}` }
  }
  return { verdict: 'rejected', detail: first }
}

// ---------------------------------------------------------------------------------------------
// Targets

type Parser = (text: string, file: string) => unknown

/** Every text importer, by the capture's logical file name. */
export const PARSERS: Record<string, Parser> = {
  buddyinfo: parseBuddyinfo,
  pagetypeinfo: parsePagetypeinfo,
  zoneinfo: parseZoneinfo,
  vmstat: parseVmstat,
  node0_vmstat: parseVmstat,
  meminfo: parseMeminfo,
  extfrag_index: parseFragIndex,
  unusable_index: parseFragIndex,
  cmdline: parseCmdline,
  sysctl_vm: parseSysctlVm,
  transparent_hugepage: parseTransparentHugepage,
  hugepages: parseHugepages,
  'steps.log': parseStepsLog,
  uptime: parseUptime,
}

export type TargetName = 'parser' | 'capture' | 'model' | 'load' | 'bundle' | 'cli'

/** A fully described input, enough to replay it (a regression fixture holds the same). */
export type FuzzInput =
  | { target: 'parser'; parser: string; bytes: Buffer }
  | { target: 'model'; files: Map<string, Buffer>; layout: 'exact' | 'synthesized' | 'none' }
  | { target: 'load'; files: Map<string, Buffer>; gz: Map<string, Buffer>; layout: 'auto' | 'exact' | 'synthesized' }
  | { target: 'bundle'; tar: Buffer; gzip: boolean }
  | { target: 'cli'; files: Map<string, Buffer>; gz: Map<string, Buffer>; argv: string[] }

function runParser(parser: string, bytes: Buffer): Outcome {
  const file = `fuzz/${parser}`
  try {
    PARSERS[parser]!(bytes.toString('utf8'), file)
    return { verdict: 'ok', detail: '' }
  } catch (e) {
    const o = classifyError(e, [file])
    if (o.verdict === 'rejected' && e instanceof ParseError && e.line !== null && e.line < 1) return { verdict: 'crash', detail: `line ${e.line} < 1: ${e.message}` }
    return o
  }
}

function runModel(files: Map<string, Buffer>, layout: 'exact' | 'synthesized' | 'none'): Outcome {
  const texts: Record<string, string> = {}
  const binaries: string[] = []
  for (const [n, b] of files) {
    if (BINARY.has(n)) binaries.push(n)
    else if (n !== 'manifest.json') texts[n] = b.toString('utf8')
  }
  const input: CaptureInput = { source: 'fuzz-capture', label: 'fuzz', texts, binaries, describe: (n) => `fuzz-capture/${n}` }
  try {
    const c = parseCapture(input)
    if (layout === 'none') return { verdict: 'ok', detail: '' }
    if (layout === 'exact' && files.has('kpageflags')) {
      const b = new ExactLayoutBuilder(c, { source: 'fuzz-capture/kpageflags' })
      const feed = (name: string, sink: (first: number, words: Uint32Array) => void): void => {
        const dec = new KpageDecoder(sink, `fuzz-capture/${name}`)
        const bytes = files.get(name)!
        // chunks of odd sizes, as a stream would deliver them
        for (let off = 0; off < bytes.length; off += 65531) dec.push(new Uint8Array(bytes.buffer, bytes.byteOffset + off, Math.min(65531, bytes.length - off)))
        dec.end()
      }
      feed('kpageflags', b.flagsSink)
      if (files.has('kpagecount')) feed('kpagecount', b.countSink)
      b.finish()
    } else {
      synthesizeModel(c, { seed: 1 })
    }
    return { verdict: 'ok', detail: '' }
  } catch (e) {
    return classifyError(e, ['fuzz-capture'])
  }
}

/** Write a mutated capture as a folder (unchanged kpage files are linked, not copied). */
export function writeCaptureDir(dir: string, files: Map<string, Buffer>, gz: Map<string, Buffer>, seed?: SeedCapture): void {
  mkdirSync(dir, { recursive: true })
  for (const [n, b] of files) {
    const safe = n.replace(/\//g, '_')
    const onDisk = seed?.binaries.get(n)
    if (onDisk && binaryCache.get(onDisk) === b) symlinkSync(onDisk, join(dir, onDisk.endsWith('.gz') ? `${safe}.gz` : safe))
    else writeFileSync(join(dir, safe), b)
  }
  for (const [n, b] of gz) writeFileSync(join(dir, `${n}.gz`), b)
}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<'timeout'>((ok) => {
    timer = setTimeout(() => ok('timeout'), ms)
  })
  try {
    return await Promise.race([p, t])
  } finally {
    clearTimeout(timer)
  }
}

async function runLoad(dir: string, layout: 'auto' | 'exact' | 'synthesized', deadlineMs: number): Promise<Outcome> {
  const { loadSnapshot } = await import('../../host/load.ts')
  try {
    const r = await withDeadline(loadSnapshot(dir, { layout }), deadlineMs)
    if (r === 'timeout') return { verdict: 'hang', detail: `loadSnapshot took over ${deadlineMs} ms` }
    return { verdict: 'ok', detail: '' }
  } catch (e) {
    return classifyError(e, [dir])
  }
}

async function runBundle(path: string, deadlineMs: number): Promise<Outcome> {
  const { openSeries, openSnapshot } = await import('../../host/sources/snapshot_source.ts')
  const work = async (): Promise<void> => {
    const series = await openSeries(path)
    try {
      const src = series ? series.captures[0]!.source : await openSnapshot(path)
      for (const f of src.files) {
        if (BINARY.has(f)) {
          // read through the stream (decompressing), counting
          let n = 0
          for await (const chunk of src.openStream(f)) n += chunk.length
          if (n < 0) throw new Error('unreachable')
        } else {
          await src.readText(f)
        }
      }
      if (!series) await src.close()
    } finally {
      await series?.close()
    }
  }
  try {
    const r = await withDeadline(work(), deadlineMs)
    if (r === 'timeout') return { verdict: 'hang', detail: `reading the bundle took over ${deadlineMs} ms` }
    return { verdict: 'ok', detail: '' }
  } catch (e) {
    return classifyError(e, [path])
  }
}

async function runCli(dir: string, argv: string[], deadlineMs: number): Promise<Outcome> {
  const { main } = await import('../../cli/main.ts')
  let err = ''
  const args = argv.map((a) => (a === '@' ? dir : a))
  const r = await withDeadline(main(args, { out: () => undefined, err: (s) => { err += s } }), deadlineMs)
  if (r === 'timeout') return { verdict: 'hang', detail: `buddyscope ${args.join(' ')} took over ${deadlineMs} ms` }
  return classifyCli(r, err, [dir])
}

/** Run one input against its target, timing it against the deadline. */
export async function runInput(input: FuzzInput, deadlineMs: number, scratch: string, seed?: SeedCapture): Promise<Outcome> {
  const t0 = performance.now()
  let o: Outcome
  switch (input.target) {
    case 'parser':
      o = runParser(input.parser, input.bytes)
      break
    case 'model':
      o = runModel(input.files, input.layout)
      break
    case 'load':
    case 'cli': {
      const dir = mkdtempSync(join(scratch, 'cap-'))
      try {
        writeCaptureDir(dir, input.files, input.gz, seed)
        o = input.target === 'load' ? await runLoad(dir, input.layout, deadlineMs) : await runCli(dir, input.argv, deadlineMs)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
      break
    }
    case 'bundle': {
      const dir = mkdtempSync(join(scratch, 'tar-'))
      const p = join(dir, input.gzip ? 'capture.tar.gz' : 'capture.tar')
      try {
        writeFileSync(p, input.gzip ? gzipSync(input.tar, { level: 1 }) : input.tar)
        o = await runBundle(p, deadlineMs)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
      break
    }
  }
  const took = performance.now() - t0
  if (o.verdict !== 'hang' && took > deadlineMs) return { verdict: 'hang', detail: `took ${took.toFixed(0)} ms (deadline ${deadlineMs} ms); ${o.detail}` }
  return o
}

// ---------------------------------------------------------------------------------------------
// Tar images: entry boundaries and content mutations

interface TarEntry { header: number; name: string; size: number; data: number; end: number }

/** The entries of a ustar image (header offset, name, size, data offset, end offset). */
export function tarEntries(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = []
  let off = 0
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512)
    if (h.every((x) => x === 0)) break
    const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '')
    const prefix = h.subarray(345, 500).toString('latin1').replace(/\0.*$/s, '')
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8) || 0
    const data = off + 512
    const end = data + Math.ceil(size / 512) * 512
    out.push({ header: off, name: prefix ? `${prefix}/${name}` : name, size, data, end })
    off = end
  }
  return out
}

function tarChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const x of h) sum += x
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
}

/** Mutate a tar image: bytes anywhere, truncation at entry boundaries, an entry's content, its type or name. */
export function mutateTar(tar: Buffer, rng: FuzzRng): { tar: Buffer; how: string } {
  const entries = tarEntries(tar)
  const what = rng.int(7)
  if (what === 0 || entries.length === 0) {
    const out = Buffer.from(tar)
    const n = 1 + rng.int(16)
    for (let i = 0; i < n; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8)
    return { tar: out, how: `${n} bit flips in the tar` }
  }
  const e = rng.pick(entries)
  if (what === 1) {
    const at = rng.pick([e.header, e.data, e.end, e.data + rng.int(Math.max(1, e.size))])
    return { tar: tar.subarray(0, at), how: `tar cut at ${at} (entry ${e.name})` }
  }
  if (what === 2 && e.size > 0) {
    const content = tar.subarray(e.data, e.data + e.size)
    const base = e.name.split('/').pop()!.replace(/\.gz$/, '')
    const r = mutateFile(BINARY.has(base) ? base : 'text', Buffer.from(content), rng)
    const fixed = Buffer.alloc(e.size)
    r.bytes.copy(fixed, 0, 0, Math.min(e.size, r.bytes.length))
    const out = Buffer.from(tar)
    fixed.copy(out, e.data)
    return { tar: out, how: `entry ${e.name}: ${r.how} (padded to its size)` }
  }
  const out = Buffer.from(tar)
  const h = out.subarray(e.header, e.header + 512)
  if (what === 3) {
    const type = rng.pick(['2', '1', '3', '4', '6', '5', 'x', 'g', 'K', 'L', 'Z'])
    h.write(type, 156, 'latin1')
    if (type === '1' || type === '2') {
      h.fill(0, 157, 257)
      h.write(rng.pick(['../../etc/passwd', '/etc/passwd', e.name, '..', 'a/../../b', entries[0]!.name]), 157, 'latin1')
    }
    tarChecksum(h)
    return { tar: out, how: `entry ${e.name} type → ${type}` }
  }
  if (what === 4) {
    const name = rng.pick(['../evil', '/abs/path', 'a/../../x', entries[0]!.name, './' + e.name, 'x\\..\\y', 'C:/x'])
    h.fill(0, 0, 100)
    h.fill(0, 345, 500)
    h.write(name.slice(0, 99), 0, 'latin1')
    tarChecksum(h)
    return { tar: out, how: `entry ${e.name} renamed ${name}` }
  }
  if (what === 5) {
    const size = rng.pick(['77777777777', '00000000000', '10000000000', (e.size + 1).toString(8).padStart(11, '0')])
    h.write(size + '\0', 124, 'latin1')
    tarChecksum(h)
    return { tar: out, how: `entry ${e.name} size field → ${size}` }
  }
  // an entry duplicated at the end
  const dup = Buffer.concat([tar.subarray(0, entries.at(-1)!.end), tar.subarray(e.header, e.end), Buffer.alloc(1024)])
  return { tar: dup, how: `entry ${e.name} duplicated at the end` }
}

// ---------------------------------------------------------------------------------------------
// Generating cases

export interface Weights { parser: number; capture: number; model: number; load: number; bundle: number; cli: number }

/**
 * npm test: mostly the in-memory importers (~0.3 ms a case); a few dozen cases build a model,
 * go through the disk, the bundle reader and the CLI (0.3 – 1.5 s each on this 2-core machine).
 */
export const TEST_WEIGHTS: Weights = { parser: 0.9, capture: 0.0959, model: 0.0015, load: 0.001, bundle: 0.0008, cli: 0.0008 }

const CLI_COMMANDS: string[][] = [
  ['inspect', '@'], ['inspect', '@', '--json'], ['inspect', '@', '--layout', 'synthesized'], ['proc', '@', 'buddyinfo'],
  ['proc', '@', 'pagetypeinfo', '--layout', 'synthesized'], ['proc', '@', 'extfrag_index'], ['whatif', 'compact', '@', '--order', '3'],
  ['whatif', 'hugetlb', '@', '--count', '16', '--layout', 'synthesized'],
]

export interface GeneratedCase { input: FuzzInput; how: string; seed?: SeedCapture }

export function generateCase(seeds: Seeds, rng: FuzzRng, w: Weights): GeneratedCase {
  const total = w.parser + w.capture + w.model + w.load + w.bundle + w.cli
  let x = rng.next() * total
  const pickTarget = (): TargetName => {
    for (const t of ['parser', 'capture', 'model', 'load', 'bundle', 'cli'] as const) {
      if (x < w[t]) return t
      x -= w[t]
    }
    return 'parser'
  }
  const target = pickTarget()
  if (target === 'parser') {
    const cap = rng.pick(seeds.captures)
    const names = [...cap.files.keys()].filter((n) => PARSERS[n] !== undefined)
    const name = rng.pick(names)
    // sometimes feed another importer's file (a file of the wrong kind)
    const parser = rng.chance(0.05) ? rng.pick(Object.keys(PARSERS)) : name
    const r = mutateFile(name, cap.files.get(name)!, rng)
    return { input: { target, parser, bytes: r.bytes }, how: `${cap.name}: ${r.how}${parser !== name ? ` (read as ${parser})` : ''}` }
  }
  if (target === 'bundle') {
    if (seeds.tars.length === 0) return generateCase(seeds, rng, { ...w, bundle: 0 })
    const t = rng.pick(seeds.tars)
    const r = mutateTar(t.tar, rng)
    const gzip = rng.chance(0.7)
    return { input: { target, tar: r.tar, gzip }, how: `${t.name}: ${r.how}${gzip ? '' : ' (plain .tar)'}` }
  }
  const inMemory = target === 'model' || target === 'capture'
  const m = mutateCapture(seeds, rng, { smallOnly: !inMemory || rng.chance(0.9), bombs: !inMemory, binaries: target !== 'capture' })
  const seed = seeds.captures.find((c) => c.name === m.seed)
  const how = `${m.seed}: ${m.how.join('; ')}`
  if (target === 'capture') return { input: { target: 'model', files: m.files, layout: 'none' }, how }
  if (target === 'model') return { input: { target, files: m.files, layout: rng.chance(0.4) ? 'exact' : 'synthesized' }, how }
  if (target === 'load') return { input: { target, files: m.files, gz: m.gz, layout: rng.pick(['auto', 'auto', 'synthesized', 'exact'] as const) }, how, ...(seed ? { seed } : {}) }
  const argv = rng.pick(CLI_COMMANDS)
  return { input: { target, files: m.files, gz: m.gz, argv }, how: `${how}; buddyscope ${argv.join(' ')}`, ...(seed ? { seed } : {}) }
}

// ---------------------------------------------------------------------------------------------
// Minimising and keeping failures

/** Delta debugging: drop chunks of lines, then bytes, while the failure keeps its verdict. */
export async function minimiseBytes(bytes: Buffer, fails: (b: Buffer) => Promise<boolean>, budget = 400): Promise<Buffer> {
  let cur = bytes
  let tries = 0
  for (const unit of ['line', 'byte'] as const) {
    const split = (b: Buffer): Buffer[] => {
      if (unit === 'byte') return [...b].map((x) => Buffer.from([x]))
      const parts: Buffer[] = []
      let s = 0
      for (let i = 0; i < b.length; i++) if (b[i] === 10) { parts.push(b.subarray(s, i + 1)); s = i + 1 }
      if (s < b.length) parts.push(b.subarray(s))
      return parts
    }
    if (unit === 'byte' && cur.length > 4096) break
    let parts = split(cur)
    let n = 2
    while (parts.length >= 2 && tries < budget) {
      const size = Math.ceil(parts.length / n)
      let reduced = false
      for (let i = 0; i < parts.length && tries < budget; i += size) {
        const cand = Buffer.concat([...parts.slice(0, i), ...parts.slice(i + size)])
        tries++
        if (await fails(cand)) {
          cur = cand
          parts = split(cur)
          n = Math.max(n - 1, 2)
          reduced = true
          break
        }
      }
      if (!reduced) {
        if (n >= parts.length) break
        n = Math.min(parts.length, n * 2)
      }
    }
  }
  return cur
}

/** Minimise a failing input (the files that matter, then their content). */
export async function minimiseInput(input: FuzzInput, verdict: Verdict, deadlineMs: number, scratch: string, seed?: SeedCapture): Promise<FuzzInput> {
  const still = async (i: FuzzInput): Promise<boolean> => (await runInput(i, deadlineMs, scratch, seed)).verdict === verdict
  if (input.target === 'parser') {
    return { ...input, bytes: await minimiseBytes(input.bytes, (b) => still({ ...input, bytes: b })) }
  }
  if (input.target === 'bundle') return input
  // drop whole files that are not needed, then shrink each text file that is left
  const files = new Map(input.files)
  for (const name of [...files.keys()]) {
    const without = new Map(files)
    without.delete(name)
    if (await still({ ...input, files: without } as FuzzInput)) files.delete(name)
  }
  if (input.target === 'model') {
    for (const name of [...files.keys()]) {
      if (BINARY.has(name)) continue
      const b = await minimiseBytes(files.get(name)!, (x) => still({ ...input, files: new Map(files).set(name, x) }), 150)
      files.set(name, b)
    }
  }
  return { ...input, files } as FuzzInput
}

/** Keep a failing input as a regression fixture: test/fuzz/regressions/<target>-<hash>/. */
export function saveRegression(input: FuzzInput, outcome: Outcome, how: string, root = REGRESSIONS): string {
  const h = createHash('sha256')
  h.update(input.target)
  if (input.target === 'parser') h.update(input.parser).update(input.bytes)
  else if (input.target === 'bundle') h.update(input.tar)
  else for (const [n, b] of input.files) h.update(n).update(b)
  const dir = join(root, `${input.target}-${h.digest('hex').slice(0, 12)}`)
  mkdirSync(dir, { recursive: true })
  const meta: Record<string, unknown> = { target: input.target, how, found: outcome.verdict, detail: outcome.detail.split('\n')[0] }
  if (input.target === 'parser') {
    meta['parser'] = input.parser
    writeFileSync(join(dir, 'input'), input.bytes)
  } else if (input.target === 'bundle') {
    meta['gzip'] = input.gzip
    writeFileSync(join(dir, 'input.tar'), input.tar)
  } else {
    if (input.target === 'model') meta['layout'] = input.layout
    if (input.target === 'load') meta['layout'] = input.layout
    if (input.target === 'cli') meta['argv'] = input.argv
    const files = join(dir, 'files')
    mkdirSync(files, { recursive: true })
    for (const [n, b] of input.files) writeFileSync(join(files, n.replace(/\//g, '_')), b)
    if (input.target !== 'model') for (const [n, b] of input.gz) writeFileSync(join(files, `${n}.gz`), b)
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n')
  return dir
}

/** Read a kept regression back as an input. */
export function readRegression(dir: string): { input: FuzzInput; meta: Record<string, unknown> } {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>
  const target = meta['target'] as FuzzInput['target']
  if (target === 'parser') return { meta, input: { target, parser: String(meta['parser']), bytes: readFileSync(join(dir, 'input')) } }
  if (target === 'bundle') return { meta, input: { target, tar: readFileSync(join(dir, 'input.tar')), gzip: meta['gzip'] === true } }
  const files = new Map<string, Buffer>()
  const gz = new Map<string, Buffer>()
  for (const f of readdirSync(join(dir, 'files')).sort()) {
    const b = readFileSync(join(dir, 'files', f))
    if (f.endsWith('.gz') && target !== 'model') gz.set(f.slice(0, -3), b)
    else files.set(f, b)
  }
  if (target === 'model') return { meta, input: { target, files, layout: meta['layout'] === 'exact' || meta['layout'] === 'none' ? meta['layout'] : 'synthesized' } }
  if (target === 'load') return { meta, input: { target, files, gz, layout: (meta['layout'] ?? 'auto') as 'auto' } }
  return { meta, input: { target: 'cli', files, gz, argv: meta['argv'] as string[] } }
}

// ---------------------------------------------------------------------------------------------
// The campaign

export interface FuzzOptions {
  seed: number
  /** stop after this many cases … */
  cases: number
  /** … or after this many milliseconds, whichever comes first */
  timeMs: number
  /** per case */
  deadlineMs: number
  weights: Weights
  /** minimise and keep failures here (null: do not keep) */
  keepDir: string | null
  /** at most this many failures are minimised (the rest are counted) */
  maxKept?: number
  onProgress?: (done: number, report: FuzzReport) => void
}

export interface FuzzFailure { caseNo: number; target: TargetName; verdict: Verdict; how: string; detail: string; kept: string | null }

export interface FuzzReport {
  seed: number
  casesRequested: number
  casesRun: number
  elapsedMs: number
  stoppedBy: 'cases' | 'time'
  byTarget: Record<TargetName, { cases: number; ok: number; rejected: number; crash: number; hang: number; slowestMs: number; totalMs: number }>
  crashes: number
  hangs: number
  /** cases past their deadline once that finished in time when run again (a busy machine, not a hang) */
  slowRetried: number
  failures: FuzzFailure[]
  /** the distinct error messages' first words, with counts (what users would see) */
  rejections: Record<string, number>
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const seeds = loadSeeds()
  const rng = new FuzzRng(opts.seed)
  const scratch = mkdtempSync(join(tmpdir(), 'buddyscope-fuzz-'))
  const empty = { cases: 0, ok: 0, rejected: 0, crash: 0, hang: 0, slowestMs: 0, totalMs: 0 }
  const report: FuzzReport = {
    seed: opts.seed, casesRequested: opts.cases, casesRun: 0, elapsedMs: 0, stoppedBy: 'cases',
    byTarget: { parser: { ...empty }, capture: { ...empty }, model: { ...empty }, load: { ...empty }, bundle: { ...empty }, cli: { ...empty } },
    crashes: 0, hangs: 0, slowRetried: 0, failures: [], rejections: {},
  }
  const t0 = performance.now()
  try {
    for (let i = 0; i < opts.cases; i++) {
      if (performance.now() - t0 > opts.timeMs) {
        report.stoppedBy = 'time'
        break
      }
      const c = generateCase(seeds, rng, opts.weights)
      const s = performance.now()
      let o = await runInput(c.input, opts.deadlineMs, scratch, c.seed)
      if (o.verdict === 'hang') {
        // a case past its deadline runs once more: a real hang hangs again, a busy machine does not
        const again = await runInput(c.input, opts.deadlineMs, scratch, c.seed)
        if (again.verdict !== 'hang') {
          report.slowRetried++
          o = again
        }
      }
      const took = performance.now() - s
      const kind: TargetName = c.input.target === 'model' && c.input.layout === 'none' ? 'capture' : c.input.target
      const t = report.byTarget[kind]
      t.cases++
      t[o.verdict]++
      t.slowestMs = Math.max(t.slowestMs, Math.round(took))
      t.totalMs += took
      report.casesRun++
      if (o.verdict === 'rejected') {
        const key = `${kind}: ${o.detail.replace(/^(ParseError|SnapshotError|Error): /, '').replace(/[^:]*?(fuzz\/|fuzz-capture\/|cap-\w+\/?|capture\.tar(\.gz)?)/, '').replace(/\d+/g, 'N').slice(0, 90)}`
        report.rejections[key] = (report.rejections[key] ?? 0) + 1
      }
      if (o.verdict === 'crash' || o.verdict === 'hang') {
        if (o.verdict === 'crash') report.crashes++
        else report.hangs++
        let kept: string | null = null
        if (opts.keepDir && report.failures.length < (opts.maxKept ?? 50)) {
          const small = await minimiseInput(c.input, o.verdict, opts.deadlineMs, scratch, c.seed)
          const again = await runInput(small, opts.deadlineMs, scratch, c.seed)
          kept = saveRegression(again.verdict === o.verdict ? small : c.input, again.verdict === o.verdict ? again : o, c.how, opts.keepDir)
        }
        report.failures.push({ caseNo: i, target: kind, verdict: o.verdict, how: c.how, detail: o.detail, kept })
      }
      if (opts.onProgress && report.casesRun % 1000 === 0) opts.onProgress(report.casesRun, report)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  report.elapsedMs = Math.round(performance.now() - t0)
  for (const t of Object.values(report.byTarget)) t.totalMs = Math.round(t.totalMs)
  return report
}

/** The report as text. */
export function reportText(r: FuzzReport): string {
  const out: string[] = []
  out.push(`buddyscope fuzz: seed ${r.seed}, ${r.casesRun} of ${r.casesRequested} cases in ${(r.elapsedMs / 1000).toFixed(1)} s (stopped by the ${r.stoppedBy} budget)`)
  out.push(`crashes: ${r.crashes}, hangs: ${r.hangs}${r.slowRetried ? ` (${r.slowRetried} case(s) past the deadline finished in time when run again)` : ''}`)
  out.push('')
  out.push('target    cases       ok   rejected  crash  hang  slowest     mean')
  for (const [t, s] of Object.entries(r.byTarget)) {
    out.push(`${t.padEnd(8)} ${String(s.cases).padStart(6)} ${String(s.ok).padStart(8)} ${String(s.rejected).padStart(10)} ${String(s.crash).padStart(6)} ${String(s.hang).padStart(5)} ${String(s.slowestMs).padStart(6)} ms ${(s.cases ? s.totalMs / s.cases : 0).toFixed(2).padStart(8)} ms`)
  }
  if (r.failures.length) {
    out.push('', 'failures:')
    for (const f of r.failures.slice(0, 50)) out.push(`  #${f.caseNo} ${f.target} ${f.verdict}: ${f.how}\n    ${f.detail.split('\n')[0]}${f.kept ? `\n    kept in ${f.kept}` : ''}`)
  }
  const top = Object.entries(r.rejections).sort((a, b) => b[1] - a[1]).slice(0, 25)
  out.push('', 'most frequent rejections (what a user reads):')
  for (const [k, n] of top) out.push(`  ${String(n).padStart(7)}  ${k}`)
  return out.join('\n') + '\n'
}
