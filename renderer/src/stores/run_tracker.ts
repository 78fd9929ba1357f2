/**
 * The run tracking the what-if stores share (whatif.ts, contig.ts): one run per snapshot started on
 * the host, its run:progress / run:failed / done events matched by runId (events that arrive before
 * the start call answers are kept and replayed), cancel (also before the run has an id), the results
 * per snapshot (newest first, a short history, and which one is shown) and the panel's error and
 * notice per snapshot. Called from inside a setup store; the store says what a finished run's entry
 * is and under which key its shown result is kept.
 */
import { markRaw, ref, shallowRef, type Ref } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type BuddyscopeApi, type EventPayloads, type HostError } from '../api/types.ts'

export interface TrackedRun<A> {
  /** local id (the host's runId is null until the start call answers) */
  key: number
  runId: string | null
  snapshotId: string
  title: string
  args: A
  phase: string
  done: number
  total: number
  cancelling: boolean
  /** Cancel was pressed before the run had an id */
  cancelRequested: boolean
  startedAt: number
}

export interface RunError {
  title: string
  message: string
  code: HostError['code']
}

/** A finished run as a store keeps it in its history. */
export interface RunEntry<A, V> {
  runId: string
  snapshotId: string
  title: string
  args: A
  /** the host's view of the result */
  view: V
  /** ms the run took, as seen here */
  ms: number
}

/** The entry of a finished run (both what-if stores): its words and arguments, the host's view of the result (kept raw, never deeply reactive), how long it took as seen here. */
export function runEntry<A, V extends object>(run: TrackedRun<A>, done: { runId: string; whatif: V }): RunEntry<A, V> {
  return { runId: done.runId, snapshotId: run.snapshotId, title: run.title, args: run.args, view: markRaw(done.whatif), ms: Date.now() - run.startedAt }
}

export type DoneEvent = 'whatif:done' | 'whatif:contig-done'

type Early<E extends DoneEvent> = { progress?: EventPayloads['run:progress']; done?: EventPayloads[E]; failed?: EventPayloads['run:failed'] }

/** A copy of a record without one key. */
export function without<T>(rec: Record<string, T>, key: string): Record<string, T> {
  const n = { ...rec }
  delete n[key]
  return n
}

export interface RunTrackerOptions<A, R extends TrackedRun<A>, E extends DoneEvent, Entry extends { runId: string }> {
  doneEvent: E
  /** the host call that starts a run */
  startCall: (api: BuddyscopeApi, args: A) => Promise<{ runId: string }>
  /** how many results a snapshot keeps */
  history: number
  /** the result of a finished run */
  entry: (run: R, payload: EventPayloads[E]) => Entry
  /** the `shownRun` key a new result of this kind resets (back to the latest) */
  shownKey: (entry: Entry) => string
  /** whether the snapshot shows earlier results for this run's kind (for the cancelled notice) */
  hasEarlier: (run: R) => boolean
}

