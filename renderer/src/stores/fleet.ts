/**
 * A fleet of captures (docs/fleet.md): one row per capture of a folder, glob or list file the
 * user named, the column the table is sorted by, the hosts selected for the comparison table, and
 * whether the fleet is shown (a click on a row opens that capture and shows its views; the header
 * brings the fleet back).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type FleetDto, type FleetRowDto, type HostError } from '../api/types.ts'
import { sortFleetRows, type FleetColumnId } from '../charts/options/fleet.ts'
import { useSnapshotStore } from './snapshots.ts'
import { useUiStore } from './ui.ts'

/** A row's key: its path and the capture of a series it is about. */
export const fleetRowKey = (r: FleetRowDto): string => `${r.path}\u0000${r.label ?? ''}`

export const useFleetStore = defineStore('fleet', () => {
  const status = ref<'idle' | 'loading' | 'ready' | 'failed'>('idle')
  const fleet = shallowRef<FleetDto | null>(null)
  const error = shallowRef<HostError | null>(null)
  /** the fleet fills the window (instead of the current snapshot's views) */
  const shown = ref(false)
  const sortBy = ref<FleetColumnId>('host')
  const sortDir = ref<'asc' | 'desc'>('asc')
  const selected = ref<string[]>([])

  const rows = computed(() => (fleet.value ? sortFleetRows(fleet.value.rows, sortBy.value, sortDir.value) : []))
  const selectedRows = computed(() => rows.value.filter((r) => selected.value.includes(fleetRowKey(r))))

  /** Read the fleet a folder, glob or list file names, and show it. */
  async function load(path: string): Promise<boolean> {
    const p = path.trim()
    if (!p) {
      useSnapshotStore().reportError('Nothing to open', { code: 'bad-argument', message: 'enter a folder of captures, a glob such as /captures/*.tar.gz, or a list file of paths' })
      return false
    }
    status.value = 'loading'
    error.value = null
    shown.value = true
    useUiStore().openPanel = false
    try {
      const f = await (await getApi()).getFleet({ path: p })
      fleet.value = f
      selected.value = []
      status.value = 'ready'
      return true
    } catch (e) {
      error.value = asHostError(e)
      status.value = 'failed'
      return false
    }
  }

  /** The host's native folder dialog, then the fleet in it; 'unsupported' when the host has none (browser mode: the Open panel's path field). */
  async function pickAndLoad(): Promise<'unsupported' | 'cancelled' | 'started' | 'failed'> {
    let r
    try {
      r = await (await getApi()).pickSnapshotPath({ kind: 'directory' })
    } catch (e) {
      useSnapshotStore().reportError('Could not show the open dialog', e)
      return 'failed'
    }
    if (!r.supported) {
      useUiStore().openPanel = true
      return 'unsupported'
    }
    if (!r.path) return 'cancelled'
    void load(r.path)
    return 'started'
  }

  /** A click on a column header: sort by it, or turn the direction round. */
  function sort(id: FleetColumnId): void {
    if (sortBy.value === id) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc'
    else {
      sortBy.value = id
      sortDir.value = 'asc'
    }
  }

  function toggle(r: FleetRowDto): void {
    const k = fleetRowKey(r)
    selected.value = selected.value.includes(k) ? selected.value.filter((x) => x !== k) : [...selected.value, k]
  }

  /** Open the capture of a row: its views replace the fleet (which stays loaded). */
  function openRow(r: FleetRowDto): Promise<string | null> {
    shown.value = false
    return useSnapshotStore().openPath(r.path, r.label ? { capture: r.label } : {})
  }

  function show(on = true): void {
    shown.value = on && status.value !== 'idle'
  }

  return { status, fleet, error, shown, sortBy, sortDir, selected, rows, selectedRows, load, pickAndLoad, sort, toggle, openRow, show }
})
