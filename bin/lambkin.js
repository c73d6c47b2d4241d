#!/usr/bin/env node
// Entry point of the `lambkin` command: runs the compiled CLI (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('lambkin is not built yet: run `npm run build` in the lambkin directory.\n');
  process.exit(255);
}
await import(main.href);
