/**
 * Event counters named exactly as in /proc/vmstat (mm/vmstat.c vmstat_text[]), so simulated
 * and captured numbers share one vocabulary. Only counters the simulation drives are kept.
 */
export class VmEvents {
  /** one slot per counter, in the order counters were first counted */
  private readonly c = new Map<string, { v: number }>()
  /** the last counter counted (the same one is counted page after page on hot paths) */
  private lastName = ''
  private lastSlot: { v: number } | null = null

  count(name: string, delta = 1): void {
    if (name === this.lastName && this.lastSlot) {
      this.lastSlot.v += delta
      return
    }
    let slot = this.c.get(name)
    if (!slot) {
      slot = { v: 0 }
      this.c.set(name, slot)
    }
    slot.v += delta
    this.lastName = name
    this.lastSlot = slot
  }

  get(name: string): number {
    return this.c.get(name)?.v ?? 0
  }

  /** counters in insertion order */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [k, s] of this.c) out[k] = s.v
    return out
  }

  reset(): void {
    this.c.clear()
    this.lastName = ''
    this.lastSlot = null
  }
}
