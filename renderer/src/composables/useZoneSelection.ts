/** The zone the free-area and indices views show: the UI store's choice, else the biggest zone. */
import { computed, type Ref } from 'vue'
import { zoneKey } from '../format.ts'
import { useUiStore } from '../stores/ui.ts'

/** what picking a zone needs of one */
type Pickable = { node: number; zone: string; present: number }

export function defaultZone<Z extends Pickable>(zones: Z[]): Z | null {
  let best: Z | null = null
  for (const z of zones) if (!best || z.present > best.present) best = z
  return best
}

/** `snap`: a snapshot view, or an opening snapshot's summary (its free areas before the model) */
export function useZoneSelection<Z extends Pickable>(snap: Ref<{ zones: Z[] }>, allowAll: boolean) {
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
  const shown = computed<Z[]>(() => (key.value === 'all' ? snap.value.zones : snap.value.zones.filter((z) => zoneKey(z) === key.value)))
  return { key, shown }
}
