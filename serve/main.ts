/**
 * `buddyscope serve [snapshot] [--port N] [--host ADDR]`: argv to a running browser-mode host, until Ctrl-C.
 * Exit codes as the CLI's: 0 ok, 1 cannot start, 2 usage.
 */
import { parseArgs } from 'node:util'
import { argvMessage } from '../host/argv_message.ts'
import { isIP } from 'node:net'
import { serve, isLoopback } from './server.ts'

const USAGE = `Usage: buddyscope serve [snapshot] [--port N] [--host ADDR]
  the app in a browser: a host on 127.0.0.1 only, with a random access token in the URL it
  prints; [snapshot] is opened first (default: the bundled real capture).
  --host ADDR listens on another address (e.g. 0.0.0.0): anyone who can reach it and has the
  token can open files on this machine as you; prefer an SSH tunnel (ssh -L PORT:127.0.0.1:PORT).
`

/** The warning --host with a non-loopback address prints. */
export function exposedWarning(host: string): string {
  return `buddyscope: warning: --host ${host} makes this server reachable from other machines; anyone who can reach it and has the token can read files on this machine as you, and the connection is not encrypted. Prefer the default (127.0.0.1) and an SSH tunnel.\n`
}

interface Out {
  out: (s: string) => void
  err: (s: string) => void
}

export async function main(argv: string[], io: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { port: { type: 'string', default: '0' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  } catch (e) {
    io.err(`buddyscope: ${argvMessage((e as Error).message, argv)}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.out(USAGE)
    return 0
  }
  const usage = (m: string): number => {
    io.err(`buddyscope: ${m}\n\n${USAGE}`)
    return 2
  }
  if (positionals.length > 1) return usage('serve takes at most one snapshot')
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) return usage(`--port must be 0..65535, not "${values.port}"`)
  const host = values.host
  if (host !== undefined && isIP(host) === 0 && host !== 'localhost') return usage(`--host must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1), not "${host}"`)
  if (host !== undefined && !isLoopback(host)) io.err(exposedWarning(host))
  let s
  try {
    s = await serve({ snapshot: positionals[0] ?? null, port: Number(values.port), log: io.err, ...(host !== undefined ? { host } : {}) })
  } catch (e) {
    io.err(`buddyscope: ${(e as Error).message}\n`)
    return 1
  }
  const where = host === undefined || isLoopback(host) ? `${host ?? '127.0.0.1'} only` : `listening on ${host}`
  io.out(`Buddyscope is serving on ${s.url}\n(${where}; the token in the URL is the key. Ctrl-C stops it.)\n`)
  const server = s
  await new Promise<void>((done) => {
    const stop = (): void => {
      server.close().then(done, done)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return 0
}
