/**
 * Imported by the bootstrap in generic (prewarmed) mode while it waits for its function: the first
 * import() initialises Node's ESM loader (≈4 ms), which an ESM handler would otherwise pay after
 * assignment. Deliberately empty.
 */
export {};
