/**
 * The CLI's usage texts and which flags each command takes (a flag another command takes is a
 * usage error here, never silently ignored).
 */

export type CommandName = 'inspect' | 'proc' | 'whatif compact' | 'whatif cma' | 'whatif hugetlb' | 'whatif contig' | 'whatif thp' | 'diff' | 'capture-script' | 'timeline' | 'report' | 'trace' | 'fleet'
  | 'polluters'

/** Flags every snapshot command takes. */
export const COMMON_FLAGS = ['capture', 'layout', 'seed', 'help'] as const

const PIN_FLAGS = ['pinned', 'seeds', 'migrate-before-pin', 'pin-placement', 'movablecore', 'kernelcore', 'json'] as const

export const COMMAND_FLAGS: Record<CommandName, readonly string[]> = {
  'inspect': ['json'],
  'proc': [],
  'whatif compact': ['node', 'zone', 'order', 'full', 'mode', 'proactive', 'strategy', 'seeds', 'pinned', 'cpu', 'json'],
  'whatif cma': [...PIN_FLAGS, 'pages', 'size', 'align', 'area', 'base', 'count', 'order-per-bit'],
  'whatif hugetlb': [...PIN_FLAGS, 'count', 'size', 'no-compact'],
  'whatif contig': [...PIN_FLAGS, 'size', 'gfp', 'node'],
  'whatif thp': [...PIN_FLAGS, 'enabled', 'defrag', 'madvised', 'faults'],
  'diff': ['to', 'json', 'text'],
  'capture-script': ['output'],
  'timeline': ['json', 'csv', 'summary-only', 'trace'],
  'report': ['whatif', 'diff', 'output', 'format', 'timeline'],
  'trace': ['json', 'top'],
  'fleet': ['json', 'ndjson', 'csv', 'workers'],
  'polluters': ['by', 'top', 'json', 'text'],
}

const LINES: Record<CommandName, string> = {
  'inspect': `  inspect <snapshot> [--json]                 machine, zones, free areas, pageblocks, indices, findings`,
  'proc': `  proc <snapshot> <file>                      re-print a /proc or debugfs file from the model:
                                              buddyinfo | pagetypeinfo | extfrag_index | unusable_index`,
  'whatif compact': `  whatif compact <snapshot> [--node N] [--zone NAME] [--order K | --full]
         [--mode async|sync-light|sync] [--proactive P|capture] [--strategy W,..] [--seeds N]
         [--pinned P] [--cpu N] [--json]
                                              what compaction would produce now (--cpu: the CPU it
                                              runs on, whose per-cpu lists it churns); for a capture
                                              followed by a compaction trigger, predicted vs real`,
  'whatif cma': `  whatif cma <snapshot> --pages N | --size SIZE [--align ORDER] [--area NAME | --base PFN --count PAGES]`,
  'whatif hugetlb': `  whatif hugetlb <snapshot> --count N [--size 2M|1G|64K|32M] [--no-compact]`,
  'whatif contig': `  whatif contig <snapshot> --size SIZE [--gfp kernel|movable] [--node N]`,
  'whatif thp': `  whatif thp <snapshot> [--enabled always|madvise|never] [--defrag always|defer|defer+madvise|madvise|never]
         [--madvised] [--faults N]`,
  'diff': `  diff <A> <B> [--capture X] [--to Y] [--json|--text]
  diff <series> [--capture X] [--to Y] [--json|--text]
                                              two captures of one machine compared: free blocks
                                              per zone, order and migratetype (after − before),
                                              and the pageblocks that changed (kpageflags on both
                                              sides). --capture picks A's capture of a series,
                                              --to B's; with one series, B is --to or the capture
                                              after A`,
  'capture-script': `  capture-script [-o FILE]                    print capture/buddyscope-capture, the sh script that
                                              captures a machine into a .tar.gz bundle (run it there
                                              as root); -o/--output saves it as FILE (mode 0755)`,
  'timeline': `  timeline <series> [<bundle> …] [--json | --csv] [--summary-only] [--trace FILE]
                                              a series over time: free pages per order, indices and
                                              score per zone, pageblocks per migratetype (mixed ones
                                              from kpageflags unless --summary-only), /proc/vmstat
                                              deltas and rates, the steps between the captures;
                                              --trace: a trace's fallbacks between the captures (by
                                              /proc/uptime), with who stole which pageblock, when`,
  'report': `  report <snapshot> [--whatif "KIND FLAGS"]… [--diff B] [--timeline] -o FILE|DIR/ [--format html|pdf|md|json|csv]
                                              a report: machine, free areas, indices, pageblock map,
                                              each what-if, the diff against B, the series' timeline,
                                              provenance; the format from the extension (.html .pdf
                                              .md .json, .zip or DIR/ for CSV), written atomically`,
  'trace': `  trace <file> [--json] [--top N]            a trace of mm_page_alloc_extfrag, mm_compaction_*,
                                              mm_page_alloc/free and cma_* events (ftrace text,
                                              trace-cmd report, perf script; .gz too): fallbacks by
                                              migratetype pair, order and task, which pageblocks were
                                              stolen by whom and when, compaction runs, CMA`,
  'fleet': `  fleet <dir|glob|list-file|-> [--json | --ndjson | --csv] [--workers N]
                                              one row per capture: host, kernel, uptime, free memory
                                              in ≥ 2 MiB blocks, clean 2 MiB/1 GiB ranges (kpageflags),
                                              fragmentation score, mixed blocks, unmovable spread,
                                              findings; rows stream in input order, a capture that
                                              fails is a row with its error (docs/fleet.md)`,
  'polluters': `  polluters <snapshot> [--by stack|comm] [--top N] [--json|--text]
                                              who polluted the pageblocks (needs page_owner in the
                                              capture): allocations whose migratetype differs from
                                              their pageblock's, grouped by stack or comm, ranked by
                                              the pageblocks they made mixed (default --top 20 in
                                              the text, every group in the JSON unless --top)`,
}

