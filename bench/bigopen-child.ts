/**
 * Part `bigopen` in a child process: open the capture folder argv[2] exactly through the host
 * loader, then print one `RESULT {json}` line with the wall time, the time of each phase the
 * loader reports (onProgress: reading files, kpageflags, kpagecount, building layout),
 * process.resourceUsage().maxRSS and the model's free blocks per zone and order (checked by the
 * parent against buddyinfo).
 */
import { loadSnapshot } from '../host/load.ts'

const phases: Record<string, number> = {}
let phase = 'start'
let since = performance.now()
const t0 = since
const s = await loadSnapshot(process.argv[2]!, {
  layout: 'exact',
  onProgress: (name) => {
    if (name === phase) return
    const t = performance.now()
    phases[phase] = (phases[phase] ?? 0) + t - since
    phase = name
    since = t
  },
})
const end = performance.now()
phases[phase] = (phases[phase] ?? 0) + end - since
const buddy = Object.fromEntries(s.model.zones.map((z) => [z.name, Array.from({ length: s.model.geometry.nrOrders }, (_, o) => z.free.nrFree(o))]))
const findings = s.findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}: ${f.message}`)
console.log(`RESULT ${JSON.stringify({ ms: end - t0, phases, maxRssBytes: process.resourceUsage().maxRSS * 1024, buddy, findings })}`)
