import { access, constants } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { createPipeline } from '../../pipeline';
import { MediaError, outputAudio, probeVideo, rationalValue, transcode, type OutputFormat } from '../../media';
import { OptionError, parseJobOptions } from '../../jobs/options';
import { RateMeter } from '../../jobs/rate';
import { ENGINE_OPTIONS } from '../args';
import { CliError, type Command } from '../command';
import { ProgressBar, formatDuration } from '../progress-bar';
import { configFrom, oneShotLogger, openEngineForModel } from '../runtime';

function formatFromPath(path: string): OutputFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.webm') return 'webm';
  if (ext === '.mp4' || ext === '.m4v' || ext === '.mov') return 'mp4';
  return undefined;
}

export const processCommand: Command = {
  name: 'process',
  summary: 'cartoonize a video file, keeping its sound (MP4/H.264, or WebM/VP9)',
  usage: 'IN OUT [--model NAME] [--height H] [--strength S] [--format mp4|webm] [--crf N]',
  details: [
    '  --height H          output height in px, 16-2160 (default: the input\'s, short side at most 1080)',
    '  --strength S        0-1, blend of the cartoon over the original (default 1)',
    '  --format F          mp4 (H.264) or webm (VP9); default from OUT\'s extension, else mp4',
    '  --crf N             quality, lower is better: x264 0-51 (default 20), VP9 0-63 (default 32)',
    '',
    'Frame rate, duration, pixel aspect and sound are kept (audio copied when the container takes it,',
    'else AAC in MP4 / Opus in WebM); rotated phone videos come out upright. Progress goes to stdout:',
    'a bar on a terminal, a line per second otherwise. Ctrl-C stops and removes the partial file.',
  ],
  options: {
    ...ENGINE_OPTIONS,
    model: { type: 'string' },
    height: { type: 'string' },
    strength: { type: 'string' },
    format: { type: 'string' },
    crf: { type: 'string' },
  },
  positionals: { min: 2, max: 2 },
  async run(args, io) {
    const [inPath, outPath] = args.positionals as [string, string];
    await access(inPath, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${inPath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
    await access(dirname(resolve(outPath)), constants.W_OK).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot write ${outPath}: ${error.code === 'ENOENT' ? 'no such directory' : error.code ?? error.message}`);
    });
    const format = args.options.format ?? formatFromPath(outPath) ?? 'mp4';
    const config = configFrom(args, io);
    const info = await probeVideo(inPath).catch((error: unknown) => {
      throw error instanceof MediaError ? new CliError(`${inPath}: ${error.message}`) : error;
    });
    const logger = oneShotLogger(config, args, io);
    const { engine, model } = await openEngineForModel(config, logger, args.options.model, 'throughput');
    const pipeline = createPipeline(engine, { logger });
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      let options;
      try {
        options = parseJobOptions({ ...args.options, model, format }, engine);
      } catch (error) {
        throw error instanceof OptionError ? new CliError(error.message, 2) : error;
      }
      const tty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
      const bar = new ProgressBar(io.stdout, tty);
      const meter = new RateMeter();
      const result = await transcode({
        input: inPath,
        info,
        output: outPath,
        format: options.format,
        height: options.height,
        crf: options.crf,
        signal: abort.signal,
        openStream: (w, h) =>
          pipeline.openStream({ model, mode: 'offline', outputWidth: w, outputHeight: h, strength: options.strength }),
        onProgress: (p) => {
          meter.add(p.framesDone);
          bar.update({ done: p.framesDone, total: p.framesTotal, fps: meter.fps(), etaS: meter.etaS(p.framesDone, p.framesTotal) });
        },
      }).catch((error: unknown) => {
        bar.finish();
        if (error instanceof MediaError) {
          throw new CliError(error.code === 'cancelled' ? 'cancelled; nothing was written' : `${inPath}: ${error.message}`, error.code === 'cancelled' ? 130 : 1);
        }
        throw error;
      });
      bar.finish();
      const speed = info.durationS / result.elapsedS;
      const out = info.audio ? outputAudio(options.format, info.audio.codec) : undefined;
      const audio = !out ? 'no audio' : out.copied ? `audio copied (${out.codec})` : `audio ${info.audio?.codec} -> ${out.codec}`;
      io.stdout.write(
        `${outPath}: ${result.width}x${result.height} ${options.format}, ${result.frames} frames at ` +
          `${rationalValue(info.video.frameRate).toFixed(2)} fps, ${audio}; model ${model}; ` +
          `${formatDuration(result.elapsedS)} (${(result.frames / result.elapsedS).toFixed(1)} fps, ${speed.toFixed(2)}x real time)\n`,
      );
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await pipeline.close();
      await engine.close();
    }
  },
};
