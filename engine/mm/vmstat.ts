/**
 * Event counters named exactly as in /proc/vmstat (mm/vmstat.c vmstat_text[]), so simulated
 * and captured numbers share one vocabulary. Only counters the simulation drives are kept.
 */
export class VmEvents {
  private readonly c = new Map<string, number>()

  count(name: string, delta = 1): void {
    this.c.set(name, (this.c.get(name) ?? 0) + delta)
  }

  get(name: string): number {
    return this.c.get(name) ?? 0
  }

  /** counters in insertion order */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.c)
  }

  reset(): void {
    this.c.clear()
  }
}
