/// <reference types="node" />
import { describe, it, expect } from 'vitest'
import { captures } from '../../test/helpers/procfs.ts'
import { readFileSync } from 'node:fs'
import { parseHugepages, parseSysctlVm, parseTransparentHugepage, selectedValue } from './sysctl.ts'
import { ParseError } from './types.ts'


describe('settings files on real captures', () => {
  for (const c of captures()) {
    it(`${c.name}: sysctl_vm, transparent_hugepage and hugepages parse`, () => {
      const s = parseSysctlVm(c.read('sysctl_vm'))
      expect(s.extfrag_threshold).toBe('500')
      expect(s.lowmem_reserve_ratio).toMatch(/^256\t256\t32\t0(\t0)?$/)
      const t = parseTransparentHugepage(c.read('transparent_hugepage'))
      expect(['always', 'madvise', 'never']).toContain(t.enabled)
      expect(['always', 'defer', 'defer+madvise', 'madvise', 'never']).toContain(t.defrag)
      expect(t.shmem_enabled).toBe('never')
      expect(t['khugepaged/max_ptes_none']).toBe('511')
      expect(t.hpage_pmd_size).toBe('2097152')
      const h = parseHugepages(c.read('hugepages'))
      expect(h.map((p) => p.sizeKb)).toContain(2048)
      for (const p of h) expect(p.free).toBeLessThanOrEqual(p.nr)
    })
  }

  it('x86-512M-s1 (thp:madvise set before boot capture): enabled madvise, defrag never', () => {
    const t = parseTransparentHugepage(readFileSync(new URL('../../fixtures/x86-512M-s1-compact/01-boot/transparent_hugepage', import.meta.url), 'utf8'))
    expect(t.enabled).toBe('madvise')
    expect(t.defrag).toBe('never')
    expect(t['khugepaged/defrag']).toBe('0')
  })

  it('arm64: four hugetlb pool sizes', () => {
    const h = parseHugepages(readFileSync(new URL('../../fixtures/arm64-1G-s6-cma-compact/05-after-hugetlb-2M-x64/hugepages', import.meta.url), 'utf8'))
    expect(h).toEqual([
      { sizeKb: 1048576, nr: 0, free: 0, surplus: 0 },
      { sizeKb: 2048, nr: 54, free: 54, surplus: 0 },
      { sizeKb: 32768, nr: 0, free: 0, surplus: 0 },
      { sizeKb: 64, nr: 0, free: 0, surplus: 0 },
    ])
  })
})

describe('selectedValue', () => {
  it.each([
    ['always defer defer+madvise [madvise] never', 'madvise'],
    ['[always] madvise never', 'always'],
    ['always inherit madvise [never]\n', 'never'],
    ['  0\n', '0'],
    ['', ''],
  ])('%j → %j', (text, want) => expect(selectedValue(text)).toBe(want))
})

describe('malformed settings files', () => {
  const check = (fn: () => unknown, line: number, re: RegExp): void => {
    let err: unknown
    try {
      fn()
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ParseError)
    expect((err as ParseError).line).toBe(line)
    expect((err as ParseError).message).toMatch(re)
  }
  it('sysctl_vm', () => {
    expect(parseSysctlVm('a: 1\nempty:\n')).toEqual({ a: '1', empty: '' })
    check(() => parseSysctlVm('a: 1\nno colon here\n', 'cap/sysctl_vm'), 2, /^cap\/sysctl_vm:2: expected a 'knob: value' line/)
    check(() => parseSysctlVm('a: 1\n\u0000\u0000\n', 'cap/sysctl_vm'), 2, /binary/)
  })
  it('transparent_hugepage', () => {
    check(() => parseTransparentHugepage('enabled [always] madvise never\n', 'cap/thp'), 1, /^cap\/thp:1: expected a 'setting: value' line/)
  })
  it('hugepages', () => {
    expect(parseHugepages('')).toEqual([])
    check(() => parseHugepages('hugepages-2048kB nr=1 free=x surplus=0\n', 'cap/hugepages'), 1, /^cap\/hugepages:1: .*value of free/)
    check(() => parseHugepages('hugepages-2048kB nr=1 free=1 surplus=0\nhugepages-1GB nr=0 free=0 surplus=0\n'), 2, /hugepages-<size>kB/)
    check(() => parseHugepages('hugepages-2048kB nr=1 surplus=0\n'), 1, /'free=N' field/)
    check(() => parseHugepages('hugepages-2048kB nr=1 free 1 surplus=0\n'), 1, /'key=value' pairs/)
    check(() => parseHugepages('hugepages-2048kB nr=99999999999999999 free=1 surplus=0\n'), 1, /no larger than/)
  })
})
