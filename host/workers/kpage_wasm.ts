/**
 * The kpageflags decode of the split loader (kpage_split.ts, kpage_worker.ts) as a small
 * WebAssembly function: the engine's decodeKpageflags, step for step (the same table,
 * kpageKindTable(), and the same key, KPAGE_KEY). 16.7 M entries (a 64 GiB machine) decode in
 * about 13 ms with SIMD, 28 ms without, against 47 ms for decodeKpageflags, whose JavaScript loop
 * V8 compiles with a bounds check on every typed-array access. The file's
 * bytes are read straight into the module's memory (`input`), the kinds come out in it and are
 * copied into the page map, 1 byte a page.
 *
 * The module is assembled here from its instructions (no toolchain, no binary in the
 * repository); where WebAssembly is missing or refuses it, kpageWasmDecoder() returns null and
 * the callers decode with decodeKpageflags. Tests compare the two on fixtures and on random flags.
 *
 * Memory: [kind table, and the SIMD key's (kpageWasmDecoder)][input: capacity × 8 bytes][kinds: capacity bytes][heads: capacity × 4 bytes].
 * decode(in, n, out, heads) → the number of unsplittable folio heads, as entry indices from `in`;
 * four entries a step (their kinds stored as one word, the head test only when one of them is a
 * compound head), the last n mod 4 one by one.
 */
import { FOLIO_HEAD, KPAGE_KEY, KPF, PageKind, THP_HEAD, decodeKpageflags, kpageKindTable } from '../../engine/index.ts'

const bit = (b: number): number => 2 ** b

/** unsigned LEB128 */
function uleb(v: number): number[] {
  const out: number[] = []
  do {
    let b = v & 0x7f
    v = Math.floor(v / 128)
    if (v !== 0) b |= 0x80
    out.push(b)
  } while (v !== 0)
  return out
}

/** signed LEB128 of an i32 */
function sleb(v: number): number[] {
  v |= 0
  const out: number[] = []
  for (;;) {
    const b = v & 0x7f
    v >>= 7
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

// opcodes (WebAssembly core spec, binary format)
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR_IF = 0x0d, VOID = 0x40
const GET = 0x20, SET = 0x21, TEE = 0x22
const LOAD = 0x28, LOAD8_U = 0x2d, STORE = 0x36, STORE8 = 0x3a
const CONST = 0x41, EQZ = 0x45, EQ = 0x46, NE = 0x47, LT_U = 0x49
const ADD = 0x6a, SUB = 0x6b, AND = 0x71, OR = 0x72, SHL = 0x74, SHR_U = 0x76, SELECT = 0x1b
const I32 = 0x7f, V128 = 0x7b

/** KPF_RECLAIM's place in the SIMD key (not relevant to the kind): the entry is not all zero */
const NONZERO_BIT = bit(KPF.RECLAIM)
if ((KPAGE_KEY.relevant | (KPAGE_KEY.referenced << KPAGE_KEY.refShift) | (KPAGE_KEY.hiMask << KPAGE_KEY.hiShift)) & NONZERO_BIT) throw new Error('kpage_wasm: the not-all-zero bit is part of the key')

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]))

