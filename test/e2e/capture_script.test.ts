/**
 * Help › How to capture in browser mode (Chromium against `buddyscope serve`): the app, opened on
 * a bundle that capture/buddyscope-capture wrote in a QEMU guest, shows the script itself and
 * saves it (a download in browser mode; Electron saves through its native dialog).
 * Screenshot: test-results/e2e/how-to-capture.png.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const BUNDLE = join(FIXTURES, 'capture-script', 'x86-1G-s22-k61-compact.tar.gz')
const SCRIPT = readFileSync(join(import.meta.dirname, '..', '..', 'capture', 'buddyscope-capture'), 'utf8')
let e: E2E

beforeAll(async () => {
  e = await startE2E(BUNDLE)
  await e.page.getByTestId('view-overview').waitFor({ timeout: 60000 })
}, 120000)

afterAll(async () => {
  await e?.close()
})

describe('Help › How to capture (browser mode)', () => {
  it('opens a bundle of the capture script as a series: its before-capture, with the exact layout', async () => {
    expect(await e.page.getByTestId('layout-badge').getAttribute('data-layout')).toBe('exact')
    await expect(e.page.getByTestId('snapshot-tab').first().getAttribute('title')).resolves.toContain('[01-before]')
  })

  it('shows the capture script, whole, from the Help menu', async () => {
    await e.page.getByTestId('help-button').click()
    await e.page.getByTestId('help-how-to-capture').click()
    const dialog = e.page.getByRole('dialog', { name: 'How to capture' })
    await dialog.waitFor()
    const pre = e.page.getByTestId('capture-script')
    await expect.poll(() => pre.innerText()).toContain('#!/bin/sh')
    expect(await pre.textContent()).toBe(SCRIPT)
    await expect(dialog.innerText()).resolves.toMatch(/only options that write to the kernel/)
    await e.page.screenshot({ path: join(SHOTS, 'how-to-capture.png') })
  })

  it('saves it: a download named buddyscope-capture holding the script', async () => {
    const [download] = await Promise.all([
      e.page.waitForEvent('download'),
      e.page.getByTestId('save-capture-script').click(),
    ])
    expect(download.suggestedFilename()).toBe('buddyscope-capture')
    const path = await download.path()
    expect(readFileSync(path, 'utf8')).toBe(SCRIPT)
    await expect(e.page.getByTestId('capture-script-saved').innerText()).resolves.toMatch(/Downloaded as buddyscope-capture/)
    await e.page.keyboard.press('Escape')
    await e.page.getByRole('dialog').waitFor({ state: 'detached' })
    expect(e.errors).toEqual([])
  })
})
