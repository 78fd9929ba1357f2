/**
 * electron-builder.yml and the icon, checked without packaging (which needs the Electron zip):
 * the YAML loads through electron-builder's own config loader and passes its schema.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { inflateSync } from 'node:zlib'

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const require = createRequire(join(root, 'node_modules', 'electron-builder', 'package.json'))

interface BuilderConfig {
  appId: string
  productName: string
  directories: { output: string }
  files: Array<{ filter: string[] }>
  extraResources: Array<{ from: string; to: string }>
  icon: string
  asar: boolean
  linux: { target: string[]; category: string; maintainer: string }
  mac: { target: string }
  win: { target: string }
}

async function loadConfig(): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(dir: string, path: string | null, opts: null): Promise<unknown>
    validateConfiguration(c: unknown, logger: unknown): Promise<void>
  }
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
  const config = await getConfig(root, join(root, 'electron-builder.yml'), null)
  await validateConfiguration(config, new DebugLogger(false))
  return config as BuilderConfig
}

describe('electron-builder.yml', () => {
  it('loads and passes electron-builder\'s schema', async () => {
    const c = await loadConfig()
    expect(c.appId).toBe('dev.buddyscope.app')
    expect(c.productName).toBe('Buddyscope')
    expect(c.directories.output).toBe('dist')
  })

  it('ships the built app and the bundled capture', async () => {
    const c = await loadConfig()
    expect(c.files[0]!.filter).toEqual(expect.arrayContaining(['out/**', 'package.json']))
    expect(c.extraResources).toEqual([
      { from: 'fixtures/x86-512M-s1-compact', to: 'fixtures/x86-512M-s1-compact' },
      // Help › How to capture shows and saves it (electron/main/app.ts captureScriptPath)
      { from: 'capture/buddyscope-capture', to: 'capture/buddyscope-capture' },
    ])
    expect(statSync(join(root, 'fixtures/x86-512M-s1-compact')).isDirectory()).toBe(true)
    expect(statSync(join(root, 'capture/buddyscope-capture')).isFile()).toBe(true)
    // the name the main process looks for under process.resourcesPath
    const app = readFileSync(join(root, 'electron/main/app.ts'), 'utf8')
    expect(app).toContain(`BUNDLED_SNAPSHOT_NAME = 'x86-512M-s1-compact'`)
  })

  it('targets AppImage + deb, dmg and nsis', async () => {
    const c = await loadConfig()
    expect(c.linux.target).toEqual(['AppImage', 'deb'])
    expect(c.linux.category).toBe('Development')
    expect(c.linux.maintainer).toMatch(/<.+@.+>/)
    expect(c.mac.target).toBe('dmg')
    expect(c.win.target).toBe('nsis')
  })

  it('rejects a broken configuration (the check is real)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> }
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
    await expect(validateConfiguration({ appId: 'x', linux: { tagret: 'deb' } }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration/)
  })
})

describe('build/icon.png', () => {
  it('is a valid 512×512 RGBA PNG', async () => {
    const c = await loadConfig()
    const png = readFileSync(join(root, c.icon))
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(png.toString('ascii', 12, 16)).toBe('IHDR')
    expect(png.readUInt32BE(16)).toBe(512)
    expect(png.readUInt32BE(20)).toBe(512)
    expect(png[24]).toBe(8)
    expect(png[25]).toBe(6)
    // the image data inflates to exactly one filter byte + 512 RGBA pixels per row
    const idat: Buffer[] = []
    for (let o = 8; o < png.length;) {
      const len = png.readUInt32BE(o)
      if (png.toString('ascii', o + 4, o + 8) === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + len))
      o += 12 + len
    }
    expect(inflateSync(Buffer.concat(idat)).length).toBe(512 * (512 * 4 + 1))
  })

  it('matches what build/make-icon.mjs draws', async () => {
    expect(existsSync(join(root, 'build/make-icon.mjs'))).toBe(true)
    const script: string = pathToFileURL(join(root, 'build/make-icon.mjs')).href
    const { drawIcon } = (await import(script)) as { drawIcon(): Buffer }
    expect(drawIcon().equals(readFileSync(join(root, 'build/icon.png')))).toBe(true)
  })
})
