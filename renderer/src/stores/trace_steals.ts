/**
 * A trace opened alongside a snapshot (docs/importers.md): its fallbacks on the pageblock map,
 * "who stole this block, when", per snapshot.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type HostError, type TraceStealsDto } from '../api/types.ts'

export interface TraceStealsEntry {
  status: 'loading' | 'ready' | 'failed'
  steals: TraceStealsDto | null
  error: HostError | null
}

export const useTraceStealsStore = defineStore('trace-steals', () => {
  const byId = shallowRef<Record<string, TraceStealsEntry>>({})
  /** the trace path field of the Pageblock map's and the Timeline's toolbars (one draft: the trace last typed) */
  const pathDraft = ref('')

  function set(id: string, e: TraceStealsEntry | null): void {
    const next = { ...byId.value }
    if (e) next[id] = e
    else delete next[id]
    byId.value = next
  }

  async function load(id: string, path: string): Promise<void> {
    const p = path.trim()
    if (!p) {
      set(id, { status: 'failed', steals: null, error: { code: 'bad-argument', message: 'enter the path of a trace (ftrace, trace-cmd report or perf script text with mm_page_alloc_extfrag events)' } })
      return
    }
    set(id, { status: 'loading', steals: null, error: null })
    try {
      set(id, { status: 'ready', steals: await (await getApi()).getTraceSteals({ id, path: p }), error: null })
    } catch (e) {
      set(id, { status: 'failed', steals: null, error: asHostError(e) })
    }
  }

  function clear(id: string): void {
    set(id, null)
  }

  /** the fallbacks that took pages from one pageblock, oldest first (none: null) */
  function eventsOf(id: string, pageblock: number): TraceStealsDto['blocks'][number] | null {
    return byId.value[id]?.steals?.blocks.find((b) => b.pageblock === pageblock) ?? null
  }

  return { byId, pathDraft, load, clear, eventsOf }
})
