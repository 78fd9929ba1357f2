/**
 * A pageblock's pages drawn as a grid of square cells on a plain canvas (the page-level view,
 * PageDetail, and the diff's page grid, DiffPages): the canvas sized for the grid at the device's
 * pixel ratio (a 1 px margin around it) and cleared to the theme's background, then one cell a
 * page, with a 1 px gap between cells once they are 8 px or more.
 */
import { chartTheme, type ChartTheme, type ThemeName } from './palette.ts'

export interface PageGridPainter {
  /** the 2D context, in CSS pixels */
  ctx: CanvasRenderingContext2D
  th: ChartTheme
  /** the gap between cells (0 or 1 px) */
  gap: number
  /** fill page i's cell */
  fill(i: number, color: string): void
}

/** Size and clear the canvas of a `cols` × `rows` page grid of `cell` px cells; null when it has no 2D context. */
export function startPageGrid(cv: HTMLCanvasElement, cols: number, rows: number, cell: number, theme: ThemeName): PageGridPainter | null {
  const dpr = window.devicePixelRatio || 1
  const w = cols * cell + 2
  const h = rows * cell + 2
  cv.style.width = `${w}px`
  cv.style.height = `${h}px`
  cv.width = Math.round(w * dpr)
  cv.height = Math.round(h * dpr)
  const ctx = cv.getContext('2d')
  if (!ctx) return null
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  const th = chartTheme(theme)
  ctx.fillStyle = th.background
  ctx.fillRect(0, 0, w, h)
  const gap = cell >= 8 ? 1 : 0
  const fill = (i: number, color: string): void => {
    ctx.fillStyle = color
    ctx.fillRect(1 + (i % cols) * cell, 1 + Math.floor(i / cols) * cell, cell - gap, cell - gap)
  }
  return { ctx, th, gap, fill }
}
