import { synthBandRow, synthBandLine } from '../host/fidelity.ts'
const [run, cap] = process.argv.slice(2)
const r = await synthBandRow('fixtures', run, cap)
if (r) { console.log(synthBandLine(r)); console.log(JSON.stringify(r.cells ?? r, null, 0).slice(0, 2000)) }
