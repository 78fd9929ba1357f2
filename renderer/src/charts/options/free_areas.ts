/** Moved to charts/options/free_areas.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../../charts/options/free_areas.ts'
