// A worker for the crash-isolation tests (test/host/crash_isolation.test.ts): the real engine
// worker, except for jobs whose target seed asks it to misbehave: 666 throws, 667 allocates
// until it runs out of memory, 668 exits its thread, 669 spins without end (only a cancel,
// which terminates the thread, stops it).
import { register } from 'tsx/esm/api'

register()
const real = (await import('../../../host/workers/engine_worker.ts')).default

export default async function hostile(task) {
  const seed = task.job.target.seed
  if (seed === 666) throw new Error(`${task.job.target.path}: the worker threw on purpose`)
  if (seed === 667) {
    const hog = []
    for (;;) hog.push(new Array(1 << 20).fill(hog.length))
  }
  if (seed === 668) process.exit(3)
  if (seed === 669) {
    let x = 0
    for (;;) x = (x + 1) % 7
  }
  return real(task)
}
