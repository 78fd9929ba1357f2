/**
 * The capture's settings files (formats.md §10, §11):
 * - sysctl_vm: `name: value` per /proc/sys/vm knob (values may hold tabs, e.g.
 *   `lowmem_reserve_ratio: 256\t256\t32\t0\t0`);
 * - transparent_hugepage: `path: value` per /sys/kernel/mm/transparent_hugepage file,
 *   where choice files show the selected word in brackets;
 * - hugepages: `hugepages-<size>kB nr=N free=N surplus=N` per hugetlb pool size.
 */
import { ParseError, type HugepagePool, type SysctlVm, type TransparentHugepage } from './types.ts'
import { fields, parseUint, requireText, splitLines } from './text.ts'

const NAME_VALUE = /^([A-Za-z0-9_][\w./-]*):(?:[ \t]+(.*))?$/

function parseNameValue(text: string, file: string, what: string): Array<[string, string]> {
  requireText(text, file)
  const out: Array<[string, string]> = []
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    if (raw.trim() === '') continue
    const m = NAME_VALUE.exec(raw.trim())
    if (m === null) throw new ParseError(file, i + 1, `a '${what}: value' line`, raw)
    out.push([m[1] as string, (m[2] ?? '').trim()])
  }
  return out
}

/** Parse the `name: value` dump of /proc/sys/vm. Values are kept as text (tabs included). */
export function parseSysctlVm(text: string, file = 'sysctl_vm'): SysctlVm {
  const out: SysctlVm = {}
  for (const [k, v] of parseNameValue(text, file, 'knob')) out[k] = v
  return out
}

/** The bracketed (selected) word of a choice file, or the trimmed text when there is none. */
export function selectedValue(text: string): string {
  const m = /\[([^\]]*)\]/.exec(text)
  return m === null ? text.trim() : (m[1] as string)
}

/**
 * Parse the `path: value` dump of /sys/kernel/mm/transparent_hugepage: choice files give their
 * selected word (`defrag: always defer defer+madvise [madvise] never` → 'madvise'), the
 * others their trimmed text (`khugepaged/defrag: 0` → '0').
 */
export function parseTransparentHugepage(text: string, file = 'transparent_hugepage'): TransparentHugepage {
  const out: TransparentHugepage = {}
  for (const [k, v] of parseNameValue(text, file, 'setting')) out[k] = selectedValue(v)
  return out
}

const POOL = /^hugepages-(\d+)kB$/

/** Parse `hugepages-2048kB nr=0 free=0 surplus=0` lines (unknown `key=value` pairs are ignored). */
export function parseHugepages(text: string, file = 'hugepages'): HugepagePool[] {
  requireText(text, file)
  const out: HugepagePool[] = []
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    const toks = fields(raw)
    if (toks.length === 0) continue
    const m = POOL.exec(toks[0] as string)
    if (m === null) throw new ParseError(file, no, "a 'hugepages-<size>kB nr=N free=N surplus=N' line", raw)
    const kv = new Map<string, number>()
    for (const tok of toks.slice(1)) {
      const p = /^([a-z_]+)=(.*)$/.exec(tok)
      if (p === null) throw new ParseError(file, no, "'key=value' pairs after the pool name", raw)
      kv.set(p[1] as string, parseUint(p[2] as string, file, no, `the value of ${p[1] as string}`))
    }
    const need = (k: string): number => {
      const v = kv.get(k)
      if (v === undefined) throw new ParseError(file, no, `a '${k}=N' field`, raw)
      return v
    }
    out.push({
      sizeKb: parseUint(m[1] as string, file, no, 'the pool page size in kB'),
      nr: need('nr'),
      free: need('free'),
      surplus: need('surplus'),
    })
  }
  return out
}
