/** One size of the compaction benchmark in a child process; prints `RESULT {json}`. */
import { benchCompactionSize } from './compaction.ts'

const r = benchCompactionSize(Number(process.argv[2]), Number(process.argv[3] ?? 3))
console.log(`RESULT ${JSON.stringify(r)}`)
