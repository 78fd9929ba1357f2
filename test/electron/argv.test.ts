import { describe, expect, it } from 'vitest'
import { snapshotPathFromArgv } from '../../electron/main/argv.ts'

describe('snapshotPathFromArgv', () => {
  it('packaged app: the first argument after the executable', () => {
    expect(snapshotPathFromArgv(['/opt/Buddyscope/buddyscope-app', '/caps/box.tar.gz'], '/home/u', false)).toBe('/caps/box.tar.gz')
  })

  it('`electron .`: skips the app folder', () => {
    expect(snapshotPathFromArgv(['/x/electron', '.', 'caps/series'], '/home/u', true)).toBe('/home/u/caps/series')
    expect(snapshotPathFromArgv(['/x/electron', '.'], '/home/u', true)).toBeNull()
  })

  it('skips Chromium/Electron switches', () => {
    expect(snapshotPathFromArgv(['app', '--no-sandbox', '--enable-features=X', '-v', 'cap.tgz'], '/w', false)).toBe('/w/cap.tgz')
    expect(snapshotPathFromArgv(['app', '--allow-file-access-from-files', '--original-process-start-time=1'], '/w', false)).toBeNull()
  })

  it('after --, takes the argument as is', () => {
    expect(snapshotPathFromArgv(['app', '--', '-odd-name'], '/w', false)).toBe('/w/-odd-name')
  })

  it('accepts file:// URLs and ignores other URL schemes', () => {
    expect(snapshotPathFromArgv(['app', 'file:///caps/my%20box.tar.gz'], '/w', false)).toBe('/caps/my box.tar.gz')
    expect(snapshotPathFromArgv(['app', 'https://example.com/x.tgz'], '/w', false)).toBeNull()
  })

  it('nothing given: null', () => {
    expect(snapshotPathFromArgv(['app'], '/w', false)).toBeNull()
    expect(snapshotPathFromArgv([], '/w', false)).toBeNull()
    expect(snapshotPathFromArgv(['app', ''], '/w', false)).toBeNull()
  })
})
