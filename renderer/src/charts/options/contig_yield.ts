/** Moved to charts/options/contig_yield.ts (shared by the renderer and the host's reports); the renderer imports it through here. */
export * from '../../../../charts/options/contig_yield.ts'