/** The CSV columns of timeline --csv (one row per capture × zone). */
export const TIMELINE_CSV = `timeline --csv: one row per capture × zone. Columns: index, label, time_s (seconds from the
first capture; empty on the capture-order axis), capture_time, steps (what was done since the
previous capture), node, zone, free_pages, high_order_free_pages (in blocks ≥ a pageblock),
largest_free_order, fragmentation_score (extfrag_for_order at the THP order, 0-100),
node_fragmentation_score, free_pages_o0..oN (free pages per order), unusable_o0..oN and
extfrag_o0..oN (×1000), pageblocks_<migratetype>, mixed_<migratetype> (empty when unknown), and
delta_<counter> for every followed /proc/vmstat counter (compact_*, pgmigrate_*, thp_*, htlb_*,
cma_*, allocstall_*, kswapd*, pgscan_kswapd, pgsteal_*, pageoutrun; the capture's difference from
the previous one, the same on each zone's row).`

const REPORT = `  --whatif "KIND FLAGS"  a what-if for the report, as the words after \`buddyscope whatif\` without the
                      snapshot: --whatif "compact --order 9" --whatif "cma --size 64M --pinned none";
                      repeat it for several (each runs on the capture as it was)
  --diff B            another snapshot (or a capture of this series by its label): the diff of the two,
                      as \`buddyscope diff\` makes it: free blocks per order and migratetype, B minus
                      this one (captured numbers; the model's beside them), the changed pageblocks
                      counted, listed and outlined on the map
  --timeline          the snapshot is a series: its timeline, as \`buddyscope timeline\` makes it (the
                      charts, the verdict, what each step changed, the /proc/vmstat deltas)
  -o, --output FILE   report.html (self-contained, offline), report.pdf (headless Chromium), report.md,
                      report.json (the CLI's JSON), tables.zip or DIR/ (CSV, one file per table)
  --format F          html | pdf | md | json | csv, when the extension does not say`

