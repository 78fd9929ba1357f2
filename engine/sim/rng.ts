/**
 * Seeded PRNG: the only source of randomness in engine/ (same seed, same output).
 * mulberry32-style 32-bit generator: small state, fast, good enough for layout synthesis.
 */
export class Rng {
  /**
   * One generator alive as long as the module. V8 compiles a hot function that steps a generator
   * against the generators' hidden class (their map) and throws that code away when the map dies,
   * which it does once no generator is alive: between two syntheses (the bench's runs, each after
   * a full GC; a fleet's captures) every function stepping one ran unoptimized again until it was
   * recompiled (64 GiB synthesizeModel: about a tenth of its time). Never drawn from.
   */
  private static readonly mapKeeper: Rng = new Rng(0)
  private state: number
  readonly seed: number

  constructor(seed: number) {
    this.seed = seed >>> 0
    this.state = (seed >>> 0) ^ 0x9e3779b9
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /**
   * The generator's state, for a hot loop that steps it inline (rngAdvance, rngOutput): take it
   * with getState(), step a local copy, put it back with setState() before any other draw. As a
   * signed 32-bit integer, its bits those of the state (see rngAdvance).
   */
  getState(): number {
    return this.state | 0
  }

  setState(state: number): void {
    this.state = state >>> 0
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform integer in [0, n). n must be ≥ 1 and ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array | Uint8Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = a[i]!
      a[i] = a[j]!
      a[j] = t
    }
  }
}

/**
 * The state after one step of the generator (nextU32's first line), as a signed 32-bit integer:
 * the same 32 bits, and a value V8 keeps in a register in a loop that steps the state inline,
 * where the unsigned one is a heap number half the time (above 2^31) and each step allocated one
 * (64 GiB synthesizeModel: 30 MB of them, and a third of quotaDraws' time).
 */
export function rngAdvance(state: number): number {
  return (state + 0x6d2b79f5) | 0
}

/** The 32-bit output for an advanced state (nextU32's value): rngOutput(rngAdvance(s)). */
export function rngOutput(t: number): number {
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return (t ^ (t >>> 14)) >>> 0
}
