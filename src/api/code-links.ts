/** GetFunction's Code.Location: a signed, expiring URL on this server that serves the exact zip. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TTL_MS = 10 * 60_000;

export class CodeLinks {
  private readonly secret = randomBytes(32);

  private sign(sha: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${sha}:${expires}`).digest('hex');
  }

  url(host: string, sha: string, now = Date.now()): string {
    const expires = now + TTL_MS;
    return `http://${host}/_lambkin/code/${sha}.zip?X-Lambkin-Expires=${expires}&X-Lambkin-Signature=${this.sign(sha, expires)}`;
  }

  verify(sha: string, query: URLSearchParams, now = Date.now()): boolean {
    const expires = Number(query.get('X-Lambkin-Expires'));
    const sig = query.get('X-Lambkin-Signature') ?? '';
    if (!Number.isFinite(expires) || expires < now || !/^[0-9a-f]{64}$/.test(sig)) return false;
    return timingSafeEqual(Buffer.from(sig, 'hex'), Buffer.from(this.sign(sha, expires), 'hex'));
  }
}
