import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

vi.mock('electron', async () => (await import('./fake_electron.ts')).electronModule)

import { fake, resetFake } from './fake_electron.ts'
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, appPathOf, appProtocolHandler, handleAppProtocol, mimeTypeOf, registerAppScheme } from '../../electron/main/protocol.ts'
import { CSP } from '../../electron/main/security.ts'
import { electronModule } from './fake_electron.ts'

let tmp: string
let root: string
let handler: (r: Request) => Promise<Response>

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'buddyscope-protocol-'))
  root = join(tmp, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="./assets/index-abc.js"></script>')
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(join(root, 'assets', 'logo.svg'), '<svg/>')
  writeFileSync(join(root, 'assets', 'font.woff2'), 'x')
  writeFileSync(join(tmp, 'secret.txt'), 'outside the renderer')
  symlinkSync(join(tmp, 'secret.txt'), join(root, 'assets', 'link.txt'))
  symlinkSync(tmp, join(root, 'up'))
  handler = appProtocolHandler(root)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
beforeEach(() => resetFake())

describe('app:// protocol handler (checklist item 17)', () => {
  it('serves index.html (also for /) with its MIME type and the CSP', async () => {
    for (const url of [APP_INDEX_URL, 'app://buddyscope/', 'app://buddyscope/index.html?x=1#/zones']) {
      const r = await handler(new Request(url))
      expect(r.status, url).toBe(200)
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(r.headers.get('content-security-policy')).toBe(CSP)
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await r.text()).toContain('id="app"')
    }
  })

  it('serves the built assets with correct MIME types', async () => {
    const want: Record<string, string> = {
      'assets/index-abc.js': 'text/javascript; charset=utf-8', 'assets/index-abc.css': 'text/css; charset=utf-8',
      'assets/logo.svg': 'image/svg+xml', 'assets/font.woff2': 'font/woff2',
    }
    for (const [p, type] of Object.entries(want)) {
      const r = await handler(new Request(`app://buddyscope/${p}`))
      expect(r.status, p).toBe(200)
      expect(r.headers.get('content-type'), p).toBe(type)
    }
    expect(await (await handler(new Request('app://buddyscope/assets/index-abc.js'))).text()).toBe('console.log(1)')
    expect(mimeTypeOf('x.unknown')).toBe('application/octet-stream')
  })

  it('refuses traversal, encoded separators, other hosts and schemes, and missing files', async () => {
    const bad = [
      'app://buddyscope/../secret.txt', 'app://buddyscope/assets/../../secret.txt', 'app://buddyscope/%2e%2e/secret.txt',
      'app://buddyscope/assets%2f..%2f..%2fsecret.txt', 'app://buddyscope/..%5csecret.txt', 'app://buddyscope/%00index.html',
      `app://buddyscope/${encodeURIComponent(join(tmp, 'secret.txt'))}`, `app://buddyscope/${join(tmp, 'secret.txt')}`,
      'app://evil/index.html', 'app://buddyscope:8080/index.html', 'file:///etc/passwd',
      'https://buddyscope/index.html', 'app://buddyscope/missing.js', 'app://buddyscope/assets', 'app://buddyscope/assets//index-abc.js',
    ]
    expect(appPathOf(root, 'app://u:p@buddyscope/index.html')).toBeNull()
    for (const url of bad) {
      const r = await handler(new Request(url))
      expect(r.status, url).toBe(404)
      expect(await r.text(), url).not.toContain('outside the renderer')
    }
  })

  it('refuses symlinks that leave the renderer directory', async () => {
    expect(appPathOf(root, 'app://buddyscope/assets/link.txt')).toBe(join(root, 'assets', 'link.txt'))
    for (const url of ['app://buddyscope/assets/link.txt', 'app://buddyscope/up/secret.txt']) {
      const r = await handler(new Request(url))
      expect(r.status, url).toBe(404)
    }
  })

  it('answers only GET and HEAD', async () => {
    const head = await handler(new Request(APP_INDEX_URL, { method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const post = await handler(new Request(APP_INDEX_URL, { method: 'POST', body: 'x' }))
    expect(post.status).toBe(405)
  })

  it('registers app: as a standard secure scheme before ready, and handles it once ready', async () => {
    registerAppScheme(electronModule.protocol)
    expect(fake.privilegedSchemes).toEqual([{ schemes: [APP_SCHEME_PRIVILEGES], whenReady: false }])
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true, bypassCSP: false } })
    fake.app.becomeReady()
    handleAppProtocol(electronModule.protocol, root)
    const r = await fake.protocolHandlers.get('app')!(new Request(APP_INDEX_URL))
    expect(r.status).toBe(200)
  })
})
