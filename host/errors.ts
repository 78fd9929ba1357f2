/**
 * Errors that cross to the renderer: a HostError { code, message } in plain words, never a
 * stack trace. ParseError and SnapshotError already name the file and line.
 */
import { isHostError, type HostError } from '../contract/dto.ts'

export function toHostError(e: unknown): HostError {
  if (isHostError(e)) return { code: e.code, message: e.message }
  if (e instanceof Error) {
    const name = e.name
    if (name === 'ParseError' || name === 'SnapshotError') return { code: 'bad-input', message: e.message }
    if (e instanceof RangeError) return { code: 'bad-argument', message: e.message }
    return { code: 'bad-input', message: e.message }
  }
  return { code: 'internal', message: String(e) }
}

export function hostError(code: HostError['code'], message: string): HostError {
  return { code, message }
}
