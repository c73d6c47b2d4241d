/** The `lambkin` command line. */
import { Command } from 'commander';
import { serve } from './serve.js';
import { registerLambdaCommands } from './lambda/index.js';
import { registerPackageCommand } from './package.js';
import { registerDoctorCommand } from './doctor.js';
import { registerInvokeCommand } from './invoke.js';
import { registerLogsCommand } from './logs.js';
import { registerStatsCommand } from './stats.js';
import { registerDeployCommand } from './deploy.js';
import { registerEventsCommand } from './events.js';

const program = new Command();
program.name('lambkin').description('AWS Lambda you can run yourself').version('0.1.0');

program
  .command('serve')
  .description('run the Lambda API server')
  .option('-p, --port <port>', 'port to listen on (LAMBKIN_PORT, default 9001)')
  .option('-H, --host <host>', 'address to listen on (LAMBKIN_HOST, default 127.0.0.1)')
  .option('-d, --data-dir <dir>', 'where functions, code and logs live (LAMBKIN_DATA_DIR, default ./.lambkin)')
  .option('-c, --config <file>', 'JSON config file (LAMBKIN_CONFIG)')
  .action((flags) => serve(flags));

registerLambdaCommands(program);
registerPackageCommand(program);
registerDoctorCommand(program);
registerInvokeCommand(program);
registerLogsCommand(program);
registerStatsCommand(program);
registerDeployCommand(program);
registerEventsCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(255);
});