/** The module's bytes: one memory of `pages` 64 KiB pages, and decode(). */
function moduleBytes(pages: number, simd: boolean): Uint8Array {
  // params 0..3: in, n, out, heads; locals 4..: p, q, end, lo, hi, key, kind, h, end4, w, any; v128 locals 15..: va, vb, vlo, vhi, vany, acc, k0..k3
  const IN = 0, N = 1, OUT = 2, HEADS = 3, P = 4, Q = 5, E = 6, LO = 7, HI = 8, KEY = 9, KIND = 10, H = 11, E4 = 12, W = 13, ANY = 14
  const VA = 15, VB = 16, VLO = 17, VHI = 18, VANY = 19, ACC = 20, K0 = 21
  const c = (v: number): number[] => [CONST, ...sleb(v)]
  const get = (l: number): number[] => [GET, l]
  const set = (l: number): number[] => [SET, l]
  const mem = (op: number, align: number, offset: number): number[] => [op, align, ...uleb(offset)]
  const headBit = bit(KPF.COMPOUND_HEAD), writeback = bit(KPF.WRITEBACK), dirty = bit(KPF.DIRTY), anon = bit(KPF.ANON)
  const privateHi = bit(KPF.PRIVATE - 32)
  const eitherHead = THP_HEAD ^ FOLIO_HEAD
  /** lo, hi of the entry at p + 8u into LO, HI */
  const entry = (u: number): number[] => [...get(P), ...mem(LOAD, 2, 8 * u), ...set(LO), ...get(P), ...mem(LOAD, 2, 8 * u + 4), ...set(HI)]
  /** the kind of the entry at p + 8u into KIND */
  const kindOf = (u: number): number[] => [
    ...entry(u),
    // key = ((lo & relevant) | ((lo & referenced) << refShift) | ((hi & hiMask) << hiShift)) >>> shift; kind = table[key]
    ...get(LO), ...c(KPAGE_KEY.relevant), AND,
    ...get(LO), ...c(KPAGE_KEY.referenced), AND, ...c(KPAGE_KEY.refShift), SHL, OR,
    ...get(HI), ...c(KPAGE_KEY.hiMask), AND, ...c(KPAGE_KEY.hiShift), SHL, OR,
    ...c(KPAGE_KEY.shift), SHR_U, TEE, KEY,
    ...mem(LOAD8_U, 0, 0), ...set(KIND),
    // key 0 with some bit set: a kernel page (select: no branch)
    ...c(PageKind.KERNEL), ...get(KIND),
    ...get(KEY), EQZ, ...get(LO), ...get(HI), OR, ...c(0), NE, AND,
    SELECT, ...set(KIND),
  ]
  /** the entry (LO, HI, KIND) at q + u a large folio head whose split fails (under writeback, or dirty page cache with fs-private data): heads[h++] = q + u − out */
  const headCheck = (u: number): number[] => [
    ...get(LO), ...c(headBit), AND,
    IF, VOID,
    ...get(KIND), ...c(eitherHead), OR, ...c(FOLIO_HEAD), EQ,
    ...get(LO), ...c(writeback), AND, ...c(0), NE,
    ...get(LO), ...c(dirty | anon), AND, ...c(dirty), EQ,
    ...get(HI), ...c(privateHi), AND, ...c(0), NE, AND,
    OR, AND,
    IF, VOID,
    ...get(HEADS), ...get(H), ...c(2), SHL, ADD, ...get(Q), ...c(u), ADD, ...get(OUT), SUB, ...mem(STORE, 2, 0),
    ...get(H), ...c(1), ADD, ...set(H),
    END,
    END,
  ]
  const GE_U = 0x4f
  // SIMD (fixed-width 128-bit): opcodes after the 0xfd prefix
  const simdOp = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm]
  const splat = (v: number): number[] => simdOp(0x0c, ...Array.from({ length: 16 }, (_, i) => (v >>> (8 * (i % 4))) & 0xff))
  const V_LOAD = 0x00, V_STORE = 0x0b, SHUFFLE = 0x0d, EXTRACT32 = 0x1b, REPLACE8 = 0x17
  const V_AND = 0x4e, V_OR = 0x50, ANY_TRUE = 0x53, NE32 = 0x38, SHL32 = 0xab, SHR_U32 = 0xad
  // bytes of the low words (entries 0, 1 of a, 2, 3 of b), then of the high words
  const loLanes = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]
  const hiLanes = loLanes.map((l) => l + 4)
  /**
   * Keys of entries 4g .. 4g + 3 (from p + 32g) into k_g, their low words or-ed into vany. The
   * SIMD key has a bit more than KPAGE_KEY's: KPF_RECLAIM's place (bit 9, not relevant) says the
   * entry is not all zero, so key 0 is a flagless page and key 16 a kernel page with only
   * irrelevant flags; the table holds those (kpageWasmDecoder).
   */
  const keys = (g: number): number[] => [
    ...get(P), ...simdOp(V_LOAD, 4, ...uleb(32 * g)), ...set(VA),
    ...get(P), ...simdOp(V_LOAD, 4, ...uleb(32 * g + 16)), ...set(VB),
    ...get(VA), ...get(VB), ...simdOp(SHUFFLE, ...loLanes), ...set(VLO),
    ...get(VA), ...get(VB), ...simdOp(SHUFFLE, ...hiLanes), ...set(VHI),
    ...get(VLO), ...splat(KPAGE_KEY.relevant), ...simdOp(V_AND),
    ...get(VLO), ...splat(KPAGE_KEY.referenced), ...simdOp(V_AND), ...c(KPAGE_KEY.refShift), ...simdOp(SHL32), ...simdOp(V_OR),
    ...get(VHI), ...splat(KPAGE_KEY.hiMask), ...simdOp(V_AND), ...c(KPAGE_KEY.hiShift), ...simdOp(SHL32), ...simdOp(V_OR),
    ...get(VLO), ...get(VHI), ...simdOp(V_OR), ...splat(0), ...simdOp(NE32), ...splat(NONZERO_BIT), ...simdOp(V_AND), ...simdOp(V_OR),
    ...c(KPAGE_KEY.shift), ...simdOp(SHR_U32), ...set(K0 + g),
    ...(g === 0 ? [...get(VLO), ...set(VANY)] : [...get(VANY), ...get(VLO), ...simdOp(V_OR), ...set(VANY)]),
  ]
  const simdLoop: number[] = !simd ? [] : [
    // sixteen entries a step: keys four at a time, the kinds gathered into one vector and stored
    ...get(OUT), ...get(N), ...c(-16), AND, ADD, ...set(E4),
    BLOCK, VOID,
    ...get(Q), ...get(E4), GE_U, BR_IF, 0,
    LOOP, VOID,
    ...[0, 1, 2, 3].flatMap(keys),
    ...Array.from({ length: 16 }, (_, e) => [...get(ACC), ...get(K0 + (e >> 2)), ...simdOp(EXTRACT32, e & 3), ...mem(LOAD8_U, 0, 0), ...simdOp(REPLACE8, e), ...set(ACC)]).flat(),
    ...get(Q), ...get(ACC), ...simdOp(V_STORE, 4, 0),
    ...get(VANY), ...splat(headBit), ...simdOp(V_AND), ...simdOp(ANY_TRUE),
    IF, VOID,
    ...Array.from({ length: 16 }, (_, u) => [...entry(u), ...get(Q), ...mem(LOAD8_U, 0, u), ...set(KIND), ...headCheck(u)]).flat(),
    END,
    ...get(P), ...c(128), ADD, ...set(P),
    ...get(Q), ...c(16), ADD, TEE, Q, ...get(E4), LT_U, BR_IF, 0,
    END,
    END,
  ]
  const code: number[] = [
    ...get(IN), ...set(P), ...get(OUT), ...set(Q), ...get(OUT), ...get(N), ADD, ...set(E),
    ...simdLoop,
    ...get(OUT), ...get(N), ...c(-4), AND, ADD, ...set(E4),
    // four entries a step: their kinds stored as one word; the head test only when one of them is a compound head
    BLOCK, VOID,
    ...get(Q), ...get(E4), GE_U, BR_IF, 0,
    LOOP, VOID,
    ...[0, 1, 2, 3].flatMap((u) => [
      ...kindOf(u),
      ...(u === 0 ? [...get(KIND), ...set(W), ...get(LO), ...set(ANY)] : [...get(W), ...get(KIND), ...c(8 * u), SHL, OR, ...set(W), ...get(ANY), ...get(LO), OR, ...set(ANY)]),
    ]),
    ...get(Q), ...get(W), ...mem(STORE, 2, 0),
    ...get(ANY), ...c(headBit), AND,
    IF, VOID,
    ...[0, 1, 2, 3].flatMap((u) => [...entry(u), ...get(Q), ...mem(LOAD8_U, 0, u), ...set(KIND), ...headCheck(u)]),
    END,
    ...get(P), ...c(32), ADD, ...set(P),
    ...get(Q), ...c(4), ADD, TEE, Q, ...get(E4), LT_U, BR_IF, 0,
    END,
    END,
    // the last n mod 4 entries one by one
    BLOCK, VOID,
    ...get(Q), ...get(E), GE_U, BR_IF, 0,
    LOOP, VOID,
    ...kindOf(0),
    ...get(Q), ...get(KIND), ...mem(STORE8, 0, 0),
    ...headCheck(0),
    ...get(P), ...c(8), ADD, ...set(P),
    ...get(Q), ...c(1), ADD, TEE, Q, ...get(E), LT_U, BR_IF, 0,
    END,
    END,
    ...get(H),
    END,
  ]
  const body = [...vec([[11, I32], [10, V128]]), ...code]
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([[...name('decode'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ])
}

/** the part of the WebAssembly JS API used here (Node's types leave the global out) */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: { memory: { buffer: ArrayBuffer }; decode: (inPtr: number, n: number, out: number, heads: number) => number } }
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** the compiled modules by memory size and SIMD; null once WebAssembly refused the scalar module */
const compiled = new Map<string, object>()
let refused = false

