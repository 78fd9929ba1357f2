/**
 * Command-line messages shared by the hosts that parse argv (cli/, serve/).
 */

/** node:util parseArgs' complaint in plain words (the CLI and `serve` share it). */
export function argvMessage(message: string, argv: string[]): string {
  const ambiguous = /Option '--([\w-]+)[^']*' argument is ambiguous/.exec(message)
  if (ambiguous) {
    const flag = `--${ambiguous[1]}`
    const value = argv[argv.indexOf(flag) + 1] ?? ''
    return `${flag} needs a value, and "${value}" is not one (negative numbers are not accepted)`
  }
  const unknown = /Unknown option '([^']+)'/.exec(message)
  if (unknown) return `unknown option ${unknown[1]}`
  const missing = /Option '(--[\w-]+)[^']*' argument missing/.exec(message)
  if (missing) return `${missing[1]} needs a value`
  return message.split('\n')[0]!
}
