/// <reference types="node" />
/**
 * Malformed-input corpus across all text importers: other kinds of files, garbage bytes,
 * truncation at every byte, empty files. Every failure must be a ParseError that names the
 * file (and a line), never a TypeError or a crash.
 */
import { describe, it, expect } from 'vitest'
import { captures } from '../../test/helpers/procfs.ts'
import fc from 'fast-check'
import { parseBuddyinfo } from './buddyinfo.ts'
import { parsePagetypeinfo } from './pagetypeinfo.ts'
import { parseZoneinfo } from './zoneinfo.ts'
import { parseVmstat } from './vmstat.ts'
import { parseMeminfo } from './meminfo.ts'
import { parseFragIndex } from './frag_index.ts'
import { parseCmdline } from './cmdline.ts'
import { parseHugepages, parseSysctlVm, parseTransparentHugepage } from './sysctl.ts'
import { ParseError } from './types.ts'


type Parser = (text: string, file?: string) => unknown

/** Every importer, keyed by the fixture file name it reads. */
const PARSERS: Record<string, Parser> = {
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
}
const KINDS = Object.keys(PARSERS)

/** Pairs (file kind → parser) that share a layout and so legitimately parse. */
const SAME_LAYOUT = [
  ['vmstat', 'node0_vmstat'],
  ['extfrag_index', 'unusable_index'],
  ['sysctl_vm', 'transparent_hugepage'],
]
const compatible = (kind: string, parser: string): boolean =>
  kind === parser || parser === 'cmdline' || SAME_LAYOUT.some((p) => p.includes(kind) && p.includes(parser))

/** Run a parser; fail the test on anything thrown that is not a ParseError naming the file. */
function outcome(parse: Parser, text: string, file: string): ParseError | 'ok' {
  try {
    parse(text, file)
    return 'ok'
  } catch (e) {
    if (!(e instanceof ParseError)) throw new Error(`${file}: not a ParseError: ${String(e)}`, { cause: e })
    expect(e.file).toBe(file)
    expect(e.message.startsWith(e.line === null ? `${file}: expected ` : `${file}:${e.line}: expected `)).toBe(true)
    if (e.line !== null) expect(e.line).toBeGreaterThanOrEqual(1)
    return e
  }
}

const caps = captures()
const sample = caps.find((c) => c.name === 'x86-512M-s1-compact/02-before')!
const arm = caps[0]!

describe('a file of another kind is rejected', () => {
  for (const c of [arm, sample]) {
    for (const kind of KINDS) {
      const text = c.read(kind)
      for (const target of KINDS) {
        if (compatible(kind, target)) continue
        it(`${c.name}: ${kind} given to the ${target} parser`, () => {
          const r = outcome(PARSERS[target]!, text, `${kind}-as-${target}`)
          expect(r).toBeInstanceOf(ParseError)
        })
      }
    }
  }

  it('names line 1 for the structured files', () => {
    for (const target of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'extfrag_index', 'hugepages']) {
      for (const kind of ['meminfo', 'vmstat', 'cmdline', 'sysctl_vm']) {
        const r = outcome(PARSERS[target]!, sample.read(kind), 'f')
        expect(r === 'ok' ? null : r.line, `${kind} as ${target}`).toBe(1)
      }
    }
  })
})

describe('empty files', () => {
  for (const kind of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'extfrag_index']) {
    it(`${kind}: an empty or blank file is a ParseError saying it is empty`, () => {
      for (const text of ['', '\n', ' \n\t\n']) {
        const r = outcome(PARSERS[kind]!, text, kind)
        expect(r).toBeInstanceOf(ParseError)
        expect((r as ParseError).line).toBeNull()
        expect((r as ParseError).message).toBe(`${kind}: expected some content, but the file is empty`)
      }
    })
  }
  it('settings files and cmdline may be empty', () => {
    expect(parseSysctlVm('')).toEqual({})
    expect(parseTransparentHugepage('')).toEqual({})
    expect(parseHugepages('')).toEqual([])
    expect(parseCmdline('').params).toEqual([])
  })
})

