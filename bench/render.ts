/** Re-renders bench/RESULTS.md from bench/results.json (after a change to the report's wording only). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReport } from './report.js';
import type { Results } from './main.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const results = JSON.parse(readFileSync(path.join(root, 'bench/results.json'), 'utf8')) as Results;
writeFileSync(path.join(root, 'bench/RESULTS.md'), renderReport(results));
