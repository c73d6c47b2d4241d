/** Lambda's `Timestamp` rendering: `2024-01-01T00:00:00.000+0000` (UTC, millis, no colon in the offset). */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** `YYYY/MM/DD` in UTC, as log stream names use it. */
export function utcDatePath(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/');
}
