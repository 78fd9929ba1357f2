/**
 * UI state that is not data: theme, current view, chart toggles, the zone shown, the map overlay,
 * which panels are open. No API calls.
 */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { ThemeName } from '../charts/palette.ts'
import type { AxisScale, FreeAreaUnit } from '../charts/options/free_areas.ts'
import type { MapOverlay } from '../charts/pageblock_render.ts'

export type ViewId = 'overview' | 'free-areas' | 'indices' | 'pageblocks' | 'whatif' | 'diff' | 'timeline' | 'polluters'

export const VIEWS: Array<{ id: ViewId; label: string; key: string }> = [
  { id: 'overview', label: 'Overview', key: '1' },
  { id: 'free-areas', label: 'Free areas', key: '2' },
  { id: 'indices', label: 'Fragmentation indices', key: '3' },
  { id: 'pageblocks', label: 'Pageblock map', key: '4' },
  { id: 'whatif', label: 'What-if', key: '5' },
  { id: 'diff', label: 'Diff', key: '6' },
  { id: 'timeline', label: 'Timeline', key: '7' },
  { id: 'polluters', label: 'Polluters', key: '8' },
]

/** Views a snapshot has: the timeline only for a capture of a series, Polluters only with page_owner. */
export function viewsFor(s: { series: string[] | null; pageOwner?: boolean } | null): typeof VIEWS {
  return VIEWS.filter((v) => (v.id !== 'timeline' || (s?.series?.length ?? 0) > 1) && (v.id !== 'polluters' || s?.pageOwner === true))
}

const THEME_KEY = 'buddyscope.theme'

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

function initialTheme(): ThemeName {
  const saved = storage()?.getItem(THEME_KEY)
  if (saved === 'light' || saved === 'dark') return saved
  if (typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: light)').matches) return 'light'
  return 'dark'
}

export const useUiStore = defineStore('ui', () => {
  /** light or dark; applied as data-theme on <html> and remembered */
  const theme = ref<ThemeName>(initialTheme())
  const view = ref<ViewId>('overview')
  /** free-area chart: unit and axis */
  const freeUnit = ref<FreeAreaUnit>('blocks')
  const freeScale = ref<AxisScale>('linear')
  /** zone shown by the free-area and indices views: "node:zone", "all" (small multiples) or "" (the biggest zone) */
  const zoneKey = ref<string>('')
  const overlay = ref<MapOverlay>('migratetype')
  /** the Open popover in the header */
  const openPanel = ref(false)
  /** what the Open panel's path field last held (kept while the popover is closed) */
  const openPathDraft = ref('')
  /** a modal text panel */
  const dialog = ref<null | 'about' | 'how-to-capture'>(null)

  function applyTheme(t: ThemeName): void {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = t
    storage()?.setItem(THEME_KEY, t)
  }
  applyTheme(theme.value)
  watch(theme, applyTheme)

  function setTheme(t: ThemeName): void {
    theme.value = t
  }
  function toggleTheme(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
  }
  function setView(v: ViewId): void {
    view.value = v
  }

  return { theme, view, freeUnit, freeScale, zoneKey, overlay, openPanel, openPathDraft, dialog, setTheme, toggleTheme, setView }
})
