/**
 * PDF through headless Chromium (the CLI and browser mode; the desktop app prints with
 * Electron's own webContents.printToPDF). Chromium is found the way the end-to-end tests find
 * it: CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, or Playwright's browser cache.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const NO_CHROMIUM = 'a PDF report needs Chromium or Chrome, and none was found: install one (`apt install chromium` on Debian and Ubuntu, `dnf install chromium` on Fedora), or set CHROMIUM_PATH to a Chromium or Chrome binary; or write the report as HTML (-o report.html) and print it from any browser'

export class NoChromiumError extends Error {
  constructor() {
    super(NO_CHROMIUM)
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env['CHROMIUM_PATH']
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`)
    return given
  }
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(p)) return p
  const cache = env['PLAYWRIGHT_BROWSERS_PATH'] ?? join(homedir(), '.cache', 'ms-playwright')
  if (existsSync(cache)) {
    for (const d of readdirSync(cache).filter((x) => x.startsWith('chromium')).sort().reverse()) {
      for (const rel of ['chrome-linux/chrome', 'chrome-linux64/chrome']) {
        const p = join(cache, d, rel)
        if (existsSync(p)) return p
      }
    }
  }
  return null
}

/** The HTML report printed to PDF by headless Chromium (A4, the report's print CSS, no header or footer lines). */
export async function htmlToPdf(html: string, chromium: string | null = findChromium()): Promise<Uint8Array> {
  if (!chromium) throw new NoChromiumError()
  const dir = await mkdtemp(join(tmpdir(), 'buddyscope-pdf-'))
  try {
    const input = join(dir, 'report.html')
    const output = join(dir, 'report.pdf')
    await writeFile(input, html)
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-extensions', `--user-data-dir=${join(dir, 'profile')}`, '--no-pdf-header-footer', '--print-to-pdf-no-header',
        `--print-to-pdf=${output}`, pathToFileURL(input).href,
      ], { timeout: 120_000, maxBuffer: 4 << 20 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`${chromium} could not print the report to PDF: ${err.message}${stderr ? `\n${String(stderr).trim().split('\n').slice(-3).join('\n')}` : ''}`))
        else resolve()
      })
    })
    if (!existsSync(output)) throw new Error(`${chromium} ran but wrote no PDF`)
    const pdf = new Uint8Array(await readFile(output))
    if (pdf.length < 5 || Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-') throw new Error(`${chromium} wrote something that is not a PDF`)
    return pdf
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
