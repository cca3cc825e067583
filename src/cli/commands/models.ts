import { noModelMessage } from '../../engine';
import { ENGINE_OPTIONS } from '../args';
import type { Command } from '../command';
import { formatTable } from '../table';
import { configFrom, oneShotLogger, openEngine } from '../runtime';

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the models that load from the models directory (and any that failed)',
  usage: '[--models DIR] [--device D]',
  options: ENGINE_OPTIONS,
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const config = configFrom(args, io);
    const engine = await openEngine(config, oneShotLogger(config, args, io));
    try {
      const cards = engine.models();
      const defaultModel = engine.defaultModel();
      io.stdout.write(`models directory: ${config.modelsDir} (device ${engine.device})\n`);
      if (cards.length === 0) {
        io.stdout.write(`${noModelMessage(config.modelsDir)}\n`);
      } else {
        const rows = cards.map((c) => [
          c.name + (c.name === defaultModel ? ' *' : ''),
          c.kind,
          c.style,
          c.params.toLocaleString('en-US'),
          c.gflopsAt256.toFixed(2),
          c.input.workingShortSide.toString(),
          engine.modelPath(c.name)?.split('/').pop() ?? '',
        ]);
        io.stdout.write(formatTable(['NAME', 'KIND', 'STYLE', 'PARAMS', 'GFLOPS@256', 'WORKING PX', 'FILE'], rows));
        io.stdout.write('* default model\n');
      }
      for (const s of engine.skipped()) io.stdout.write(`skipped ${s.name}: ${s.reason}\n`);
      return 0;
    } finally {
      await engine.close();
    }
  },
};
