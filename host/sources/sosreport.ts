/**
 * A sosreport (sos report, formerly sosreport), unpacked or as its .tar.xz: the copies of /proc
 * and /sys at its root are read as a capture mirroring the machine's paths (snapshot_source.ts);
 * this adds what sos keeps elsewhere:
 * - sos_commands/kernel/uname_-a (or the root's `uname`): kernel release, machine, host name;
 * - sos_commands/kernel/sysctl_-a: the vm.* sysctls (when proc/sys/vm was not copied);
 * - sos_commands/kernel/dmesg (else var/log/dmesg): the boot log's CMA lines;
 * - the root's `hostname` (sos' host plugin), sos_reports/manifest.json: the time sos started;
 * and a manifest that says what a sosreport lacks: sos never collects kpageflags, kpagecount,
 * the debugfs extfrag/unusable indices or page_owner, so the layout is synthesized (seeded).
 */
import { MANIFEST_FORMAT, type Manifest } from './snapshot_manifest.ts'
import { joinRel, type Tree } from './snapshot_tree.ts'

export interface SosExtras {
  texts: Map<string, { text: string; display: string }>
  manifest: Manifest
}

/** What every sosreport lacks, with the reason (shown as the capture's "not captured" finding). */
export const SOS_LACKS: ReadonlyArray<{ path: string; reason: string }> = [
  { path: '/proc/kpageflags', reason: 'sos does not collect it: the page layout is synthesized from buddyinfo/pagetypeinfo' },
  { path: '/proc/kpagecount', reason: 'sos does not collect it' },
  { path: '/sys/kernel/debug/extfrag', reason: 'sos does not collect debugfs: the indices are computed from buddyinfo' },
  { path: '/sys/kernel/debug/page_owner', reason: 'sos does not collect it' },
]

const ARCH = /\s(x86_64|aarch64|arm64|armv[0-9a-z]+|ppc64le|ppc64|s390x|riscv64|loongarch64|i[3-6]86|mips[0-9a-z]*)(\s|$)/

/** Is `base` the root of a sosreport? (its sos_commands/ folder, with sos_reports/ or sos_logs/ beside it, or a version.txt) */
export async function isSosreport(tree: Tree, base: string): Promise<boolean> {
  const s = await tree.stat(joinRel(base, 'sos_commands'))
  if (s?.type !== 'dir') return false
  for (const marker of ['sos_reports', 'sos_logs', 'version.txt']) if ((await tree.stat(joinRel(base, marker))) !== null) return true
  return false
}

/**
 * The extras of a sosreport rooted at `base`, or null when it is not one. `have` tells which
 * capture files were already found; `read` reads a file of the tree as text (null when absent).
 */
export async function sosreportExtras(tree: Tree, base: string, have: (name: string) => boolean, read: (rel: string) => Promise<string | null>): Promise<SosExtras | null> {
  if (!(await isSosreport(tree, base))) return null
  const texts = new Map<string, { text: string; display: string }>()
  const at = (rel: string): string => joinRel(base, rel)
  const manifest: Manifest = { format: MANIFEST_FORMAT, version: 2, skipped: SOS_LACKS.map((x) => ({ ...x })) }

  const uname = (await read(at('sos_commands/kernel/uname_-a'))) ?? (await read(at('uname')))
  if (uname !== null) {
    const tok = uname.trim().split(/\s+/)
    if (tok[0] === 'Linux' && tok.length >= 3) {
      manifest.hostname = tok[1]
      manifest.kernelRelease = tok[2]
      if (!have('uname_r')) texts.set('uname_r', { text: `${tok[2]}\n`, display: tree.display(at('sos_commands/kernel/uname_-a')) })
    }
    const a = ARCH.exec(uname)
    if (a) manifest.arch = a[1] === 'arm64' ? 'aarch64' : a[1]
  }
  const hostname = (await read(at('hostname'))) ?? (await read(at('sos_commands/host/hostname')))
  if (hostname !== null && hostname.trim() !== '') manifest.hostname = hostname.trim().split('\n')[0]

  if (!have('sysctl_vm')) {
    const sysctl = await read(at('sos_commands/kernel/sysctl_-a'))
    if (sysctl !== null) {
      const lines: string[] = []
      for (const l of sysctl.split('\n')) {
        const m = /^vm\.([\w.]+)\s*=\s*(.*)$/.exec(l.trim())
        if (m && !(m[1] as string).includes('.') && (m[2] as string).trim() !== '') lines.push(`${m[1]}: ${(m[2] as string).trim()}`)
      }
      if (lines.length > 0) texts.set('sysctl_vm', { text: lines.sort().join('\n') + '\n', display: `${tree.display(at('sos_commands/kernel/sysctl_-a'))} (vm.*)` })
    }
  }

  if (!have('dmesg_cma')) {
    for (const rel of ['sos_commands/kernel/dmesg', 'var/log/dmesg']) {
      const dmesg = await read(at(rel))
      if (dmesg === null) continue
      // the CMA lines (where the areas are) and deferred_init_memmap's, as capture/buddyscope-capture keeps them
      const kept = dmesg.split('\n').filter((l) => /\bcma\b|cma:|cma-reserved|hugetlb_cma|deferred pages initiali[sz]ed/i.test(l))
      if (kept.length > 0) texts.set('dmesg_cma', { text: kept.join('\n') + '\n', display: `${tree.display(at(rel))} (CMA and deferred-init lines)` })
      break
    }
  }

  const sosManifest = await read(at('sos_reports/manifest.json'))
  if (sosManifest !== null) {
    try {
      const m = JSON.parse(sosManifest) as { version?: unknown; start_time?: unknown; cmdline?: unknown }
      if (typeof m.start_time === 'string') {
        const t = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)/.exec(m.start_time)
        if (t) manifest.captureTime = `${t[1]}T${t[2]}`
      }
      manifest.tool = `sos ${typeof m.version === 'string' ? m.version : ''}`.trim() + (typeof m.cmdline === 'string' ? ` (${m.cmdline})` : '')
    } catch {
      manifest.tool = 'sos'
    }
  } else {
    const v = await read(at('version.txt'))
    manifest.tool = v ? `sos (${v.trim().split('\n')[0]})` : 'sos'
  }
  return { texts, manifest }
}
