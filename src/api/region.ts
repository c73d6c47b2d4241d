/** The region a request addresses: the SigV4 credential scope (header or presigned query), else the default. */
const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//;

export function regionOf(authorization: string | undefined, query: URLSearchParams, fallback: string): string {
  const m = authorization ? SCOPE.exec(authorization) : null;
  if (m) return m[1];
  const cred = query.get('X-Amz-Credential');
  if (cred) {
    const parts = cred.split('/');
    if (parts.length >= 3 && /^[a-z0-9-]+$/.test(parts[2])) return parts[2];
  }
  return fallback;
}
