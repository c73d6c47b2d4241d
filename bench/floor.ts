/**
 * The floor: what a warm invoke through a Runtime API must cost at least — two sequential keep-alive
 * loopback HTTP round trips with the same HTTP stack (node:http), each to another process, as an invoke
 * crosses client → Lambkin and Lambkin → runtime. Here: one client, one echo server in a child process.
 */
import { spawn } from 'node:child_process';
import { Client, now, stats, type Stats } from './http-client.js';

const ECHO_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

/**
 * The floor, sampled after `idleMs` of idleness each (the machine's wake-up cost). The default is
 * back-to-back, after 200 unmeasured round trips.
 */
export async function measureFloor(samples: number, idleMs = 0): Promise<Stats> {
  const payload = Buffer.from('{"hello":"world","n":1234567890,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');
  const child = spawn(process.execPath, ['-e', ECHO_SERVER], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const base = `http://127.0.0.1:${port}`;
  const a = new Client(base);
  const b = new Client(base);
  const times: number[] = [];
  try {
    const warmup = idleMs ? 5 : 200;
    for (let i = 0; i < samples + warmup; i++) {
      if (idleMs && i >= warmup) await new Promise((r) => setTimeout(r, idleMs));
      const t = now();
      await a.request('POST', '/a', payload);
      await b.request('POST', '/b', payload);
      if (i >= warmup) times.push(now() - t);
    }
  } finally {
    a.close();
    b.close();
    child.kill();
  }
  return stats(times);
}
