/**
 * Colours: the fixed migratetype palette (same in both themes, so a screenshot reads the same),
 * page-class colours of the page-level view, and the chart chrome per theme. Pure.
 */
import type { PageClassName } from '../contract/names.ts'
import type { PageblockChangeName, PageChangeName } from '../contract/dto.ts'

export type ThemeName = 'light' | 'dark'

/** Kernel migratetype names → colour. "Reserve" is the pre-4.4 name of HighAtomic's slot. */
export const MIGRATETYPE_COLORS: Readonly<Record<string, string>> = {
  Unmovable: '#e5534b',
  Movable: '#3ba272',
  Reclaimable: '#e9a23b',
  HighAtomic: '#9a6bd6',
  Reserve: '#9a6bd6',
  CMA: '#22b5d1',
  Isolate: '#8b9099',
}
const FALLBACK = ['#c77dbb', '#7f8fd6', '#b8a26a', '#6aa6b8']

export function migratetypeColor(name: string, index = 0): string {
  return MIGRATETYPE_COLORS[name] ?? FALLBACK[index % FALLBACK.length]!
}

/** Colour of a pageblock in no zone (mt 255), per theme. */
export function noZoneColor(theme: ThemeName): string {
  return theme === 'dark' ? '#24272d' : '#dfe2e6'
}

const PAGE_CLASS_COLORS: Record<PageClassName, string> = {
  hole: '#000000', // replaced per theme below
  free: '#ffffff', // replaced per theme below
  pcp: '#9fd8c6',
  movable: '#3ba272',
  file: '#4c8fd6',
  unevictable: '#2f5fa8',
  pinned: '#e0408a',
  reclaimable: '#e9a23b',
  unmovable: '#e5534b',
  pagetable: '#a8403a',
  reserved: '#7d6e63',
  thp: '#18a79a',
  hugetlb: '#7b61c9',
  other: '#8b9099',
}

export function pageClassColor(name: PageClassName, theme: ThemeName): string {
  if (name === 'hole') return theme === 'dark' ? '#1a1c20' : '#d3d6db'
  if (name === 'free') return theme === 'dark' ? '#5d6573' : '#ffffff'
  return PAGE_CLASS_COLORS[name]
}

/** What each page class means, for the legend's title attribute. */
export const PAGE_CLASS_HELP: Record<PageClassName, string> = {
  hole: 'no struct page / not in a zone',
  free: 'free in the buddy allocator',
  pcp: 'free, on a per-cpu list',
  movable: 'anonymous or movable-ops page',
  file: 'page cache',
  unevictable: 'unevictable (mlocked) page',
  pinned: 'long-term pinned page: blocks migration',
  reclaimable: 'reclaimable slab',
  unmovable: 'slab / kernel allocation',
  pagetable: 'page table',
  reserved: 'reserved (memblock, firmware)',
  thp: 'transparent huge page / large folio',
  hugetlb: 'hugetlbfs page',
  other: 'other',
}

export interface ChartTheme {
  name: ThemeName
  text: string
  textMuted: string
  axisLine: string
  splitLine: string
  tooltipBg: string
  tooltipBorder: string
  tooltipText: string
  accent: string
  threshold: string
  background: string
}

export function chartTheme(name: ThemeName): ChartTheme {
  return name === 'dark'
    ? { name, text: '#d5d9e0', textMuted: '#8b93a1', axisLine: '#4a505b', splitLine: '#2c313a', tooltipBg: '#1d2027', tooltipBorder: '#3b414c', tooltipText: '#e3e6eb', accent: '#5aa9ff', threshold: '#f0b429', background: '#16181d' }
    : { name, text: '#2a2f37', textMuted: '#6a7280', axisLine: '#b5bbc4', splitLine: '#e6e9ed', tooltipBg: '#ffffff', tooltipBorder: '#cfd4db', tooltipText: '#1f242b', accent: '#1f6feb', threshold: '#c27c00', background: '#ffffff' }
}

/** "#rrggbb" → [r, g, b] */
export function parseHex(color: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(color.trim())
  if (!m) return [128, 128, 128]
  const v = parseInt(m[1]!, 16)
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255]
}

/** Linear mix of two "#rrggbb" colours, t = 0 → a, 1 → b. */
export function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)]
}

/**
 * Colours of the pageblock changes of a diff (outlines and tints over the map): chosen apart from
 * the migratetype hues, per theme so they read on both backgrounds.
 */
export const CHANGE_COLORS: Readonly<Record<ThemeName, Readonly<Record<PageblockChangeName, string>>>> = {
  light: {
    'entered': '#0a7d8c', 'left': '#5b6270', 'became-free': '#0b63d8', 'filled': '#c8188a', 'retyped': '#111418', 'became-mixed': '#b35900',
    'became-unmixed': '#6b4fbb', 'freed-pages': '#5a9fe8', 'allocated-pages': '#e37cbf', 'pages-changed': '#8b9099',
  },
  dark: {
    'entered': '#3fd0e0', 'left': '#aab1bd', 'became-free': '#ffd43b', 'filled': '#ff5cc6', 'retyped': '#ffffff', 'became-mixed': '#ff9d4d',
    'became-unmixed': '#b59cff', 'freed-pages': '#7fc4ff', 'allocated-pages': '#ff9ad8', 'pages-changed': '#8b93a1',
  },
}

/** Colours of a page's change in a page-level diff. */
export function pageChangeColor(c: PageChangeName, theme: ThemeName): string {
  if (c === 'freed') return theme === 'dark' ? '#ffd43b' : '#0b63d8'
  if (c === 'allocated') return theme === 'dark' ? '#ff5cc6' : '#c8188a'
  return theme === 'dark' ? '#ff9d4d' : '#b35900'
}
