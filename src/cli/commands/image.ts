import { readFile, writeFile } from 'node:fs/promises';
import { cartoonizeImage, formatFromPath } from '../../image';
import { ENGINE_OPTIONS } from '../args';
import { CliError, type Command } from '../command';
import { configFrom, oneShotLogger, openEngineForModel } from '../runtime';

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

export const imageCommand: Command = {
  name: 'image',
  summary: 'cartoonize one image file (format of OUT from its extension: .jpg, .png, .webp)',
  usage: 'IN OUT [--model NAME] [--models DIR] [--device D]',
  options: { ...ENGINE_OPTIONS, model: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  async run(args, io) {
    const [inPath, outPath] = args.positionals;
    const format = formatFromPath(outPath);
    if (format === undefined) throw new CliError(`cannot tell the output format from "${outPath}": use .jpg, .png or .webp`);
    const config = configFrom(args, io);
    const input = await readInput(inPath);
    const { engine, model } = await openEngineForModel(config, oneShotLogger(config, args, io), args.options.model);
    try {
      const result = await cartoonizeImage(engine, input, {
        model,
        maxPixels: config.maxPixels,
        maxInferPixels: config.maxInferPixels,
        format,
      });
      await writeFile(outPath, result.data).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`cannot write ${outPath}: ${error.code ?? error.message}`);
      });
      io.stdout.write(
        `${outPath}: ${result.width}x${result.height} ${format}, model ${model}, inference ${result.timings.inferenceMs.toFixed(0)} ms\n`,
      );
      return 0;
    } finally {
      await engine.close();
    }
  },
};
