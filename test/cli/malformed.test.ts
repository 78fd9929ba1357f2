/**
 * A malformed-input corpus through `buddyscope inspect`: each case is a scratch copy of a real
 * capture's text files with one file broken (or a hostile bundle, or a path that is not a
 * capture). Every one must exit 1 with a single-line message on stderr naming the file (and the
 * line where there is one), no stack trace, and must leave its input files exactly as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { copyTextFiles, fingerprint, fixturePath, runCli } from '../helpers/cli_harness.ts'

const X86 = fixturePath('x86-512M-s1-compact', '02-before')
const ARM = fixturePath('arm64-1G-s6-cma-compact', '02-before')

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-malformed-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/** A scratch folder holding the text files of `capture`. */
function textCopy(name: string, capture = X86): string {
  const dir = join(work, name)
  copyTextFiles(capture, dir)
  return dir
}

const lines = (dir: string, file: string): string[] => readFileSync(join(dir, file), 'utf8').split('\n')

// ---- a hand-built ustar archive ---------------------------------------------------------------

/** One ustar header block: name, mode, size in octal, typeflag '0', magic 'ustar\0' + '00', checksum. */
function ustarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write('0000644\0', 100, 'latin1') // mode
  h.write('0000000\0', 108, 'latin1') // uid
  h.write('0000000\0', 116, 'latin1') // gid
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1') // size
  h.write('00000000000\0', 136, 'latin1') // mtime
  h.write('        ', 148, 'latin1') // checksum field counts as spaces
  h.write('0', 156, 'latin1') // typeflag: regular file
  h.write('ustar\0', 257, 'latin1')
  h.write('00', 263, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return h
}

function ustarEntry(name: string, content: Buffer): Buffer {
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512)
  content.copy(padded)
  return Buffer.concat([ustarHeader(name, content.length), padded])
}

/** entries, then two 512-byte zero blocks, gzipped */
function tarGz(entries: Array<[string, Buffer]>): Buffer {
  return gzipSync(Buffer.concat([...entries.map(([n, c]) => ustarEntry(n, c)), Buffer.alloc(1024)]))
}

// ---- the corpus --------------------------------------------------------------------------------

interface Case {
  name: string
  /** builds the input; returns the path given to inspect, the file the message must name, its line, and phrases the message must hold */
  make(caseDir: string): { input: string; file: string; line: number | null; says: string[] }
}

