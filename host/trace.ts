/**
 * A trace of page-allocator and compaction events (ftrace text, trace-cmd report, perf script;
 * gzip-compressed or not) read and summarized by the engine's trace importer
 * (engine/importers/trace_events.ts): `buddyscope trace`.
 */
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { summarizeTrace, type TraceSummary, type FallbackEvent } from '../engine/index.ts'
import { SnapshotError, ioReason } from './sources/snapshot_error.ts'

export type TraceJson = TraceSummary & { path: string; fallbackEvents: FallbackEvent[] }

export async function loadTrace(path: string, opts: { maxBlocks?: number } = {}): Promise<TraceJson> {
  let raw: Buffer
  try {
    raw = await readFile(path)
  } catch (err) {
    throw new SnapshotError(path, `${path}: cannot read (${ioReason(err)})`)
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: 1 << 30 })
    } catch (err) {
      throw new SnapshotError(path, `${path}: the gzip data is corrupt (${err instanceof Error ? err.message : String(err)})`)
    }
  }
  if (raw.subarray(0, 10).toString('latin1').includes('tracing')) {
    throw new SnapshotError(path, `${path}: is a binary trace-cmd trace.dat; print it as text first: trace-cmd report -i ${path} > trace.txt`)
  }
  if (raw.subarray(0, 8).toString('latin1') === 'PERFILE2') {
    throw new SnapshotError(path, `${path}: is a binary perf.data; print it as text first: perf script -i ${path} > trace.txt`)
  }
  const s = summarizeTrace(raw.toString('utf8'), path, opts)
  return { path, ...s }
}
