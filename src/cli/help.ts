import type { Command } from './command';
import { formatTable } from './table';

export function mainHelp(commands: readonly Command[]): string {
  return [
    'toonstream: cartoonize images and video with a self-trained GAN',
    '',
    'usage: toonstream <command> [options]',
    '',
    formatTable(
      ['COMMAND', 'WHAT IT DOES'],
      commands.map((c) => [c.name, c.summary]),
    ).trimEnd(),
    '',
    'toonstream <command> --help shows its options. Configuration comes from the environment',
    '(PORT, HOST, TOONSTREAM_MODELS_DIR, TOONSTREAM_DEVICE, TOONSTREAM_THREADS, ... see README.md);',
    'flags override it.',
    '',
  ].join('\n');
}

const ENGINE_FLAG_HELP: Readonly<Record<string, string>> = {
  models: '--models DIR        models directory (TOONSTREAM_MODELS_DIR, default <repo>/models)',
  device: '--device D          cpu | cuda | tensorrt (TOONSTREAM_DEVICE, default cpu)',
  threads: '--threads N         ONNX Runtime intra-op threads, 0 = auto (TOONSTREAM_THREADS)',
  sessions: '--sessions N        ONNX Runtime sessions per model, 0 = auto (TOONSTREAM_SESSIONS)',
  'log-level': '--log-level L       fatal|error|warn|info|debug|trace|silent (LOG_LEVEL)',
  port: '--port N            listen port (PORT, default 8080)',
  host: '--host H            listen address (HOST, default 0.0.0.0)',
  model: '--model NAME        model to use (default: the default model)',
};

export function commandHelp(command: Command): string {
  const flags = Object.keys(command.options)
    .map((k) => ENGINE_FLAG_HELP[k])
    .filter((line): line is string => line !== undefined);
  return [
    `usage: toonstream ${command.name} ${command.usage}`,
    '',
    command.summary,
    ...(flags.length > 0 ? ['', ...flags.map((f) => `  ${f}`)] : []),
    ...(command.details ? ['', ...command.details] : []),
    '',
  ].join('\n');
}
