/**
 * Child processes of the benchmark: a command run to its end, its wall time and its peak RSS
 * (VmHWM of /proc/PID/status, polled every 20 ms; worker threads share the process, so their
 * memory is in it).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { now } from './util.ts'

export interface ChildRun {
  ms: number
  code: number | null
  /** peak resident set seen, bytes (null where /proc is not readable) */
  peakRss: number | null
  stdout: string
  stderr: string
}

export function runTimed(cmd: string, args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = now()
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) })
    let stdout = ''
    let stderr = ''
    let hwm: number | null = null
    const statusFile = `/proc/${child.pid}/status`
    const poll = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(statusFile, 'utf8'))
        if (m) hwm = Math.max(hwm ?? 0, Number(m[1]) * 1024)
      } catch {
        // not started yet, or already gone
      }
    }
    const timer = setInterval(poll, 20)
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000)
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (s: string) => { stdout += s })
    child.stderr.on('data', (s: string) => { stderr += s })
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = now() - t0
      clearInterval(timer)
      clearTimeout(killer)
      resolve({ ms, code, peakRss: hwm, stdout, stderr })
    })
  })
}
