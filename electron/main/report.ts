/**
 * Reports in the desktop app: the save dialog for File › Export Report… and the PDF, printed by
 * Electron's own Chromium (webContents.printToPDF) in a hidden window of its own session, with
 * JavaScript off: the report is a self-contained HTML file that needs no script. Plain functions
 * over Electron objects, so the tests drive them with fakes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserWindow, BrowserWindowConstructorOptions, Dialog, SaveDialogOptions } from 'electron'
import type { ReportFormatName } from '../../contract/names.ts'

const FILTERS: Record<ReportFormatName, { name: string; extensions: string[] }> = {
  html: { name: 'HTML report', extensions: ['html'] },
  pdf: { name: 'PDF report', extensions: ['pdf'] },
  md: { name: 'Markdown report', extensions: ['md'] },
  json: { name: 'JSON report', extensions: ['json'] },
  csv: { name: 'CSV tables (zip)', extensions: ['zip'] },
}

export function saveDialogOptions(fileName: string, format: ReportFormatName, dir: string): SaveDialogOptions {
  return { title: 'Export Report', defaultPath: join(dir, fileName), buttonLabel: 'Export', filters: [FILTERS[format]], properties: ['createDirectory', 'showOverwriteConfirmation'] }
}

/** The path chosen in the save dialog, or null when cancelled. */
export async function showReportSaveDialog(dialog: Pick<Dialog, 'showSaveDialog'>, win: BrowserWindow | null, fileName: string, format: ReportFormatName, dir: string): Promise<string | null> {
  const options = saveDialogOptions(fileName, format, dir)
  const r = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options)
  return r.canceled || !r.filePath ? null : r.filePath
}

/** The hidden window the report is printed in: no script, no preload, a session of its own. */
export const PRINT_WINDOW: BrowserWindowConstructorOptions = {
  show: false,
  width: 1100,
  height: 1400,
  webPreferences: { javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false, partition: 'buddyscope-report-print', images: true },
}

type WindowCtor = new (o: BrowserWindowConstructorOptions) => Pick<BrowserWindow, 'loadFile' | 'destroy' | 'isDestroyed'> & { webContents: Pick<BrowserWindow['webContents'], 'printToPDF'> }

/** A report's HTML as PDF bytes (A4, backgrounds printed, the report's own print CSS). */
export async function printReportPdf(BrowserWindowClass: WindowCtor, html: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'buddyscope-print-'))
  const win = new BrowserWindowClass(PRINT_WINDOW)
  try {
    const file = join(dir, 'report.html')
    await writeFile(file, html)
    await win.loadFile(file)
    const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4', preferCSSPageSize: true })
    return new Uint8Array(pdf)
  } finally {
    if (!win.isDestroyed()) win.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}
