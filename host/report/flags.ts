/**
 * A what-if request written back as the CLI's flags (`whatif cma --size 64M --pinned none`), so a
 * report, from the CLI or the app, says how to re-run each what-if and regenerate the report.
 * The inverse of cli/commands/whatif.ts and whatif_contig.ts's parsers (test/host/report.test.ts
 * checks the round trip through the CLI).
 */
import type { PinnedRequest, WhatifCompactRequest, WhatifContigRequest } from '../../contract/schemas.ts'
import type { ReportWhatifRequest } from './model.ts'

function size(bytes: number): string {
  for (const [u, s] of [['G', 30], ['M', 20], ['K', 10]] as const) if (bytes % 2 ** s === 0 && bytes >= 2 ** s) return `${bytes / 2 ** s}${u}`
  return String(bytes)
}

function pinned(p: PinnedRequest | undefined): string[] {
  if (p === undefined || p === 'auto') return []
  if (p === 'none') return ['--pinned', 'none']
  if ('pages' in p) return ['--pinned', String(p.pages)]
  if ('fraction' in p) return ['--pinned', `${+(p.fraction * 100).toFixed(6)}%`]
  return ['--pinned', `@${p.pfnFile}`]
}

function compactFlags(r: WhatifCompactRequest): string[] {
  const f: string[] = []
  if (r.node !== undefined) f.push('--node', String(r.node))
  if (r.zone !== undefined) f.push('--zone', r.zone)
  if (r.order !== undefined) f.push('--order', String(r.order))
  if (r.mode !== undefined) f.push('--mode', r.mode)
  if (r.proactive !== undefined) f.push('--proactive', String(r.proactive))
  const s = r.strategy ?? {}
  const words: string[] = []
  if (s.fastIsolateFreepages !== undefined) words.push(s.fastIsolateFreepages ? 'fast-free' : 'no-fast-free')
  if (s.fastFindMigrateblock !== undefined) words.push(s.fastFindMigrateblock ? 'fast-migrate' : 'no-fast-migrate')
  if (s.honourSkipBits !== undefined) words.push(s.honourSkipBits ? 'skip-bits' : 'ignore-skip-bits')
  if (s.scanUnmovableForSmallOrders !== undefined) words.push(s.scanUnmovableForSmallOrders ? 'scan-unmovable' : 'no-scan-unmovable')
  if (words.length) f.push('--strategy', words.join(','))
  if (r.seeds !== undefined && r.seeds > 1) f.push('--seeds', String(r.seeds))
  f.push(...pinned(r.pinned))
  if (r.cpu !== undefined) f.push('--cpu', String(r.cpu))
  return f
}

function contigFlags(r: WhatifContigRequest): string[] {
  const f: string[] = []
  const core = (name: string, c: WhatifContigRequest['movablecore']): void => {
    if (c) f.push(`--${name}`, 'percent' in c ? `${c.percent}%` : size(c.bytes))
  }
  switch (r.kind) {
    case 'cma':
      if (r.pages !== undefined) f.push('--pages', String(r.pages))
      else if (r.sizeBytes !== undefined) f.push('--size', size(r.sizeBytes))
      if (r.align !== undefined) f.push('--align', String(r.align))
      if (r.area !== undefined) f.push('--area', r.area)
      if (r.basePfn !== undefined) f.push('--base', String(r.basePfn))
      if (r.areaCount !== undefined) f.push('--count', String(r.areaCount))
      if (r.orderPerBit !== undefined) f.push('--order-per-bit', String(r.orderPerBit))
      break
    case 'hugetlb':
      if (r.count !== undefined) f.push('--count', String(r.count))
      if (r.hugeSizeBytes !== undefined) f.push('--size', size(r.hugeSizeBytes))
      if (r.compaction === false) f.push('--no-compact')
      break
    case 'contig':
      if (r.sizeBytes !== undefined) f.push('--size', size(r.sizeBytes))
      if (r.gfp !== undefined) f.push('--gfp', r.gfp)
      if (r.node !== undefined) f.push('--node', String(r.node))
      break
    case 'thp':
      if (r.enabled !== undefined) f.push('--enabled', r.enabled)
      if (r.defrag !== undefined) f.push('--defrag', r.defrag)
      if (r.madvised) f.push('--madvised')
      if (r.faults !== undefined) f.push('--faults', String(r.faults))
      break
  }
  core('movablecore', r.movablecore)
  core('kernelcore', r.kernelcore)
  if (r.migrateBeforePin !== undefined) f.push('--migrate-before-pin', r.migrateBeforePin ? 'on' : 'off')
  if (r.pinPlacement !== undefined) f.push('--pin-placement', r.pinPlacement)
  f.push(...pinned(r.pinned))
  if (r.seeds !== undefined && r.seeds > 1) f.push('--seeds', String(r.seeds))
  return f
}

/** `compact --order 9 --mode sync`: the words that follow `--whatif` (and `buddyscope whatif`). */
export function whatifWords(w: ReportWhatifRequest): string {
  return w.kind === 'compact' ? ['compact', ...compactFlags(w.request)].join(' ') : [w.request.kind, ...contigFlags(w.request)].join(' ')
}

/** Quote an argument for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
