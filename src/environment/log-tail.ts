/**
 * The log lines of the current invocation (plus init on a cold start), for `LogType: Tail`. Bounded:
 * the tail only needs its last 4 KB.
 */
const KEEP_BYTES = 64 * 1024;

export class LogTail {
  private lines: string[] = [];
  private bytes = 0;

  push(message: string): void {
    this.lines.push(message);
    this.bytes += message.length + 1;
    while (this.bytes > KEEP_BYTES && this.lines.length > 1) this.bytes -= this.lines.shift()!.length + 1;
  }

  /** The lines so far, as text; starts a new tail. */
  take(): string {
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    this.bytes = 0;
    return text;
  }
}
