/**
 * Pageblock maps of the open snapshots (fetched once per snapshot, kept as raw typed arrays) and
 * the page-level detail of the selected pageblock.
 */
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type PageblockDetailDto, type PageblockMapDto } from '../api/types.ts'

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
  }

  return { maps, loading, mapError, selected, detail, detailLoading, detailError, ensureMap, selectPageblock, clearSelection, forget }
})
