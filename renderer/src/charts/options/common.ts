/** Moved to charts/options/common.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../../charts/options/common.ts'
