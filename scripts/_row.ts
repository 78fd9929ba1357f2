import { fidelityRow, misses } from '../host/fidelity.ts'
const [run, cap] = process.argv.slice(2)
const r = await fidelityRow('fixtures', run, cap)
console.log(JSON.stringify(r, null, 1).slice(0, 3000)); if (r) console.log('misses', misses(r))