describe('garbage bytes', () => {
  const decoder = new TextDecoder()
  const elf = decoder.decode(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0xff, 0xfe, 0x0a, 0x00]))
  for (const kind of KINDS) {
    it(`${kind}: an ELF header is a ParseError on line 1`, () => {
      const r = outcome(PARSERS[kind]!, elf, kind)
      expect(r).toBeInstanceOf(ParseError)
      expect((r as ParseError).line).toBe(1)
      expect((r as ParseError).expected).toMatch(/not binary data/)
    })
    it(`${kind}: a NUL in the middle of a real file names its line`, () => {
      const lines = sample.read(kind).split('\n')
      const at = Math.min(2, lines.length - 1)
      lines[at] = `${lines[at] ?? ''}\u0000`
      const r = outcome(PARSERS[kind]!, lines.join('\n'), kind)
      expect((r as ParseError).line).toBe(at + 1)
    })
    it(`${kind}: random bytes never crash (property)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          outcome(PARSERS[kind]!, decoder.decode(bytes), kind)
        }),
        { numRuns: 200 },
      )
    })
    it(`${kind}: random printable text never crashes (property)`, () => {
      const alphabet = fc.constantFrom(...'Node 0, zone DMA type >100000 -1.000 : kB ( ) [x] = \n\t0123456789abc'.split(''))
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 200 }), (chars) => {
          outcome(PARSERS[kind]!, chars.join(''), kind)
        }),
        { numRuns: 200 },
      )
    })
  }
})

describe('truncation', () => {
  for (const c of [arm, sample]) {
    for (const kind of KINDS) {
      it(`${c.name}: ${kind} cut at every byte gives a result or a ParseError`, () => {
        const text = c.read(kind)
        const step = Math.max(1, Math.floor(text.length / 400))
        for (let n = 0; n < text.length; n += step) outcome(PARSERS[kind]!, text.slice(0, n), kind)
      })
    }
  }

  it('a buddyinfo line cut mid-row is caught by the column count', () => {
    const text = sample.read('buddyinfo')
    const cut = text.slice(0, text.indexOf('\n') + 40)
    const r = outcome(parseBuddyinfo, cut, 'buddyinfo')
    expect((r as ParseError).line).toBe(2)
    expect((r as ParseError).expected).toMatch(/11 numeric columns/)
  })

  it('a zoneinfo cut inside a populated zone header is caught', () => {
    const text = sample.read('zoneinfo')
    const cut = text.slice(0, text.indexOf('        managed'))
    const r = outcome(parseZoneinfo, cut, 'zoneinfo')
    expect((r as ParseError).line).toBe(1)
    expect((r as ParseError).expected).toMatch(/'managed' line/)
  })
})

describe('huge numbers', () => {
  const big = '9007199254740992'
  const cases: Array<[string, string, number]> = [
    ['buddyinfo', `Node 0, zone      DMA      1 ${big} \n`, 1],
    ['pagetypeinfo', sample.read('pagetypeinfo').replace('Pages per block:  512', `Pages per block:  ${big}`), 2],
    ['zoneinfo', sample.read('zoneinfo').replace(/pages free {5}\d+/, `pages free     ${big}`), 46],
    ['vmstat', `nr_free_pages ${big}\n`, 1],
    ['meminfo', `MemTotal: ${big} kB\n`, 1],
    ['extfrag_index', `Node 0, zone      DMA ${big}.000 \n`, 1],
    ['hugepages', `hugepages-${big}kB nr=0 free=0 surplus=0\n`, 1],
    ['cmdline', `cma=${big}\n`, 1],
  ]
  for (const [kind, text, line] of cases) {
    it(`${kind}: 2^53 is a ParseError on line ${line}`, () => {
      const r = outcome(PARSERS[kind]!, text, kind)
      expect(r).toBeInstanceOf(ParseError)
      expect((r as ParseError).line).toBe(line)
      expect((r as ParseError).expected).toMatch(/no larger than/)
    })
  }
})
