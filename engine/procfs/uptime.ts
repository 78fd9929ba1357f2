/**
 * /proc/uptime: "seconds since boot" and "idle seconds summed over CPUs", as fs/proc/uptime.c
 * (uptime_proc_show) prints them: `9.08 8.57`. A series' captures without a recorded capture
 * time are placed on the time axis by it.
 */
import { ParseError } from './types.ts'

/** Seconds since boot (the first field). */
export function parseUptime(text: string, file = 'uptime'): number {
  const line = text.split('\n', 1)[0]!.replace(/\r$/, '')
  const m = /^\s*(\d+(?:\.\d+)?)(?:\s+\d+(?:\.\d+)?)?\s*$/.exec(line)
  if (!m) throw new ParseError(file, 1, 'seconds since boot and idle seconds, e.g. "9.08 8.57"', line)
  return Number(m[1])
}
