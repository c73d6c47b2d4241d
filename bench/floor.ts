/**
 * The floor: what a warm invoke through a Runtime API must cost at least — two sequential keep-alive
 * loopback HTTP round trips with the same HTTP stack (client → API server, API server → runtime).
 * Here: one client, one node:http server, two requests per sample.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, now, stats, type Stats } from './http-client.js';

export async function measureFloor(samples: number): Promise<Stats> {
  const payload = Buffer.from('{"hello":"world","n":1234567890,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = new Client(base);
  const b = new Client(base);
  const times: number[] = [];
  for (let i = 0; i < samples + 200; i++) {
    const t = now();
    await a.request('POST', '/a', payload);
    await b.request('POST', '/b', payload);
    if (i >= 200) times.push(now() - t);
  }
  a.close();
  b.close();
  server.close();
  return stats(times);
}