const CASES: Case[] = [
  {
    name: 'buddyinfo truncated in the middle of a row',
    make: () => {
      const dir = textCopy('truncated-row')
      const [first] = lines(dir, 'buddyinfo')
      writeFileSync(join(dir, 'buddyinfo'), `${first}\nNode 0, zone    DMA32  18267   6284    5`)
      return { input: dir, file: join(dir, 'buddyinfo'), line: 2, says: ['expected 11 numeric columns'] }
    },
  },
  {
    name: 'buddyinfo truncated inside the zone name',
    make: () => {
      const dir = textCopy('truncated-name')
      const [first] = lines(dir, 'buddyinfo')
      writeFileSync(join(dir, 'buddyinfo'), `${first}\nNode 0, zo`)
      return { input: dir, file: join(dir, 'buddyinfo'), line: 2, says: ["'Node N, zone NAME'"] }
    },
  },
  {
    name: 'buddyinfo with a wrong column count (12 orders on one row)',
    make: () => {
      const dir = textCopy('wrong-columns')
      const l = lines(dir, 'buddyinfo')
      l[1] = l[1]!.replace(/ $/, '      7 ')
      writeFileSync(join(dir, 'buddyinfo'), l.join('\n'))
      return { input: dir, file: join(dir, 'buddyinfo'), line: 2, says: ['11 numeric columns', 'as on line 1'] }
    },
  },
  {
    name: 'buddyinfo with a count too large for a safe integer',
    make: () => {
      const dir = textCopy('buddyinfo-huge')
      const l = lines(dir, 'buddyinfo')
      l[0] = l[0]!.replace(/\s3 $/, ' 99999999999999999999 ')
      writeFileSync(join(dir, 'buddyinfo'), l.join('\n'))
      return { input: dir, file: join(dir, 'buddyinfo'), line: 1, says: ['99999999999999999999', 'MAX_SAFE_INTEGER'] }
    },
  },
  {
    name: 'pagetypeinfo with garbage binary bytes',
    make: () => {
      const dir = textCopy('pagetypeinfo-binary')
      const raw = readFileSync(join(dir, 'pagetypeinfo'))
      // into the middle of line 6
      let at = 0
      for (let n = 0; n < 5; n++) at = raw.indexOf(0x0a, at) + 1
      at += 20
      writeFileSync(join(dir, 'pagetypeinfo'), Buffer.concat([raw.subarray(0, at), Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x80, 0x1b]), raw.subarray(at)]))
      return { input: dir, file: join(dir, 'pagetypeinfo'), line: 6, says: ['binary'] }
    },
  },
  {
    name: 'zoneinfo with a number too large for a safe integer',
    make: () => {
      const dir = textCopy('zoneinfo-huge')
      const l = lines(dir, 'zoneinfo')
      const at = l.findIndex((x) => /^\s+present\s+\d+$/.test(x))
      expect(at).toBeGreaterThan(0)
      l[at] = l[at]!.replace(/\d+$/, '99999999999999999999')
      writeFileSync(join(dir, 'zoneinfo'), l.join('\n'))
      return { input: dir, file: join(dir, 'zoneinfo'), line: at + 1, says: ['99999999999999999999', 'MAX_SAFE_INTEGER'] }
    },
  },
  {
    name: 'an empty buddyinfo',
    make: () => {
      const dir = textCopy('buddyinfo-empty')
      writeFileSync(join(dir, 'buddyinfo'), '')
      return { input: dir, file: join(dir, 'buddyinfo'), line: null, says: ['empty'] }
    },
  },
  {
    name: 'kpageflags whose length is not a multiple of 8',
    make: () => {
      const dir = textCopy('kpageflags-odd')
      writeFileSync(join(dir, 'kpageflags'), readFileSync(join(X86, 'kpageflags')).subarray(0, 1001))
      return { input: dir, file: join(dir, 'kpageflags'), line: null, says: ['multiple of 8'] }
    },
  },
  {
    name: 'kpageflags.gz decompressing to a length that is not a multiple of 8',
    make: () => {
      const dir = textCopy('kpageflags-gz-odd', ARM)
      const flags = gunzipSync(readFileSync(join(ARM, 'kpageflags.gz')))
      writeFileSync(join(dir, 'kpageflags.gz'), gzipSync(flags.subarray(0, flags.length - 3)))
      return { input: dir, file: join(dir, 'kpageflags.gz'), line: null, says: ['multiple of 8'] }
    },
  },
  {
    name: 'kpageflags that stops long before the last zone ends (truncated capture)',
    make: () => {
      const dir = textCopy('kpageflags-short')
      writeFileSync(join(dir, 'kpageflags'), readFileSync(join(X86, 'kpageflags')).subarray(0, 8000))
      return { input: dir, file: join(dir, 'kpageflags'), line: null, says: ['holds 1000 PFNs', 'truncated'] }
    },
  },
  {
    name: 'a tarball with a ../evil entry',
    make: (caseDir) => {
      const bundle = join(caseDir, 'evil.tar.gz')
      writeFileSync(bundle, tarGz([['../evil', Buffer.from('pwned\n')]]))
      return { input: bundle, file: bundle, line: null, says: ['"../evil"', 'unsafe'] }
    },
  },
  {
    name: 'a tarball with a good buddyinfo followed by a ../evil entry',
    make: (caseDir) => {
      const bundle = join(caseDir, 'half-evil.tgz')
      writeFileSync(bundle, tarGz([['buddyinfo', readFileSync(join(X86, 'buddyinfo'))], ['../evil', Buffer.from('pwned\n')]]))
      return { input: bundle, file: bundle, line: null, says: ['"../evil"', 'unsafe'] }
    },
  },
  {
    name: 'a nonexistent path',
    make: (caseDir) => {
      const p = join(caseDir, 'no-such-capture')
      return { input: p, file: p, line: null, says: ['no such file or directory'] }
    },
  },
  {
    name: 'a directory with no known files',
    make: (caseDir) => {
      const dir = join(caseDir, 'unknown-files')
      mkdirSync(dir)
      writeFileSync(join(dir, 'notes.txt'), 'nothing to see\n')
      writeFileSync(join(dir, 'RUN.md'), '# a run\n')
      return { input: dir, file: dir, line: null, says: ['none of the known capture files', 'notes.txt'] }
    },
  },
  {
    name: 'an empty directory',
    make: (caseDir) => {
      const dir = join(caseDir, 'empty')
      mkdirSync(dir)
      return { input: dir, file: dir, line: null, says: ['empty'] }
    },
  },
]

describe('malformed input through inspect', () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))('%s: exit 1, one line naming the file, input untouched', async (_name, i) => {
    const c = CASES[i]!
    const caseDir = join(work, `case-${i}`)
    mkdirSync(caseDir)
    const { input, file, line, says } = c.make(caseDir)
    const existed = existsSync(input)
    const before = existed ? fingerprint(input) : null
    // where a `../evil` entry would land if it were ever written
    const evilSpots = [join(tmpdir(), 'evil'), join(dirname(input), '..', 'evil'), join(caseDir, 'evil')]
    const evilBefore = evilSpots.map((p) => existsSync(p))

    for (const argv of [['inspect', input], ['inspect', input, '--json']]) {
      const r = await runCli(argv)
      expect(r.code, `${argv.join(' ')}\n${r.err}`).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toMatch(/^buddyscope: .+\n$/)
      expect(r.err.trimEnd(), 'a single line').not.toContain('\n')
      expect(r.err, 'no stack trace').not.toContain('    at ')
      // eslint-disable-next-line no-control-regex
      expect(r.err, 'no raw control characters from the input reach the terminal').not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
      expect(r.err).toContain(line === null ? `${file}:` : `${file}:${line}:`)
      for (const s of says) expect(r.err).toContain(s)
    }

    if (before) expect(fingerprint(input), 'input files unchanged (content and mtime)').toEqual(before)
    else expect(existsSync(input), 'a missing path is not created').toBe(false)
    expect(evilSpots.map((p) => existsSync(p)), 'nothing written outside the bundle').toEqual(evilBefore)
  })

  it('the hand-built tarball is a valid ustar archive (a plain entry in the same format opens)', async () => {
    const bundle = join(work, 'plain.tar.gz')
    writeFileSync(bundle, tarGz([['buddyinfo', readFileSync(join(X86, 'buddyinfo'))]]))
    const r = await runCli(['proc', bundle, 'buddyinfo'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toBe(readFileSync(join(X86, 'buddyinfo'), 'utf8'))
  })
})