/** A decoder of up to `capacity` entries a call, with its own memory. */
export interface KpageWasmDecoder {
  readonly capacity: number
  /** 'simd': the WebAssembly module with SIMD, 'wasm': without, 'js': decodeKpageflags */
  readonly kind: 'simd' | 'wasm' | 'js'
  /** where to read a chunk's bytes: `capacity` × 8 bytes, 8-aligned */
  readonly input: Uint8Array
  /**
   * Decode the first `n` entries of `input` (PFNs firstPfn ..) into map[pfn − basePfn] for the
   * PFNs in [basePfn, endPfn); the unsplittable large-folio heads in PFN order, or null.
   */
  decode(n: number, firstPfn: number, map: Uint8Array, basePfn: number, endPfn: number): number[] | null
}

/**
 * A WebAssembly kpageflags decoder, or null where WebAssembly is not available. With SIMD (the
 * default; without it where the engine lacks it, or `simd: false`) sixteen entries a step.
 */
export function kpageWasmDecoder(capacity: number, opts: { simd?: boolean } = {}): KpageWasmDecoder | null {
  if (!wasmApi || refused) return null
  const table = kpageKindTable()
  // the SIMD key's not-all-zero bit: key | nz holds the kind of key (nz alone: a kernel page with only irrelevant flags)
  const nz = NONZERO_BIT >>> KPAGE_KEY.shift
  const inAt = Math.ceil((table.length + nz) / 64) * 64
  const outAt = inAt + capacity * 8
  const headsAt = Math.ceil((outAt + capacity) / 64) * 64
  const pages = Math.ceil((headsAt + capacity * 4) / 65_536)
  let exports: InstanceType<WasmApi['Instance']>['exports'] | null = null
  let withSimd = false
  for (const simd of opts.simd === false ? [false] : [true, false]) {
    try {
      const key = `${pages}/${simd}`
      let m = compiled.get(key)
      if (!m) compiled.set(key, (m = new wasmApi.Module(moduleBytes(pages, simd))))
      exports = new wasmApi.Instance(m, {}).exports
      withSimd = simd
      break
    } catch {
      // no SIMD here: the scalar module
    }
  }
  if (!exports) {
    refused = true
    return null
  }
  const { memory, decode: decodeFn } = exports
  const bytes = new Uint8Array(memory.buffer)
  bytes.set(table, 0)
  for (let k = 1; k < table.length; k++) if ((k & nz) === 0) bytes[k | nz] = table[k]!
  bytes[nz] = PageKind.KERNEL
  const heads32 = new Int32Array(memory.buffer, headsAt, capacity)
  return {
    capacity,
    kind: withSimd ? 'simd' : 'wasm',
    input: bytes.subarray(inAt, inAt + capacity * 8),
    decode(n, firstPfn, map, basePfn, endPfn) {
      if (n > capacity) throw new RangeError(`kpageflags decode: ${n} entries, room for ${capacity}`)
      let lo0 = 0
      let hi0 = n
      if (firstPfn < basePfn) lo0 = Math.min(n, basePfn - firstPfn)
      if (firstPfn + n > endPfn) hi0 = Math.max(lo0, endPfn - firstPfn)
      if (hi0 === lo0) return null
      const nh = decodeFn(inAt + lo0 * 8, hi0 - lo0, outAt, headsAt)
      map.set(bytes.subarray(outAt, outAt + hi0 - lo0), firstPfn + lo0 - basePfn)
      if (nh === 0) return null
      const heads: number[] = []
      for (let i = 0; i < nh; i++) heads.push(firstPfn + lo0 + heads32[i]!)
      return heads
    },
  }
}

