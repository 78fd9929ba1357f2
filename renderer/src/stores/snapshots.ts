/**
 * Open snapshots and the runs that open them: which snapshot is current, run progress and
 * cancel, recent snapshots, and the errors shown in the window. The host's events land here.
 * A failed run never touches the snapshots already open.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import {
  asHostError, CONTRACT_VERSION, type AppInfo, type BuddyscopeApi, type EventPayloads, type HostError, type RecentEntry, type SnapshotView,
} from '../api/types.ts'
import type { OpenSummaryDto } from '../api/types.ts'
import { readUploads, uploadTitle } from '../files.ts'
import { usePageblockStore } from './pageblocks.ts'
import { useUiStore } from './ui.ts'
import { useWhatifStore } from './whatif.ts'
import { useContigStore } from './contig.ts'
import { useDiffStore } from './diff.ts'
import { useReportStore } from './report.ts'
import { useFleetStore } from './fleet.ts'

export interface RunState {
  runId: string
  /** what is being opened, in words */
  title: string
  phase: string
  done: number
  total: number
  cancelling: boolean
}

export interface AppError {
  id: number
  title: string
  message: string
  code: HostError['code']
}

export interface OpenOptions {
  capture?: string
  layout?: 'auto' | 'exact' | 'synthesized'
  seed?: number
}

/** A file to upload: its name and bytes. */
export interface UploadFile {
  name: string
  data: Uint8Array<ArrayBuffer>
}

/** Upload limits of the contract (startOpenUpload). */
export const MAX_UPLOAD_FILES = 64

export function snapshotTitle(s: { path: string; label: string | null }): string {
  const base = s.path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || s.path
  return s.label ? `${base} · ${s.label}` : base
}

const GENERIC_UPLOAD = /^uploaded capture \(\d+ files?\)$/

