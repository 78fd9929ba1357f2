/**
 * The snapshot path given on a command line: `buddyscope-app capture.tar.gz`, `electron . dir/`,
 * a second instance started by a file manager (possibly with a file:// URL).
 */
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The first non-option argument after the executable (and, when Electron runs the app from a
 * folder — `electron .`, process.defaultApp — after the app folder), made absolute against
 * `cwd`. Chromium and Electron switches (`--foo`, `-x`) are skipped; everything after a lone
 * `--` is taken as is. Null when there is none.
 */
export function snapshotPathFromArgv(argv: readonly string[], cwd: string, defaultApp: boolean): string | null {
  const args = argv.slice(defaultApp ? 2 : 1)
  let options = true
  for (const a of args) {
    if (options && a === '--') {
      options = false
      continue
    }
    if (options && a.startsWith('-')) continue
    if (a.trim() === '') continue
    if (a.startsWith('file://')) {
      try {
        return fileURLToPath(a)
      } catch {
        continue
      }
    }
    // other URL schemes (a desktop entry's %U) are not snapshots
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(a)) continue
    return isAbsolute(a) ? a : resolve(cwd, a)
  }
  return null
}
