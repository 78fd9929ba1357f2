/**
 * Part 1 for one machine size in a child process (used for 1 TiB): a V8 fatal error (such as
 * a JS array grown past V8's element limit) aborts the process and cannot be caught, so the
 * parent runs this size separately and reports the failure instead of dying with it.
 * Same node flags as the parent (no larger heap). Prints progress lines, then one
 * `RESULT {json}` line.
 */
import { benchSynthesis, warmUp } from './synth.ts'

const bytes = Number(process.argv[2])
const runs = Number(process.argv[3] ?? 3)
const runCheck = process.argv[4] === 'check'
const warm = warmUp()
console.log(`  (child pid ${process.pid}: warm-up synthesis of 4 GiB in ${warm.toFixed(0)} ms)`)
const { result } = await benchSynthesis(bytes, { runs, runCheck, log: (l) => console.log(l) })
console.log(`RESULT ${JSON.stringify(result)}`)
