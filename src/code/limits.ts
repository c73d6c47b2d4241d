/** AWS's deployment package limits. */
export const ZIPPED_LIMIT = 52_428_800;
export const UNZIPPED_LIMIT = 262_144_000;