/** The decoders this thread keeps, by kind and capacity (one of each: the chunk size rarely changes). */
const kept: { wasm: KpageWasmDecoder | null; js: KpageWasmDecoder | null } = { wasm: null, js: null }

/** decodeKpageflags behind the same interface (where WebAssembly is missing, and for tests). */
function jsDecoder(capacity: number): KpageWasmDecoder {
  const input = new Uint8Array(capacity * 8)
  const words = new Uint32Array(input.buffer)
  return {
    capacity,
    kind: 'js',
    input,
    decode: (n, firstPfn, map, basePfn, endPfn) => decodeKpageflags(words.subarray(0, n * 2), firstPfn, map, basePfn, endPfn),
  }
}

export type ChunkDecoder = KpageWasmDecoder

/**
 * This thread's decoder of chunks of up to `capacity` entries: the WebAssembly one unless `kind`
 * is 'js' or WebAssembly is not available, then decodeKpageflags.
 */
export function chunkDecoder(capacity: number, kind: 'wasm' | 'js' = 'wasm'): ChunkDecoder {
  if (kind === 'wasm' && !refused) {
    if (kept.wasm?.capacity !== capacity) kept.wasm = kpageWasmDecoder(capacity)
    if (kept.wasm) return kept.wasm
  }
  if (kept.js?.capacity !== capacity) kept.js = jsDecoder(capacity)
  return kept.js
}
