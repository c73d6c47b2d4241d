/**
 * Failures of the `lambkin lambda` commands and their exit codes, as the aws CLI v2 has them:
 * 252 for bad parameters or usage, 254 for an error the service returned, 255 for anything else.
 */
export const EXIT_USAGE = 252;
export const EXIT_SERVICE = 254;
export const EXIT_OTHER = 255;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** argparse-style usage error: `aws: error: <message>` after the usage lines. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** A parameter value that cannot be parsed: `Error parsing parameter '--x': <why>`. */
export class ParamError extends CliError {
  constructor(
    readonly cliName: string,
    why: string,
  ) {
    super(`Error parsing parameter '${cliName}': ${why}`, EXIT_USAGE);
  }
}

/** botocore's client-side validation of the final input (after --cli-input-json is merged). */
export class ParamValidationError extends CliError {
  constructor(readonly problems: string[]) {
    super(`Parameter validation failed:\n${problems.join('\n')}`, EXIT_USAGE);
  }
}

/** An error response from the service. */
export class ServiceError extends CliError {
  constructor(
    readonly code: string,
    operation: string,
    serviceMessage: string,
  ) {
    super(`An error occurred (${code}) when calling the ${operation} operation: ${serviceMessage}`, EXIT_SERVICE);
  }
}

const USAGE = [
  'usage: lambkin [options] <command> <subcommand> [<subcommand> ...] [parameters]',
  'To see help text, you can run:',
  '',
  '  lambkin lambda help',
  '  lambkin lambda <subcommand> help',
  '',
].join('\n');

/** Writes the error the way the aws CLI does and returns the exit code to use. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof UsageError) {
    stderr.write(`${USAGE}\nlambkin: error: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof CliError) {
    stderr.write(`\n${err.message}\n`);
    return err.exitCode;
  }
  stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_OTHER;
}
