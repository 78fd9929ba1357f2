/** Moved to charts/palette.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../charts/palette.ts'
