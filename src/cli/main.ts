import { ConfigError } from '../config';
import { ProviderUnavailableError, UnknownModelError } from '../engine';
import { ImageError } from '../image';
import { parseCommandArgs } from './args';
import { CliError, type CommandIO } from './command';
import { commands } from './commands';
import { commandHelp, mainHelp } from './help';

/** Errors whose message is already a readable sentence for the user. */
function isExpected(error: unknown): error is Error {
  return (
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof ImageError ||
    error instanceof UnknownModelError ||
    error instanceof ProviderUnavailableError
  );
}

/** Runs `toonstream <argv...>`; returns the exit code (also set on process.exitCode). */
export async function run(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    throw new CliError(`unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')} (see toonstream --help)`, 2);
  }
  const args = parseCommandArgs(command, rest);
  if (args.options.help !== undefined) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  return command.run(args, io);
}

/** Entry point used by bin/toonstream.js. Failures print one line, never a stack trace. */
export async function main(argv: readonly string[]): Promise<void> {
  const io: CommandIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  try {
    process.exitCode = await run(argv, io);
  } catch (error) {
    const message = isExpected(error)
      ? error.message
      : `unexpected error: ${error instanceof Error ? error.message : String(error)} (rerun with LOG_LEVEL=debug)`;
    io.stderr.write(`toonstream: ${message.split('\n')[0]}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
    if (!isExpected(error) && process.env.LOG_LEVEL === 'debug' && error instanceof Error) io.stderr.write(`${error.stack}\n`);
  }
}
