/** The zone the free-area and indices views show: the UI store's choice, else the biggest zone. */
import { computed, type Ref } from 'vue'
import type { SnapshotView, ZoneSummary } from '../api/types.ts'
import { zoneKey } from '../format.ts'
import { useUiStore } from '../stores/ui.ts'

export function defaultZone(zones: ZoneSummary[]): ZoneSummary | null {
  let best: ZoneSummary | null = null
  for (const z of zones) if (!best || z.present > best.present) best = z
  return best
}

export function useZoneSelection(snap: Ref<SnapshotView>, allowAll: boolean) {
  const ui = useUiStore()
  const key = computed<string>({
    get() {
      const k = ui.zoneKey
      if (k === 'all' && allowAll && snap.value.zones.length > 1) return 'all'
      if (snap.value.zones.some((z) => zoneKey(z) === k)) return k
      const d = defaultZone(snap.value.zones)
      return d ? zoneKey(d) : ''
    },
    set(v: string) {
      ui.zoneKey = v
    },
  })
  const shown = computed<ZoneSummary[]>(() => (key.value === 'all' ? snap.value.zones : snap.value.zones.filter((z) => zoneKey(z) === key.value)))
  return { key, shown }
}
