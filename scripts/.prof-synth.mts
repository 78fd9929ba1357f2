import { benchSynthesis, warmUp } from '../bench/synth.ts'
warmUp()
const { result } = await benchSynthesis(64 * 2 ** 30, { runs: 5, runCheck: false, log: (l) => console.log(l) })
console.log(result.runsMs)
