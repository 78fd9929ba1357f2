/**
 * The Polluters view's data: page_owner joined to the layout (getPolluters) per open snapshot
 * and grouping, the culprit picked (its pageblocks light up on the map), the pageblock clicked
 * and who allocated each of its pages (getPageOwners).
 */
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type PageOwnersDto, type PollutersDto } from '../api/types.ts'

export type PolluterGrouping = 'stack' | 'comm'
export type PolluterSortKey = 'pageblocks' | 'pages' | 'allocations' | 'comm' | 'site' | 'order' | 'gfp'

/** Rows sorted by a column (ties by pageblocks, then pages, then site); returns indices into `rows`. */
export function sortPolluters(rows: PollutersDto['polluters'], key: PolluterSortKey, desc: boolean): number[] {
  const val = (i: number): string | number => {
    const r = rows[i]!
    switch (key) {
      case 'comm': return r.comm
      case 'site': return r.site
      case 'order': return r.orders[0] ?? -1
      case 'gfp': return r.gfp[0] ?? ''
      default: return r[key]
    }
  }
  const idx = rows.map((_, i) => i)
  idx.sort((a, b) => {
    const va = val(a)
    const vb = val(b)
    const c = va < vb ? -1 : va > vb ? 1 : 0
    if (c !== 0) return desc ? -c : c
    const ra = rows[a]!
    const rb = rows[b]!
    return rb.pageblocks - ra.pageblocks || rb.pages - ra.pages || (ra.site < rb.site ? -1 : ra.site > rb.site ? 1 : 0)
  })
  return idx
}

export const usePollutersStore = defineStore('polluters', () => {
  const result = shallowRef<PollutersDto | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const by = ref<PolluterGrouping>('stack')
  /** index into result.polluters of the culprit whose blocks are lit */
  const picked = ref<number | null>(null)
  const block = ref<number | null>(null)
  const owners = shallowRef<PageOwnersDto | null>(null)
  const ownersLoading = ref(false)
  const ownersError = ref<string | null>(null)
  let seq = 0
  let oseq = 0

  async function load(id: string, grouping: PolluterGrouping = by.value): Promise<void> {
    if (result.value && result.value.id === id && result.value.by === grouping) return
    by.value = grouping
    const my = ++seq
    loading.value = true
    error.value = null
    picked.value = null
    try {
      const api = await getApi()
      const r = await api.getPolluters({ id, by: grouping })
      if (my !== seq) return
      result.value = markRaw(r)
    } catch (e) {
      if (my !== seq) return
      result.value = null
      error.value = asHostError(e).message
    } finally {
      if (my === seq) loading.value = false
    }
  }

  async function selectBlock(id: string, pb: number): Promise<void> {
    block.value = pb
    const my = ++oseq
    ownersLoading.value = true
    ownersError.value = null
    try {
      const api = await getApi()
      const r = await api.getPageOwners({ id, pageblock: pb })
      if (my !== oseq) return
      owners.value = markRaw(r)
    } catch (e) {
      if (my !== oseq) return
      owners.value = null
      ownersError.value = asHostError(e).message
    } finally {
      if (my === oseq) ownersLoading.value = false
    }
  }

  function clearBlock(): void {
    oseq++
    block.value = null
    owners.value = null
    ownersError.value = null
    ownersLoading.value = false
  }

  return { result, loading, error, by, picked, block, owners, ownersLoading, ownersError, load, selectBlock, clearBlock }
})
