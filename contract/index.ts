/** The whole contract, for hosts. The renderer and the preload import names.ts and dto.ts (and types only from schemas.ts), so zod stays out of their bundles. */
export * from './names.ts'
export * from './dto.ts'
export * from './schemas.ts'
export * from './wire.ts'
