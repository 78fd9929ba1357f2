/**
 * Child processes of the benchmark: a command run to its end, its wall time, its peak RSS
 * (VmHWM of /proc/PID/status, polled every 20 ms; worker threads share the process, so their
 * memory is in it) and the CPU time of all its threads (utime + stime of /proc/PID/stat, same
 * polls: less sensitive than the wall time to other processes on a shared machine).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { now } from './util.ts'

export interface ChildRun {
  ms: number
  code: number | null
  /** peak resident set seen, bytes (null where /proc is not readable) */
  peakRss: number | null
  /** user + system CPU time of the process and its threads at the last poll, ms (null where /proc is not readable) */
  cpuMs: number | null
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
    let cpuMs: number | null = null
    const statusFile = `/proc/${child.pid}/status`
    const statFile = `/proc/${child.pid}/stat`
    const poll = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(statusFile, 'utf8'))
        if (m) hwm = Math.max(hwm ?? 0, Number(m[1]) * 1024)
        // fields after the command name's closing parenthesis: utime and stime are the 12th and 13th (clock ticks, 100 a second)
        const f = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ')
        if (f && f.length > 12) cpuMs = Math.max(cpuMs ?? 0, (Number(f[11]) + Number(f[12])) * 10)
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
      resolve({ ms, code, peakRss: hwm, cpuMs, stdout, stderr })
    })
  })
}
