import { parseArgs } from 'node:util';
import { CliError, type CommandArgs, type Command } from './command';

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options of commands that load models. */
export const ENGINE_OPTIONS = {
  models: { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
  sessions: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export function parseCommandArgs(command: Command, argv: readonly string[]): CommandArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node's messages are long ("Unknown option '--x'. To specify a positional argument..."): keep the first sentence.
    const message = error instanceof Error ? error.message.split('. ')[0] : String(error);
    throw new CliError(`${message.replace(/\.$/, '')} (see toonstream ${command.name} --help)`, 2);
  }
  const options: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') options[key] = value;
    else if (value === true) options[key] = 'true';
  }
  const { positionals } = parsed;
  if (options.help === undefined) {
    const { min, max } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new CliError(`usage: toonstream ${command.name} ${command.usage}`, 2);
    }
  }
  return { positionals, options };
}
