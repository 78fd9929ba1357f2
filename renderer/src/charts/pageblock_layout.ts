/** Moved to charts/pageblock_layout.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../charts/pageblock_layout.ts'
