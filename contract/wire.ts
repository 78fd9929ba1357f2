/**
 * Wire format of the browser-mode transport (WebSocket): JSON messages in which typed arrays
 * travel as base64. Environment-free (uses atob/btoa, present in browsers and Node ≥16).
 */
import type { HostError } from './dto.ts'

export type ClientMessage = { t: 'call'; id: number; method: string; args: unknown }
export type ServerMessage =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: HostError }
  | { t: 'event'; event: string; payload: unknown }

const TYPED = {
  Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array,
} as const
type TypedName = keyof typeof TYPED

function toB64(bytes: Uint8Array): string {
  let s = ''
  const CH = 0x8000
  for (let i = 0; i < bytes.length; i += CH) s += String.fromCharCode(...bytes.subarray(i, i + CH))
  return btoa(s)
}

function fromB64(b64: string): Uint8Array {
  const s = atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypedName
      if (name in TYPED) return { $ta: name, b64: toB64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) }
    }
    return v
  })
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$ta' in v && 'b64' in v) {
      const { $ta, b64 } = v as { $ta: string; b64: string }
      const Ctor = TYPED[$ta as TypedName]
      if (!Ctor) return v
      const bytes = fromB64(b64)
      return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / Ctor.BYTES_PER_ELEMENT)
    }
    return v
  })
}