const CONTIG_TAIL = `         [--pinned P] [--migrate-before-pin on|off] [--movablecore SIZE|N% | --kernelcore SIZE|N%]
         [--seeds N] [--json]                 contiguous allocations (kernel 6.1 rules): the verdict,
                                              the windows tried and the pages blocking them;
                                              --movablecore re-runs the layout with ZONE_MOVABLE`

const SNAPSHOT = `A <snapshot> is a capture directory, a .tar.gz/.tgz bundle, a single captured file, or a
directory of numbered captures (a series; the "before" capture is used unless --capture says).`

const OPTIONS = `Options:
  --capture LABEL     which capture of a series (e.g. 03-after-compact-node, or 3)
  --layout MODE       auto (exact when kpageflags is present) | exact | synthesized
  --seed N            seed of a synthesized layout (default 1)
  --json              machine-readable output`

const WHATIF_OPTIONS = `  --pinned P          pinned-page assumption of a what-if: auto (the capture's workload log, else
                      none) | none | N pages | F% of anonymous pages | @FILE of PFNs
  --seeds N           run N seeds (layout seeds when synthesized, pin seeds when exact) on worker
                      threads and report the median and a 90% band`

const STRATEGY = `  --strategy W,..     fast-free|no-fast-free, fast-migrate|no-fast-migrate,
                      skip-bits|ignore-skip-bits, scan-unmovable|no-scan-unmovable`

const DIFF_OPTIONS = `  --to LABEL          diff: which capture of B's series (or of the one series) is B
  --text              diff: the text report (the default; --json for the JSON)`

export const USAGE = `Usage: buddyscope <command> [options]

Commands:
${LINES['inspect']}
${LINES['proc']}
${LINES['whatif compact']}
${LINES['whatif cma']}
${LINES['whatif hugetlb']}
${LINES['whatif contig']}
${LINES['whatif thp']}
${CONTIG_TAIL}
${LINES['diff']}
${LINES['capture-script']}
${LINES['timeline']}
${LINES['report']}
${LINES['trace']}
${LINES['fleet']}
${LINES['polluters']}
  serve [snapshot] [--port N]                 the app in a browser: a host on 127.0.0.1 only, with a
                                              random access token in the URL it prints
  help [command]                              this text, or one command's

${SNAPSHOT}

${OPTIONS}
${WHATIF_OPTIONS}
${STRATEGY}
${DIFF_OPTIONS}
${REPORT}
`

/** One command's usage (a usage error prints this, not the whole help). */
export function commandUsage(c: CommandName): string {
  if (c === 'trace' || c === 'fleet') return `Usage: buddyscope ${c} …\n${LINES[c]}\n\n(buddyscope help: every command)\n`
  if (c === 'capture-script') return `Usage: buddyscope capture-script [-o FILE]\n${LINES[c]}\n\nOn the target machine: sh buddyscope-capture -h (its options), then open the bundle it writes.\n(buddyscope help: every command)\n`
  if (c === 'timeline') {
    return `Usage: buddyscope timeline …\n${LINES[c]}\n\nA <series> is a directory or bundle of numbered captures (01-boot/, 02-before/, …), a bundle
whose manifest.json lists a series, or a folder of bundles; several bundles or captures of one
machine may be given together. The time axis is the captures' recorded times, else steps.log's,
else /proc/uptime's, else their order (the output says which).\n\n${TIMELINE_CSV}\n\n(buddyscope help: every command)\n`
  }
  const whatif = c.startsWith('whatif ')
  const contig = whatif && c !== 'whatif compact'
  return `Usage: buddyscope ${c} …\n${LINES[c]}\n${contig ? CONTIG_TAIL + '\n' : ''}\n${SNAPSHOT}\n\n${OPTIONS}\n${whatif ? WHATIF_OPTIONS + '\n' : ''}${c === 'whatif compact' ? STRATEGY + '\n' : ''}${c === 'diff' ? DIFF_OPTIONS + '\n' : ''}${c === 'report' ? REPORT + '\n' : ''}(buddyscope help: every command)\n`
}
