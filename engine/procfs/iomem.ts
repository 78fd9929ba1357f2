/**
 * /proc/iomem's kernel image lines (kernel/resource.c r_show; the resources are registered by
 * arch/x86/kernel/setup.c setup_arch and arch/arm64/kernel/setup.c request_standard_resources):
 * `  6ca00000-6d801d31 : Kernel code`, `Kernel rodata` (x86), `Kernel data`, `Kernel bss` (x86),
 * nested under the System RAM range that holds them. A read without CAP_SYS_ADMIN prints every
 * address as 0: such ranges are left out.
 */

export type KernelImagePart = 'code' | 'rodata' | 'data' | 'bss'

/** one section of the kernel image: bytes [start, end] (end inclusive, as iomem prints it) */
export interface KernelImageRange {
  part: KernelImagePart
  start: number
  end: number
}

/** The kernel image's sections in address order; empty when iomem has none (or hides the addresses). */
export function parseIomemKernelImage(text: string): KernelImageRange[] {
  const out: KernelImageRange[] = []
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-fA-F]+)-([0-9a-fA-F]+)\s*:\s*Kernel (code|rodata|data|bss)\s*$/.exec(line)
    if (!m) continue
    const start = parseInt(m[1]!, 16)
    const end = parseInt(m[2]!, 16)
    if (!(end > start)) continue
    out.push({ part: m[3] as KernelImagePart, start, end })
  }
  return out.sort((a, b) => a.start - b.start)
}
