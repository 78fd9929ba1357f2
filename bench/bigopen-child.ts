/**
 * Part `bigopen` in a child process: open the capture folder argv[2] exactly through the host
 * loader, then print one `RESULT {json}` line with the wall time, process.resourceUsage().maxRSS
 * and the model's free blocks per zone and order (checked by the parent against buddyinfo).
 */
import { loadSnapshot } from '../host/load.ts'

const t0 = performance.now()
const s = await loadSnapshot(process.argv[2]!, { layout: 'exact' })
const ms = performance.now() - t0
const buddy = Object.fromEntries(s.model.zones.map((z) => [z.name, Array.from({ length: s.model.geometry.nrOrders }, (_, o) => z.free.nrFree(o))]))
const findings = s.findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}: ${f.message}`)
console.log(`RESULT ${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, buddy, findings })}`)
