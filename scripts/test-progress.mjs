// A node:test reporter that writes one line per test file as it starts and ends ("start <file>",
// "end <file>"), so scripts/run-tests.js can say which files are still running when the run overruns.
export default async function* progress(source) {
  for await (const event of source) {
    const { name, file } = event.data ?? {};
    if (!file || name !== file || event.data.nesting !== 0) continue;
    if (event.type === 'test:dequeue') yield `start ${Date.now()} ${file}\n`;
    else if (event.type === 'test:complete') yield `end ${Date.now()} ${file}\n`;
  }
}
