/**
 * The one error type of the snapshot reader (host/sources/snapshot_*.ts): every failure to open
 * or read a capture (missing path, unreadable directory, corrupt gzip, damaged or unsafe
 * tarball, bad manifest.json) surfaces as a SnapshotError whose message names the path and
 * says what was wrong and what was expected.
 */
export class SnapshotError extends Error {
  constructor(
    /** The path the problem is about: the opened path, or a file inside it (`bundle.tgz:proc/buddyinfo`). */
    readonly path: string,
    message: string,
  ) {
    super(message)
    this.name = 'SnapshotError'
  }
}

/** A short plain-words reason from a Node/system error (e.g. `permission denied`). */
export function ioReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : ''
  switch (code) {
    case 'ENOENT': return 'no such file or directory'
    case 'EACCES': case 'EPERM': return 'permission denied'
    case 'ENOTDIR': return 'a path component is not a directory'
    case 'EISDIR': return 'is a directory'
    case 'ELOOP': return 'too many levels of symbolic links'
    case 'ENOSPC': return 'no space left on device'
    case 'EMFILE': case 'ENFILE': return 'too many open files'
    case 'EIO': return 'input/output error'
    default: return err instanceof Error ? err.message : String(err)
  }
}
