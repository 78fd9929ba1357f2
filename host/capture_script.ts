/**
 * capture/buddyscope-capture, the POSIX sh capture tool for the target machine: where it lives
 * and its text (`buddyscope capture-script`, the app's Help › How to capture). The bundle it
 * writes is described in docs/bundle-format.md and read by sources/.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const CAPTURE_SCRIPT_NAME = 'buddyscope-capture'

/** The script in a checkout (the CLI and `buddyscope serve` run from one); Electron passes its own path. */
export function repoCaptureScriptPath(): string {
  return fileURLToPath(new URL(`../capture/${CAPTURE_SCRIPT_NAME}`, import.meta.url))
}

/** The script's text; an Error naming the path when it cannot be read. */
export async function readCaptureScript(path: string = repoCaptureScriptPath()): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as { code?: string }).code
    throw new Error(`${path}: cannot read the capture script (${code === 'ENOENT' ? 'no such file; this build does not ship capture/buddyscope-capture' : code ?? String(err)})`, { cause: err })
  }
}
