/**
 * Provenance of a report: every file of the capture with its SHA-256, the bundle's own hash when
 * a .tar.gz or a single file was opened, so a reader can check they hold the same capture and
 * regenerate the report from it. Files are only read.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { OpenedPath } from '../snapshot.ts'
import type { ProvenanceFile } from './model.ts'

/** SHA-256 and size of a file on disk, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return { sha256: h.digest('hex'), bytes }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

/**
 * The capture's files: a file on disk is hashed as stored (gzip and all, so `sha256sum` on the
 * capture gives the same); a member of a bundle by its content (the bundle's own hash is given
 * beside).
 */
export async function captureFiles(opened: OpenedPath, capture: string | null): Promise<{ files: ProvenanceFile[]; bundle: { path: string; bytes: number; sha256: string } | null }> {
  const src = await opened.capture(capture ?? undefined)
  try {
    const files: ProvenanceFile[] = []
    for (const name of src.files) {
      const where = src.describe(name)
      if (src.kind !== 'bundle' && (await isFile(where))) {
        files.push({ name, source: where, ...(await hashFile(where)), hashOf: 'file' })
        continue
      }
      const h = createHash('sha256')
      let bytes = 0
      for await (const chunk of src.openStream(name)) {
        h.update(chunk)
        bytes += chunk.length
      }
      files.push({ name, source: where, bytes, sha256: h.digest('hex'), hashOf: 'content' })
    }
    const bundle = src.kind !== 'directory' && (await isFile(opened.path)) ? { path: opened.path, ...(await hashFile(opened.path)) } : null
    return { files, bundle }
  } finally {
    await src.close()
  }
}