/** host · kernel · capture time, from what the capture says of itself; null when it says nothing. */
export function machineTitle(s: { machine: { hostname: string | null; kernelRelease: string | null; captureTime: string | null } }): string | null {
  const m = s.machine
  const when = m.captureTime ? m.captureTime.replace('T', ' ').replace(/(:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/, '$1') : null
  const parts = [m.hostname, m.kernelRelease, when].filter((x): x is string => !!x)
  return parts.length ? parts.join(' · ') : null
}

/** A path short enough for a title: whole when short, else its last two parts. */
export function shortPath(path: string, max = 48): string {
  const p = path.replace(/[\\/]+$/, '')
  if (p.length <= max) return p
  const parts = p.split(/[\\/]/)
  return `…/${parts.slice(-2).join('/')}`
}

type Early = { progress?: EventPayloads['run:progress']; summary?: EventPayloads['run:summary']; failed?: EventPayloads['run:failed'] }

export const useSnapshotStore = defineStore('snapshots', () => {
  /** open snapshots, in the order they were opened */
  const snapshots = shallowRef<SnapshotView[]>([])
  const currentId = ref<string | null>(null)
  const current = computed(() => snapshots.value.find((s) => s.id === currentId.value) ?? null)
  const runs = ref<RunState[]>([])
  const errors = ref<AppError[]>([])
  /** titles of the errors an open reports (cleared by the next open that works) */
  const OPEN_ERROR_TITLES = /^(Could not open |Nothing to open$|Too many files$|Could not read the dropped files$)/
  /** a passing message (e.g. "cancelled"), not an error */
  const notice = ref<string | null>(null)
  const recent = ref<RecentEntry[]>([])
  const appInfo = ref<AppInfo | null>(null)
  /** 'starting' until the first listSnapshots answered */
  const status = ref<'starting' | 'ready' | 'offline'>('starting')
  /** null until known: whether the host has a native path dialog */
  const pickerSupported = ref<boolean | null>(null)

  let api: BuddyscopeApi | null = null
  let errorSeq = 0
  let initPromise: Promise<void> | null = null
  /** runs that ended (done/failed) possibly before their start call returned */
  const ended = new Set<string>()
  /** snapshot id → title of an upload (its path is a temporary directory of the host) */
  const uploadTitles = ref<Record<string, string>>({})
  /** runs of the capture selector: the snapshot whose tab the new capture takes */
  const replacing = new Map<string, string>()
  /** run id → title, for runs that upload */
  const uploadRuns = new Map<string, string>()
  /** run id → id of the snapshot it opened */
  const openedBy = new Map<string, string>()
  /** progress/summary/failure of runs not known here yet (see remember) */
  const early = new Map<string, Early>()
  /** run id → the capture-derived summary of the snapshot it opens (run:summary), until the run ends */
  const previews = shallowRef<Record<string, OpenSummaryDto>>({})
  /** the opening snapshot shown in place of the current one: its free areas while its model is built */
  const previewRunId = ref<string | null>(null)
  const preview = computed(() => {
    const id = previewRunId.value
    const summary = id ? previews.value[id] : undefined
    const run = id ? runs.value.find((r) => r.runId === id) : undefined
    return summary && run ? { summary, run } : null
  })
  const unsubscribe: Array<() => void> = []

  // ---------------------------------------------------------------- errors

  function reportError(title: string, e: unknown): void {
    const err = asHostError(e)
    errors.value = [...errors.value, { id: ++errorSeq, title, message: err.message, code: err.code }].slice(-5)
  }
  function dismissError(id: number): void {
    errors.value = errors.value.filter((e) => e.id !== id)
  }
  function dismissAllErrors(): void {
    errors.value = []
  }

  // ---------------------------------------------------------------- runs

  function trackRun(runId: string, title: string): void {
    if (ended.has(runId)) return
    if (!runs.value.some((r) => r.runId === runId)) {
      runs.value = [...runs.value, { runId, title, phase: 'starting', done: 0, total: 0, cancelling: false }]
    }
    // events of this run that came before we knew it was ours
    const e = early.get(runId)
    if (e) {
      early.delete(runId)
      if (e.progress) onProgress(e.progress)
      if (e.summary) onSummary(e.summary)
      if (e.failed) onFailed(e.failed)
    }
  }

  function endRun(runId: string): RunState | undefined {
    ended.add(runId)
    const r = runs.value.find((x) => x.runId === runId)
    runs.value = runs.value.filter((x) => x.runId !== runId)
    if (previews.value[runId]) {
      const { [runId]: _gone, ...rest } = previews.value
      previews.value = rest
    }
    if (previewRunId.value === runId) previewRunId.value = null
    return r
  }

  function onProgress(p: EventPayloads['run:progress']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (r) Object.assign(r, { phase: p.phase, done: p.done, total: p.total })
    else remember(p.runId, { progress: p })
  }

  /**
   * An open's first stage: the capture's free areas, before the model. An open of ours shows them
   * (the free-area chart) until run:done brings the snapshot, or the user picks a tab.
   */
  function onSummary(p: EventPayloads['run:summary']): void {
    if (ended.has(p.runId)) return
    if (!runs.value.some((x) => x.runId === p.runId)) {
      remember(p.runId, { summary: p })
      return
    }
    previews.value = { ...previews.value, [p.runId]: markRaw(p.summary) }
    previewRunId.value = p.runId
    useUiStore().openPanel = false
  }

  /** Keep the latest event of a run not (yet) known here: its start call may not have returned. */
  function remember(runId: string, e: Early): void {
    early.set(runId, { ...early.get(runId), ...e })
    if (early.size > 64) early.delete(early.keys().next().value!)
  }

  function addSnapshot(view: SnapshotView): void {
    const v = markRaw(view)
    const i = snapshots.value.findIndex((s) => s.id === v.id)
    snapshots.value = i >= 0 ? snapshots.value.map((s, k) => (k === i ? v : s)) : [...snapshots.value, v]
  }

  function onDone(p: EventPayloads['run:done']): void {
    const mine = runs.value.some((r) => r.runId === p.runId)
    endRun(p.runId)
    addSnapshot(p.snapshot)
    const replaced = replacing.get(p.runId)
    if (replaced) {
      replacing.delete(p.runId)
      replaceTab(replaced, p.snapshot.id)
    }
    const up = uploadRuns.get(p.runId)
    if (up) {
      uploadRuns.delete(p.runId)
      // loose files have no name of their own: call them by the machine they were captured on
      const title = GENERIC_UPLOAD.test(up) ? machineTitle(p.snapshot) ?? up : up
      uploadTitles.value = { ...uploadTitles.value, [p.snapshot.id]: title }
    }
    openedBy.set(p.runId, p.snapshot.id)
    if (openedBy.size > 64) openedBy.delete(openedBy.keys().next().value!)
    // switch to it when we asked for it (or nothing is shown); a snapshot another window opened just joins the tabs
    if (mine || !currentId.value) {
      currentId.value = p.snapshot.id
      useUiStore().openPanel = false
    }
    // an open that worked makes the failed opens before it old news: their banners go
    if (mine) errors.value = errors.value.filter((e) => !OPEN_ERROR_TITLES.test(e.title))
    void refreshRecent()
  }

  function onFailed(p: EventPayloads['run:failed']): void {
    if (ended.has(p.runId)) return
    if (!runs.value.some((x) => x.runId === p.runId)) {
      // not (yet) ours: our start call may still be on its way; other runs (what-if) are not ours to report
      remember(p.runId, { failed: p })
      return
    }
    const r = endRun(p.runId)
    const what = r ? r.title : 'the snapshot'
    if (p.error.code === 'cancelled') {
      notice.value = `Cancelled opening ${what}.`
    } else {
      reportError(`Could not open ${what}`, p.error)
    }
    if (snapshots.value.length === 0 && runs.value.length === 0) useUiStore().openPanel = true
  }

  /** A what-if run (started by another part of the app or another window) ended: not an open. */
  function onWhatifDone(p: { runId: string }): void {
    endRun(p.runId)
  }

  function onOpening(p: EventPayloads['snapshot:opening']): void {
    trackRun(p.runId, shortPath(p.path))
  }

  function onMenu(p: EventPayloads['menu:command']): void {
    const ui = useUiStore()
    switch (p.command) {
      case 'theme-light': ui.setTheme('light'); break
      case 'theme-dark': ui.setTheme('dark'); break
      case 'close-snapshot': if (currentId.value) void close(currentId.value); break
      case 'about': ui.dialog = 'about'; break
      case 'how-to-capture': ui.dialog = 'how-to-capture'; break
      case 'open-dialog': void pickAndOpen('directory'); break
      case 'export-report': if (currentId.value) useReportStore().open = true; break
      case 'open-fleet': void useFleetStore().pickAndLoad(); break
    }
  }

  async function start(title: string, call: (a: BuddyscopeApi) => Promise<{ runId: string }>, upload = false): Promise<string | null> {
    notice.value = null
    try {
      const a = api ?? (await getApi())
      const { runId } = await call(a)
      if (upload) {
        uploadRuns.set(runId, title)
        const done = openedBy.get(runId)
        if (done) uploadTitles.value = { ...uploadTitles.value, [done]: title }
      }
      trackRun(runId, title)
      // it may have finished before its start call returned
      const opened = openedBy.get(runId)
      if (opened) {
        currentId.value = opened
        useUiStore().openPanel = false
      }
      return runId
    } catch (e) {
      reportError(`Could not open ${title}`, e)
      if (snapshots.value.length === 0 && runs.value.length === 0) useUiStore().openPanel = true
      return null
    }
  }

  // ---------------------------------------------------------------- actions

  /** Connect to the host, pick up what is already open, else open the bundled capture. */
  function init(): Promise<void> {
    initPromise ??= (async () => {
      try {
        api = await getApi()
      } catch (e) {
        status.value = 'offline'
        reportError('Could not reach the Buddyscope host', e)
        return
      }
      const a = api
      unsubscribe.push(
        a.on('run:progress', onProgress),
        a.on('run:done', onDone),
        a.on('run:summary', onSummary),
        a.on('run:failed', onFailed),
        a.on('whatif:done', onWhatifDone),
        a.on('whatif:contig-done', onWhatifDone),
        a.on('snapshot:opening', onOpening),
        a.on('menu:command', onMenu),
      )
      try {
        const info = await a.appInfo({})
        appInfo.value = info
        if (info.contractVersion !== CONTRACT_VERSION) {
          reportError('Version mismatch', { code: 'unsupported', message: `the host speaks contract version ${info.contractVersion}, this window version ${CONTRACT_VERSION}; some views may fail` })
        }
      } catch (e) {
        status.value = 'offline'
        reportError('Could not reach the Buddyscope host', e)
        return
      }
      void refreshRecent()
      try {
        const open = await a.listSnapshots({})
        for (const s of open) {
          try {
            addSnapshot(await a.getSnapshot({ id: s.id }))
          } catch (e) {
            reportError(`Could not load ${snapshotTitle(s)}`, e)
          }
        }
        if (!currentId.value && snapshots.value.length > 0) currentId.value = snapshots.value[snapshots.value.length - 1]!.id
      } catch (e) {
        reportError('Could not list open snapshots', e)
      }
      status.value = 'ready'
      if (snapshots.value.length === 0 && runs.value.length === 0) await openBundled()
    })()
    return initPromise
  }

  /** The host's bundled real capture (first start); on failure the Open UI shows. */
  function openBundled(): Promise<string | null> {
    return start('the bundled capture', (a) => a.startOpenBundled({}))
  }

  function openPath(path: string, opts: OpenOptions = {}): Promise<string | null> {
    const p = path.trim()
    if (!p) {
      reportError('Nothing to open', { code: 'bad-argument', message: 'enter the path of a capture directory, a .tar.gz bundle, a single /proc file or a series directory' })
      return Promise.resolve(null)
    }
    const args: { path: string; capture?: string; layout?: OpenOptions['layout']; seed?: number } = { path: p }
    if (opts.capture) args.capture = opts.capture
    if (opts.layout && opts.layout !== 'auto') args.layout = opts.layout
    if (opts.seed !== undefined && Number.isInteger(opts.seed)) args.seed = opts.seed
    const title = opts.capture ? `${shortPath(p)} · ${opts.capture}` : shortPath(p)
    return start(title, (a) => a.startOpenPath(args))
  }

  /** Another capture of the current snapshot's series: switch to it when open, else open it. */
  function openCapture(label: string): Promise<string | null> {
    const cur = current.value
    if (!cur) return Promise.resolve(null)
    const open = snapshots.value.find((s) => s.path === cur.path && s.label === label)
    if (open) {
      select(open.id)
      return Promise.resolve(null)
    }
    const opts: OpenOptions = { capture: label }
    if (cur.layout.method === 'synthesized') {
      opts.layout = 'synthesized'
      if (cur.layout.seed !== null) opts.seed = cur.layout.seed
    }
    // the capture selector switches the tab it sits in: the new capture takes the old one's place
    return openPath(cur.path, opts).then((runId) => {
      if (runId) {
        const done = openedBy.get(runId)
        if (done) replaceTab(cur.id, done)
        else replacing.set(runId, cur.id)
      }
      return runId
    })
  }

  /** Put snapshot `by` where `old` was, and close `old`. */
  function replaceTab(old: string, by: string): void {
    if (old === by) return
    const list = snapshots.value
    const to = list.findIndex((x) => x.id === old)
    const from = list.findIndex((x) => x.id === by)
    if (to < 0 || from < 0) return
    const moved = list.filter((x) => x.id !== by)
    moved.splice(moved.findIndex((x) => x.id === old), 0, list[from]!)
    snapshots.value = moved
    currentId.value = by
    void close(old)
  }

  /** Upload files (browser mode, drag-and-drop): their bytes go to the host. */
  function openUpload(files: UploadFile[], layout?: OpenOptions['layout'], name?: string): Promise<string | null> {
    if (files.length === 0) return Promise.resolve(null)
    if (files.length > MAX_UPLOAD_FILES) {
      reportError('Too many files', { code: 'bad-argument', message: `drop at most ${MAX_UPLOAD_FILES} files (a capture's files, or one .tar.gz bundle)` })
      return Promise.resolve(null)
    }
    const title = name ?? uploadTitle(files)
    const args: { files: UploadFile[]; layout?: 'auto' | 'exact' | 'synthesized' } = { files }
    if (layout && layout !== 'auto') args.layout = layout
    return start(title, (a) => a.startOpenUpload(args), true)
  }

  /** Dropped or picked files (File objects): read their bytes, then upload. */
  async function openFiles(files: File[], layout?: OpenOptions['layout']): Promise<string | null> {
    if (files.length === 0) return null
    let uploads: UploadFile[]
    try {
      uploads = await readUploads(files)
    } catch (e) {
      reportError('Could not read the dropped files', e)
      return null
    }
    if (uploads.length === 0) {
      reportError('Nothing to open', { code: 'bad-argument', message: 'the dropped items held no files' })
      return null
    }
    return openUpload(uploads, layout, uploadTitle(files))
  }

  /**
   * The host's native dialog. Returns 'unsupported' when the host has none (browser mode: the
   * caller shows the path input), 'cancelled' or 'started'.
   */
  async function pickAndOpen(kind: 'directory' | 'file'): Promise<'unsupported' | 'cancelled' | 'started' | 'failed'> {
    try {
      const a = api ?? (await getApi())
      const r = await a.pickSnapshotPath({ kind })
      pickerSupported.value = r.supported
      if (!r.supported) {
        useUiStore().openPanel = true
        return 'unsupported'
      }
      if (!r.path) return 'cancelled'
      return (await openPath(r.path)) ? 'started' : 'failed'
    } catch (e) {
      reportError('Could not show the open dialog', e)
      return 'failed'
    }
  }

  async function cancelRun(runId: string): Promise<void> {
    const r = runs.value.find((x) => x.runId === runId)
    if (r) r.cancelling = true
    try {
      const a = api ?? (await getApi())
      const res = await a.cancelRun({ runId })
      // not cancelled = it had already finished; its done/failed event settles it
      if (!res.cancelled && r) r.cancelling = false
    } catch (e) {
      if (r) r.cancelling = false
      reportError('Could not cancel', e)
    }
  }

  /** What a tab or the strip calls a snapshot. */
  function titleOf(s: { id: string; path: string; label: string | null }): string {
    return uploadTitles.value[s.id] ?? snapshotTitle(s)
  }

  function select(id: string): void {
    if (!snapshots.value.some((s) => s.id === id)) return
    currentId.value = id
    previewRunId.value = null
  }

  async function close(id: string): Promise<void> {
    try {
      const a = api ?? (await getApi())
      await a.closeSnapshot({ id })
    } catch (e) {
      // the host may already have forgotten it; close it here anyway
      if (asHostError(e).code !== 'not-found') reportError('Could not close the snapshot', e)
    }
    const i = snapshots.value.findIndex((s) => s.id === id)
    snapshots.value = snapshots.value.filter((s) => s.id !== id)
    usePageblockStore().forget(id)
    useWhatifStore().forget(id)
    useContigStore().forget(id)
    useDiffStore().forget(id)
    if (currentId.value === id) {
      const next = snapshots.value[Math.min(i, snapshots.value.length - 1)]
      currentId.value = next ? next.id : null
    }
    if (snapshots.value.length === 0 && runs.value.length === 0) useUiStore().openPanel = true
  }

  async function refreshRecent(): Promise<void> {
    try {
      const a = api ?? (await getApi())
      recent.value = await a.listRecent({})
    } catch {
      /* recent is a convenience: keep the old list */
    }
  }

  function dispose(): void {
    for (const u of unsubscribe.splice(0)) u()
    initPromise = null
    api = null
  }

  return {
    snapshots, currentId, current, runs, preview, errors, notice, recent, appInfo, status, pickerSupported,
    uploadTitles, titleOf, init, openBundled, openPath, openCapture, openUpload, openFiles, pickAndOpen, cancelRun, select, close, refreshRecent,
    reportError, dismissError, dismissAllErrors, dispose,
  }
})
