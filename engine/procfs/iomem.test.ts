import { describe, it, expect } from 'vitest'
import { parseIomemKernelImage } from './iomem.ts'

const X86 = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
00100000-bffdcfff : System RAM
  6da00000-6e2eafff : Kernel rodata
  6ca00000-6d801d31 : Kernel code
  6e400000-6e64897f : Kernel data
  6ed10000-6fdfffff : Kernel bss
bffdd000-bfffffff : Reserved
`

describe('/proc/iomem: the kernel image', () => {
  it('reads the sections in address order', () => {
    expect(parseIomemKernelImage(X86)).toEqual([
      { part: 'code', start: 0x6ca00000, end: 0x6d801d31 },
      { part: 'rodata', start: 0x6da00000, end: 0x6e2eafff },
      { part: 'data', start: 0x6e400000, end: 0x6e64897f },
      { part: 'bss', start: 0x6ed10000, end: 0x6fdfffff },
    ])
  })
  it('arm64 names code and data only', () => {
    expect(parseIomemKernelImage('40000000-7fffffff : System RAM\n  40210000-4185ffff : Kernel code\n  41eb0000-4220ffff : Kernel data\n').map((k) => k.part)).toEqual(['code', 'data'])
  })
  it('leaves out the zeroed addresses a read without CAP_SYS_ADMIN shows, and other lines', () => {
    expect(parseIomemKernelImage('00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\nnot a line\n')).toEqual([])
  })
})
