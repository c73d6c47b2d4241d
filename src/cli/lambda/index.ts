/** `lambkin lambda <op>`: the aws CLI's lambda commands against Lambkin. */
import type { Command } from 'commander';

export function registerLambdaCommands(program: Command): void {
  // Everything after `lambda` belongs to it (aws-style flags, its own help), not to commander.
  program.enablePositionalOptions();
  program
    .command('lambda')
    .description('Lambda API commands, as `aws lambda` has them (e.g. `lambkin lambda list-functions`)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runLambda } = await import('./run.js');
      process.exitCode = await runLambda(args);
    });
}
