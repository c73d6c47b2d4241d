/** Account-wide concurrency: how many invocations run at once, and the throttle beyond the limit. */
import { LambdaError } from '../errors.js';

export class ConcurrencyLimiter {
  private running = 0;

  constructor(private readonly limit: number) {}

  get current(): number {
    return this.running;
  }

  /** Takes a slot or throws AWS's TooManyRequestsException. */
  acquire(): void {
    if (this.running >= this.limit) {
      throw new LambdaError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ConcurrentInvocationLimitExceeded' });
    }
    this.running++;
  }

  tryAcquire(): boolean {
    if (this.running >= this.limit) return false;
    this.running++;
    return true;
  }

  release(): void {
    this.running--;
  }
}
