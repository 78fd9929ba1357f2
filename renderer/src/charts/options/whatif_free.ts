/** Moved to charts/options/whatif_free.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../../charts/options/whatif_free.ts'
