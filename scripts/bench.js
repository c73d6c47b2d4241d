#!/usr/bin/env node
// `npm run bench [-- --quick]`: build, then run the benchmark without the host's NODE_EXTRA_CA_CERTS.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const build = spawnSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const r = spawnSync(process.execPath, [path.join(root, 'dist/bench/main.js'), ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
