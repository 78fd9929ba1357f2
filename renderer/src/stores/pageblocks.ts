/**
 * Pageblock maps of the open snapshots (fetched once per snapshot, kept as raw typed arrays),
 * the page-level detail of the selected pageblock, and the page classes of the pageblocks the
 * map shows zoomed far in (semantic zoom; fetched in batches for the visible blocks only, a
 * bounded cache per snapshot).
 */
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, MAX_PAGE_CLASS_BLOCKS, type PageblockDetailDto, type PageblockMapDto } from '../api/types.ts'

/** pageblocks whose page classes are kept per snapshot (512 bytes each for 2 MiB blocks of 4 KiB pages) */
const PAGE_CACHE_BLOCKS = 16384

export const usePageblockStore = defineStore('pageblocks', () => {
  const maps = shallowRef<Record<string, PageblockMapDto>>({})
  /** snapshot id whose map is being fetched */
  const loading = ref<string | null>(null)
  const mapError = ref<string | null>(null)
  /** the clicked pageblock */
  const selected = ref<{ id: string; pageblock: number } | null>(null)
  const detail = shallowRef<PageblockDetailDto | null>(null)
  const detailLoading = ref(false)
  const detailError = ref<string | null>(null)
  let detailSeq = 0
  const inflight = new Map<string, Promise<PageblockMapDto | null>>()
  const pageCache = new Map<string, Map<number, Uint8Array>>()
  const pagePending = new Map<string, Set<number>>()
  /** bumped whenever page classes arrive (the map redraws) */
  const pagesVersion = ref(0)
  const pagesError = ref<string | null>(null)

  /** The map of snapshot `id`, fetched on first use. */
  function ensureMap(id: string): Promise<PageblockMapDto | null> {
    const have = maps.value[id]
    if (have) return Promise.resolve(have)
    const pending = inflight.get(id)
    if (pending) return pending
    const p = (async () => {
      loading.value = id
      mapError.value = null
      try {
        const api = await getApi()
        const map = markRaw(await api.getPageblockMap({ id }))
        maps.value = { ...maps.value, [id]: map }
        return map
      } catch (e) {
        mapError.value = `Could not load the pageblock map: ${asHostError(e).message}`
        return null
      } finally {
        if (loading.value === id) loading.value = null
        inflight.delete(id)
      }
    })()
    inflight.set(id, p)
    return p
  }

  /** Select a pageblock and fetch its page-level detail (the latest click wins). */
  async function selectPageblock(id: string, pageblock: number): Promise<void> {
    selected.value = { id, pageblock }
    const seq = ++detailSeq
    detailLoading.value = true
    detailError.value = null
    try {
      const api = await getApi()
      const d = await api.getPageblockDetail({ id, pageblock })
      if (seq === detailSeq) detail.value = markRaw(d)
    } catch (e) {
      if (seq === detailSeq) {
        detail.value = null
        detailError.value = `Could not load pageblock ${pageblock}: ${asHostError(e).message}`
      }
    } finally {
      if (seq === detailSeq) detailLoading.value = false
    }
  }

  /** The page classes of a pageblock, if fetched. */
  function pageClassesFor(id: string, pageblock: number): Uint8Array | undefined {
    return pageCache.get(id)?.get(pageblock)
  }

  /** Fetch the page classes of the given pageblocks that are not cached or on their way (one batch). */
  async function ensurePageClasses(id: string, pageblocks: number[]): Promise<void> {
    const cache = pageCache.get(id) ?? new Map<number, Uint8Array>()
    pageCache.set(id, cache)
    const pending = pagePending.get(id) ?? new Set<number>()
    pagePending.set(id, pending)
    const want = pageblocks.filter((pb) => !cache.has(pb) && !pending.has(pb)).slice(0, MAX_PAGE_CLASS_BLOCKS)
    if (want.length === 0) return
    for (const pb of want) pending.add(pb)
    try {
      const api = await getApi()
      const r = await api.getPageClasses({ id, pageblocks: want })
      if (pageCache.get(id) !== cache) return // closed meanwhile
      r.pageblocks.forEach((pb, k) => cache.set(pb, r.classes.subarray(k * r.pagesPerBlock, (k + 1) * r.pagesPerBlock)))
      // oldest first out
      for (const pb of cache.keys()) {
        if (cache.size <= PAGE_CACHE_BLOCKS) break
        cache.delete(pb)
      }
      pagesError.value = null
      pagesVersion.value++
    } catch (e) {
      pagesError.value = `Could not load the pages of the visible pageblocks: ${asHostError(e).message}`
    } finally {
      for (const pb of want) pending.delete(pb)
    }
  }

  function clearSelection(): void {
    detailSeq++
    selected.value = null
    detail.value = null
    detailLoading.value = false
    detailError.value = null
  }

  /** Drop what belongs to a closed snapshot. */
  function forget(id: string): void {
    if (maps.value[id]) {
      const next = { ...maps.value }
      delete next[id]
      maps.value = next
    }
    if (selected.value?.id === id) clearSelection()
    pageCache.delete(id)
    pagePending.delete(id)
  }

  return {
    maps, loading, mapError, selected, detail, detailLoading, detailError, pagesVersion, pagesError,
    ensureMap, selectPageblock, clearSelection, forget, pageClassesFor, ensurePageClasses,
  }
})
