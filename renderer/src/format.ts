/** Moved to charts/format.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../charts/format.ts'
