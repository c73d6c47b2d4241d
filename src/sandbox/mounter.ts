/** Client of mount-helper.py: bind mounts from a long-lived root helper instead of a mount(8) spawn each. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { REPO_ROOT } from '../runtimes/catalog.js';

const HELPER = path.join(REPO_ROOT, 'src/sandbox/mount-helper.py');

export class Mounter {
  private child?: ChildProcess;
  private buffer = '';
  private readonly waiting: ((line: string) => void)[] = [];

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null) return this.child;
    const child = spawn('/usr/bin/python3', ['-S', HELPER], { env: {}, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.buffer += d;
      let i;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    child.on('exit', () => {
      for (const w of this.waiting.splice(0)) w('error 5 mount helper exited');
    });
    this.child = child;
    return child;
  }

  private call(req: string[]): Promise<void> {
    const child = this.ensure();
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => (line === 'ok' ? resolve() : reject(new Error(`${req.join(' ')}: ${line}`))));
      child.stdin!.write(JSON.stringify(req) + '\n');
    });
  }

  bindReadOnly(source: string, target: string): Promise<void> {
    return this.call(['bind-ro', source, target]);
  }

  unmount(target: string): Promise<void> {
    return this.call(['umount', target]);
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