export function useRunTracker<A, R extends TrackedRun<A>, E extends DoneEvent, Entry extends { runId: string }>(opts: RunTrackerOptions<A, R, E, Entry>) {
  const runs = ref([]) as Ref<R[]>
  /** snapshot id → results, newest first (at most `history`) */
  const results = shallowRef<Record<string, Entry[]>>({})
  /** `shownKey` → runId of the result shown */
  const shownRun = ref<Record<string, string>>({})
  const errors = ref<Record<string, RunError>>({})
  const notices = ref<Record<string, string>>({})

  let api: BuddyscopeApi | null = null
  let subscribing: Promise<BuddyscopeApi> | null = null
  const unsubscribe: Array<() => void> = []
  let seq = 0
  /** events of runs whose start call has not answered yet */
  const early = new Map<string, Early<E>>()
  /** runs that settled */
  const ended = new Set<string>()

  function subscribed(): Promise<BuddyscopeApi> {
    subscribing ??= (async () => {
      const a = await getApi()
      api = a
      unsubscribe.push(a.on('run:progress', onProgress), a.on(opts.doneEvent, onDone), a.on('run:failed', onFailed))
      return a
    })().catch((e: unknown) => {
      subscribing = null
      throw e
    })
    return subscribing
  }

  function runOf(snapshotId: string): R | null {
    return runs.value.find((r) => r.snapshotId === snapshotId) ?? null
  }

  function setError(snapshotId: string, e: RunError): void {
    errors.value = { ...errors.value, [snapshotId]: e }
  }

  // ---------------------------------------------------------------- events

  function remember(runId: string, e: Early<E>): void {
    if (ended.has(runId)) return
    early.set(runId, { ...early.get(runId), ...e })
    if (early.size > 64) early.delete(early.keys().next().value!)
  }

  function settle(runId: string): R | null {
    ended.add(runId)
    if (ended.size > 256) ended.delete(ended.values().next().value!)
    const r = runs.value.find((x) => x.runId === runId) ?? null
    if (r) runs.value = runs.value.filter((x) => x !== r)
    return r
  }

  function onProgress(p: EventPayloads['run:progress']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (r) Object.assign(r, { phase: p.phase, done: p.done, total: p.total })
    else remember(p.runId, { progress: p })
  }

  function onDone(p: EventPayloads[E]): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (!r) {
      remember(p.runId, { done: p })
      return
    }
    settle(p.runId)
    const entry = opts.entry(r, p)
    results.value = { ...results.value, [r.snapshotId]: [entry, ...(results.value[r.snapshotId] ?? [])].slice(0, opts.history) }
    shownRun.value = without(shownRun.value, opts.shownKey(entry))
  }

  function onFailed(p: EventPayloads['run:failed']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (!r) {
      remember(p.runId, { failed: p })
      return
    }
    settle(p.runId)
    if (p.error.code === 'cancelled') {
      notices.value = { ...notices.value, [r.snapshotId]: `Cancelled ${r.title}.${opts.hasEarlier(r) ? ' The results shown are from an earlier run.' : ''}` }
    } else {
      setError(r.snapshotId, { title: `The what-if (${r.title}) failed`, message: p.error.message, code: p.error.code })
    }
  }

  // ---------------------------------------------------------------- actions

  function clearMessages(snapshotId: string): void {
    if (errors.value[snapshotId]) errors.value = without(errors.value, snapshotId)
    if (notices.value[snapshotId]) notices.value = without(notices.value, snapshotId)
  }

  /**
   * Start a run on a snapshot: one per snapshot at a time. `build` gives the arguments or what is
   * wrong with the draft; `describe` the run's title and the store's own fields of the run.
   */
  async function start(
    snapshotId: string,
    build: () => { ok: true; args: A } | { ok: false; error: string },
    describe: (args: A) => Omit<R, keyof TrackedRun<A>> & { title: string },
  ): Promise<string | null> {
    if (runOf(snapshotId)) return null
    clearMessages(snapshotId)
    const built = build()
    if (!built.ok) {
      setError(snapshotId, { title: 'Cannot run this what-if', message: built.error, code: 'bad-argument' })
      return null
    }
    const key = ++seq
    const { title, ...own } = describe(built.args)
    runs.value = [...runs.value, {
      key, runId: null, snapshotId, ...own, title, args: built.args, phase: 'starting', done: 0, total: 0,
      cancelling: false, cancelRequested: false, startedAt: Date.now(),
    } as R]
    const mine = (): R | undefined => runs.value.find((x) => x.key === key)
    let runId: string
    try {
      const a = await subscribed()
      runId = (await opts.startCall(a, built.args)).runId
    } catch (e) {
      runs.value = runs.value.filter((x) => x.key !== key)
      const err = asHostError(e)
      setError(snapshotId, { title: `Could not start the what-if (${title})`, message: err.message, code: err.code })
      return null
    }
    const r = mine()
    if (!r) {
      // forgotten while starting (the snapshot was closed): stop it
      void api?.cancelRun({ runId }).catch(() => undefined)
      return null
    }
    r.runId = runId
    const e = early.get(runId)
    if (e) {
      early.delete(runId)
      if (e.progress) onProgress(e.progress)
      if (e.done) onDone(e.done)
      else if (e.failed) onFailed(e.failed)
    }
    if (r.cancelRequested && mine()) await cancel(snapshotId)
    return runId
  }

  async function cancel(snapshotId: string): Promise<void> {
    const r = runOf(snapshotId)
    if (!r) return
    r.cancelling = true
    if (!r.runId) {
      r.cancelRequested = true
      return
    }
    try {
      const a = api ?? (await subscribed())
      const res = await a.cancelRun({ runId: r.runId })
      // not cancelled = it had already finished; its done / run:failed event settles it
      if (!res.cancelled) r.cancelling = false
    } catch (e) {
      r.cancelling = false
      const err = asHostError(e)
      setError(snapshotId, { title: 'Could not cancel the what-if', message: err.message, code: err.code })
    }
  }

  function dismissError(snapshotId: string): void {
    clearMessages(snapshotId)
  }

  /** Stop the run of a closed snapshot and drop its results and messages (the store drops its `shownRun` keys). */
  function forget(snapshotId: string): void {
    const r = runOf(snapshotId)
    if (r) {
      if (r.runId) {
        ended.add(r.runId)
        void api?.cancelRun({ runId: r.runId }).catch(() => undefined)
      }
      runs.value = runs.value.filter((x) => x !== r)
    }
    results.value = without(results.value, snapshotId)
    errors.value = without(errors.value, snapshotId)
    notices.value = without(notices.value, snapshotId)
  }

  function dispose(): void {
    for (const u of unsubscribe.splice(0)) u()
    subscribing = null
    api = null
  }

  return { runs, results, shownRun, errors, notices, runOf, start, cancel, dismissError, forget, dispose }
}
