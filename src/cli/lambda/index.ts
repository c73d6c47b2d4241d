/** `lambkin lambda <op>`: the aws CLI's lambda commands against Lambkin. */
import type { Command } from 'commander';

export function registerLambdaCommands(program: Command): void {
  program.command('lambda').description('Lambda API commands, as `aws lambda` has them');
}
