/**
 * The desktop app's reports (electron/main/report.ts) against small fakes: the save dialog's
 * options and answers, and the PDF printed by webContents.printToPDF in a hidden window without
 * script, whose temporary HTML is removed afterwards.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { PRINT_WINDOW, printReportPdf, saveDialogOptions, showReportSaveDialog } from '../../electron/main/report.ts'

describe('Export Report… in the desktop app', () => {
  it('the save dialog proposes the report\'s name with the format\'s extension', async () => {
    const o = saveDialogOptions('buddyscope-report-6.1.html', 'html', '/home/u/Documents')
    expect(o.defaultPath).toBe('/home/u/Documents/buddyscope-report-6.1.html')
    expect(o.filters).toEqual([{ name: 'HTML report', extensions: ['html'] }])
    expect(saveDialogOptions('r.zip', 'csv', '/d').filters![0]!.extensions).toEqual(['zip'])
    const dialog = {
      answers: [{ canceled: false, filePath: '/tmp/r.pdf' }, { canceled: true, filePath: '' }],
      showSaveDialog(...args: unknown[]) {
        expect((args.at(-1) as { title: string }).title).toBe('Export Report')
        return Promise.resolve(this.answers.shift()!)
      },
    }
    expect(await showReportSaveDialog(dialog as never, null, 'r.pdf', 'pdf', '/tmp')).toBe('/tmp/r.pdf')
    expect(await showReportSaveDialog(dialog as never, null, 'r.pdf', 'pdf', '/tmp')).toBeNull()
  })

  it('prints the HTML in a hidden window without script and cleans up', async () => {
    let loaded = ''
    let html = ''
    let destroyed = false
    let options: unknown = null
    class Win {
      webContents = {
        printToPDF: (o: { printBackground: boolean; pageSize: string }) => {
          expect(o.printBackground).toBe(true)
          expect(o.pageSize).toBe('A4')
          return Promise.resolve(Buffer.from('%PDF-1.7 fake'))
        },
      }
      constructor(o: unknown) {
        options = o
      }
      loadFile(f: string) {
        loaded = f
        html = readFileSync(f, 'utf8')
        return Promise.resolve()
      }
      destroy() {
        destroyed = true
      }
      isDestroyed() {
        return destroyed
      }
    }
    const pdf = await printReportPdf(Win as never, '<!DOCTYPE html><p>report</p>')
    expect(Buffer.from(pdf).toString()).toBe('%PDF-1.7 fake')
    expect(html).toBe('<!DOCTYPE html><p>report</p>')
    expect(options).toBe(PRINT_WINDOW)
    expect(PRINT_WINDOW.show).toBe(false)
    expect(PRINT_WINDOW.webPreferences!.javascript).toBe(false)
    expect(destroyed).toBe(true)
    expect(existsSync(loaded)).toBe(false)
  })
})
