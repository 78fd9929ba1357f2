/** Moved to charts/options/indices.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../../charts/options/indices.ts'
