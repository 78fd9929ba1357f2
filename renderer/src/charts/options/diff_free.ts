/** Moved to charts/options/diff_free.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../../charts/options/diff_free.ts'
