/**
 * A read-only view of a folder tree, so the capture layouts are recognised the same way in
 * a directory on disk (FsTree) and in an extracted tarball (VirtualTree, built by
 * snapshot_bundle.ts). Paths are POSIX-style and relative to the tree root ('' = the root).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SnapshotError, ioReason } from './snapshot_error.ts'

export interface TreeFile {
  /** Path relative to the tree root. */
  readonly rel: string
  /** Where the bytes are on disk (the user's file, or the private extraction copy). */
  readonly abs: string
  readonly size: number
  /** Human path for messages. */
  readonly display: string
}

export type TreeStat = { type: 'file'; file: TreeFile } | { type: 'dir' } | null

export interface TreeEntry {
  name: string
  type: 'file' | 'dir'
}

export interface Tree {
  /** Human path of `rel` for messages. */
  display(rel: string): string
  /** Follows symbolic links; null when absent, dangling, or neither a file nor a directory. */
  stat(rel: string): Promise<TreeStat>
  /** The files and folders in directory `rel` (links resolved), sorted by name; [] if it is not a directory. */
  list(rel: string): Promise<TreeEntry[]>
}

export function joinRel(a: string, b: string): string {
  if (a === '') return b
  if (b === '') return a
  return `${a}/${b}`
}

const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP'])

function errCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : ''
}

/** A directory on disk. Only reads (stat, readdir); never writes. */
export class FsTree implements Tree {
  constructor(readonly root: string) {}

  display(rel: string): string {
    return rel === '' ? this.root : join(this.root, rel)
  }

  async stat(rel: string): Promise<TreeStat> {
    const abs = this.display(rel)
    let st
    try {
      st = await stat(abs)
    } catch (err) {
      if (MISSING_CODES.has(errCode(err))) return null
      throw new SnapshotError(abs, `${abs}: cannot read (${ioReason(err)})`)
    }
    if (st.isFile()) return { type: 'file', file: { rel, abs, size: st.size, display: abs } }
    if (st.isDirectory()) return { type: 'dir' }
    return null
  }

  async list(rel: string): Promise<TreeEntry[]> {
    const abs = this.display(rel)
    let dirents
    try {
      dirents = await readdir(abs, { withFileTypes: true })
    } catch (err) {
      if (MISSING_CODES.has(errCode(err))) return []
      throw new SnapshotError(abs, `${abs}: cannot list the directory (${ioReason(err)})`)
    }
    const out: TreeEntry[] = []
    for (const d of dirents) {
      if (d.isFile()) out.push({ name: d.name, type: 'file' })
      else if (d.isDirectory()) out.push({ name: d.name, type: 'dir' })
      else if (d.isSymbolicLink()) {
        const s = await this.stat(joinRel(rel, d.name))
        if (s) out.push({ name: d.name, type: s.type })
      }
    }
    return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  }
}

// ---------------------------------------------------------------------------------------------
// In-memory tree of an extracted tarball. Regular files live in a private temp directory under
// generated names; directories and symbolic links exist only here, so nothing on disk is ever
// created from a name or a link target taken from the archive.

export type VNode =
  | { kind: 'dir'; children: Map<string, VNode> }
  | { kind: 'file'; abs: string; size: number }
  | { kind: 'symlink'; target: string }

export const ESCAPES = Symbol('escapes')
const MAX_LINK_HOPS = 40

export class VirtualTree implements Tree {
  readonly root: VNode & { kind: 'dir' }

  /** `bundle` is the archive path shown in messages (`bundle:rel`); `root` an index made before (another thread's). */
  constructor(readonly bundle: string, root?: VNode & { kind: 'dir' }) {
    this.root = root ?? { kind: 'dir', children: new Map() }
  }

  display(rel: string): string {
    return rel === '' ? this.bundle : `${this.bundle}:${rel}`
  }

  /**
   * Resolve `rel` following symbolic links the way the kernel would (a `..` after a link goes
   * to the parent of the link's target). ESCAPES when the walk leaves the archive root.
   */
  resolve(rel: string): VNode | null | typeof ESCAPES {
    const stack: VNode[] = [this.root]
    const pending = rel.split('/').filter((c) => c !== '' && c !== '.')
    let hops = 0
    while (pending.length > 0) {
      const c = pending.shift() as string
      const top = stack[stack.length - 1] as VNode
      if (c === '..') {
        if (top.kind !== 'dir') return null
        if (stack.length === 1) return ESCAPES
        stack.pop()
        continue
      }
      if (top.kind !== 'dir') return null
      const child = top.children.get(c)
      if (child === undefined) return null
      if (child.kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) return null
        if (child.target.startsWith('/')) return ESCAPES
        pending.unshift(...child.target.split('/').filter((x) => x !== '' && x !== '.'))
        continue
      }
      stack.push(child)
    }
    return stack[stack.length - 1] as VNode
  }

  async stat(rel: string): Promise<TreeStat> {
    return this.statSync(rel)
  }

  statSync(rel: string): TreeStat {
    const n = this.resolve(rel)
    if (n === null || n === ESCAPES) return null
    if (n.kind === 'file') return { type: 'file', file: { rel, abs: n.abs, size: n.size, display: this.display(rel) } }
    if (n.kind === 'dir') return { type: 'dir' }
    return null
  }

  async list(rel: string): Promise<TreeEntry[]> {
    const n = this.resolve(rel)
    if (n === null || n === ESCAPES || n.kind !== 'dir') return []
    const out: TreeEntry[] = []
    for (const [name, child] of n.children) {
      if (child.kind === 'file') out.push({ name, type: 'file' })
      else if (child.kind === 'dir') out.push({ name, type: 'dir' })
      else {
        const s = this.statSync(joinRel(rel, name))
        if (s) out.push({ name, type: s.type })
      }
    }
    return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  }
}
