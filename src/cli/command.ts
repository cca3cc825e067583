import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed command line of one command. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  /** String options by long name; boolean options read as "true" when present. */
  readonly options: Readonly<Record<string, string | undefined>>;
}

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * One `toonstream <name>` subcommand. Add a file under commands/ exporting one of these and a
 * line in commands/index.ts.
 */
export interface Command {
  readonly name: string;
  /** One line for `toonstream --help`. */
  readonly summary: string;
  /** Arguments after the name, e.g. "IN OUT [--model NAME]". */
  readonly usage: string;
  /** Extra help lines for `toonstream <name> --help` (options, examples). */
  readonly details?: readonly string[];
  readonly options: OptionSpec;
  readonly positionals: { readonly min: number; readonly max: number };
  /**
   * Runs the command; resolves with the exit code. Long-running commands (serve) resolve once
   * started and keep the process alive with their own handles.
   */
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}

/** An expected failure: main prints `toonstream: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
