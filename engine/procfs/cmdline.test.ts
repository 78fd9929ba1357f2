/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { harnessCaptures } from '../../test/helpers/procfs.ts'
import { parseCmdline, parseMemSize } from './cmdline.ts'
import { ParseError } from './types.ts'


describe('parseCmdline on real captures', () => {
  for (const c of harnessCaptures()) {
    it(`${c.name}: parses`, () => {
      const text = c.read('cmdline')
      const cl = parseCmdline(text)
      expect(cl.raw).toBe(text.replace(/\n$/, ''))
      expect(cl.params[0]?.[0]).toBe('console')
      expect(cl.params.find(([k]) => k === 'loglevel')?.[1]).toBe('4')
      expect(cl.params.find(([k]) => k === 'panic')?.[1]).toBe('-1')
      // what each run booted with, read from its own command line
      const cma = /(?:^| )cma=(\d+)M(?: |$)/.exec(text)
      if (cma) expect(cl.cma).toEqual({ bytes: Number(cma[1]) << 20, base: null, limit: null })
      else expect(cl.cma).toBeNull()
      const hcma = /(?:^| )hugetlb_cma=(\d+)([MG])(?: |$)/.exec(text)
      if (hcma) expect(cl.hugetlbCma?.bytes).toBe(Number(hcma[1]) * (hcma[2] === 'G' ? 1 << 30 : 1 << 20))
      else expect(cl.hugetlbCma).toBeNull()
      expect(cl.hugepagesz).toEqual([])
    })
  }
})

describe('parseCmdline', () => {
  it('reads the memory parameters', () => {
    const cl = parseCmdline(
      'BOOT_IMAGE=/vmlinuz root=UUID=1234 ro quiet cma=64M@0x80000000-0xc0000000 hugetlb_cma=2G kernelcore=30% movablecore=mirror ' +
        'transparent_hugepage=madvise hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512 nokaslr\n',
    )
    expect(cl.cma).toEqual({ bytes: 64 << 20, base: 0x80000000, limit: 0xc0000000 })
    expect(cl.hugetlbCma).toEqual({ bytes: 2 * 2 ** 30, base: null, limit: null })
    expect(cl.kernelcore).toBe('30%')
    expect(cl.movablecore).toBe('mirror')
    expect(cl.transparentHugepage).toBe('madvise')
    expect(cl.hugepagesz).toEqual(['1G', '2M'])
    expect(cl.params.at(-1)).toEqual(['nokaslr', true])
    expect(cl.params[1]).toEqual(['root', 'UUID=1234'])
  })

  it('reads cma=size@base and the per-node hugetlb_cma form', () => {
    expect(parseCmdline('cma=256M@1G').cma).toEqual({ bytes: 256 << 20, base: 2 ** 30, limit: null })
    expect(parseCmdline('hugetlb_cma=0:1G,1:512M').hugetlbCma).toEqual({ bytes: 2 ** 30 + 2 ** 29, base: null, limit: null })
  })

  it('splits like the kernel: quotes, dashes, last one wins, "--" ends', () => {
    const cl = parseCmdline('dyndbg="file foo.c +p" "quoted flag" transparent-hugepage=never cma=32M cma=16M -- init_arg cma=1G')
    expect(cl.params).toEqual([
      ['dyndbg', 'file foo.c +p'],
      ['quoted flag', true],
      ['transparent-hugepage', 'never'],
      ['cma', '32M'],
      ['cma', '16M'],
    ])
    expect(cl.transparentHugepage).toBe('never')
    expect(cl.cma?.bytes).toBe(16 << 20)
  })

  it('keeps empty parameters out (double blanks in the fixtures)', () => {
    expect(parseCmdline('a=1  b=2\n').params).toEqual([['a', '1'], ['b', '2']])
    expect(parseCmdline('\n').params).toEqual([])
  })

  it('rejects garbage sizes, binary data and several lines', () => {
    const check = (text: string, line: number, re: RegExp): void => {
      let err: unknown
      try {
        parseCmdline(text, 'cap/cmdline')
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ParseError)
      expect((err as ParseError).line).toBe(line)
      expect((err as ParseError).message).toMatch(re)
      expect((err as ParseError).message.startsWith(`cap/cmdline:${line}: `)).toBe(true)
    }
    check('quiet cma=lots\n', 1, /size like .* in cma=size\[@base\[-limit\]\]/)
    check('cma=64M@\n', 1, /cma=/)
    check('cma=64M@0x1000-zz\n', 1, /cma=/)
    check('hugetlb_cma=0:1G,x:2G\n', 1, /hugetlb_cma=nid:size/)
    check('quiet\nsecond line\n', 2, /single line/)
    check('quiet \u0000\u0001\n', 1, /binary/)
  })
})

describe('parseMemSize', () => {
  it.each([
    ['4096', 4096], ['128M', 128 * 2 ** 20], ['128m', 128 * 2 ** 20], ['2G', 2 ** 31], ['1T', 2 ** 40], ['64k', 65536],
    ['0x80000000', 0x80000000], ['0x1000K', 0x1000 * 1024], ['0', 0], ['010', 8], ['4P', 4 * 2 ** 50],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseMemSize(text)).toBe(bytes)
  })
  it.each([['12Q'], [''], ['M'], ['1.5G'], ['-1M'], ['128MB'], ['09'], [' 1M']])('rejects %j', (text) => {
    expect(() => parseMemSize(text, 'cmdline')).toThrow(ParseError)
  })
  it('rejects sizes beyond 2^53-1 bytes', () => {
    expect(() => parseMemSize('8E')).toThrow(/no larger than 9007199254740991 bytes/)
    expect(() => parseMemSize('99999999999T')).toThrow(ParseError)
    expect(parseMemSize('8191T')).toBe(8191 * 2 ** 40)
  })
})
