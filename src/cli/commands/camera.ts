import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  backendFor,
  CameraError,
  describeSink,
  describeSource,
  listDevices,
  LocalProcessor,
  parseCameraOptions,
  probeSource,
  releaseWebRtc,
  RemoteProcessor,
  runCamera,
  type CameraOptions,
  type CameraRunOptions,
  type CameraSummary,
  type Size,
  type SourceInfo,
} from '../../camera';
import { rationalValue } from '../../media';
import { createPipeline } from '../../pipeline';
import { ENGINE_OPTIONS } from '../args';
import { CliError, type CommandArgs, type CommandIO, type Command } from '../command';
import { configFrom, oneShotLogger, openEngineForModel } from '../runtime';

function cliError(error: unknown): unknown {
  return error instanceof CameraError ? new CliError(error.message, error.exitCode) : error;
}

/** Fails before anything starts when the output obviously cannot be written. */
async function checkOutput(options: CameraOptions): Promise<void> {
  const { sink } = options;
  if (sink.kind === 'v4l2') {
    await access(sink.device, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'no such device (load v4l2loopback: see docs/CAMERA.md)' : (error.code ?? error.message);
      throw new CliError(`cannot write ${sink.device}: ${why}`);
    });
  } else if (sink.kind === 'file') {
    const dir = dirname(resolve(sink.path));
    await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot write ${sink.path}: ${error.code === 'ENOENT' ? 'no such directory' : (error.code ?? error.message)}`);
    });
    const existing = await stat(sink.path).catch(() => undefined);
    if (existing?.isDirectory()) throw new CliError(`cannot write ${sink.path}: it is a directory`);
  }
}

/** H.264/VP9 in 4:2:0 need even sides. */
function outputSize(options: CameraOptions, info: SourceInfo): Size {
  return options.size ?? { width: Math.max(2, info.width - (info.width % 2)), height: Math.max(2, info.height - (info.height % 2)) };
}

function fmtMs(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '--' : `${Math.round(v)} ms`;
}

function summaryLine(options: CameraOptions, s: CameraSummary, fps: number): string {
  const latency = options.server
    ? `server latency ${fmtMs(s.serverLatencyMedianMs)} median`
    : `latency ${fmtMs(s.latencyMedianMs)} median, ${fmtMs(s.latencyP95Ms)} p95`;
  return (
    `${describeSink(options.sink)}: ${s.written} frames ${s.size.width}x${s.size.height} at ${fps.toFixed(2)} fps ` +
    `(${s.fresh} new cartoons, ${s.repeated} repeats) from ${s.sourceFrames} source frames in ${s.elapsedS.toFixed(1)} s; ` +
    `${latency}; dropped ${s.dropped}${s.sinkDropped > 0 ? `, output overflowed ${s.sinkDropped}` : ''}` +
    `${s.outputClosed ? '; the reader closed the output' : ''}\n`
  );
}

/** Ctrl-C / SIGTERM stop the camera and finish the output; a second one exits at once. */
function stopOnSignals(abort: AbortController): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

async function run(args: CommandArgs, io: CommandIO): Promise<number> {
  if (args.options['list-devices'] !== undefined) {
    io.stdout.write(await listDevices(backendFor(process.platform)));
    return 0;
  }
  const options = parseCameraOptions(args.options);
  await checkOutput(options);
  const info = await probeSource(options.source);
  const size = outputSize(options, info);
  const fps = rationalValue(info.frameRate);
  const abort = new AbortController();
  const release = stopOnSignals(abort);
  const tty = Boolean((io.stderr as NodeJS.WriteStream).isTTY);
  const base = {
    source: options.source,
    info,
    size,
    sink: options.sink,
    bitrate: options.bitrate,
    stdout: io.stdout,
    status: options.quiet ? undefined : { out: io.stderr, tty },
    signal: abort.signal,
  };
  const announce = (model: string): void => {
    if (options.quiet) return;
    io.stderr.write(
      `${describeSource(options.source)} ${info.width}x${info.height} at ${fps.toFixed(2)} fps -> ${describeSink(options.sink)} ` +
        `${size.width}x${size.height}, model ${model}${options.server ? ` on ${options.server.url}` : ''}; Ctrl-C stops\n`,
    );
  };
  try {
    let summary: CameraSummary;
    if (options.server) {
      const server = options.server;
      summary = await runCamera({
        ...base,
        openProcessor: async (onCartoon) => {
          const remote = await RemoteProcessor.connect({ server: server.url, token: server.token, model: options.model, strength: options.strength, size, onCartoon });
          announce(options.model ?? "the server's default");
          return remote;
        },
      } satisfies CameraRunOptions).finally(releaseWebRtc);
    } else {
      summary = await runLocal(args, io, options, base, announce);
    }
    if (!options.quiet) io.stderr.write(summaryLine(options, summary, fps));
    return 0;
  } finally {
    release();
  }
}

async function runLocal(
  args: CommandArgs,
  io: CommandIO,
  options: CameraOptions,
  base: Omit<CameraRunOptions, 'openProcessor'>,
  announce: (model: string) => void,
): Promise<CameraSummary> {
  const config = configFrom(args, io);
  const logger = oneShotLogger(config, args, io);
  const { engine, model } = await openEngineForModel(config, logger, options.model);
  const pipeline = createPipeline(engine, { logger, smoothing: options.smoothing });
  try {
    await pipeline.warmUp();
    return await runCamera({
      ...base,
      openProcessor: async (onCartoon) => {
        const local = new LocalProcessor({
          pipeline,
          model,
          strength: options.strength,
          workingSize: options.workingSize,
          size: base.size,
          onCartoon,
          onError: (error) => logger.warn({ err: error }, 'camera frame failed'),
        });
        await local.warmUp();
        announce(model);
        return local;
      },
    });
  } finally {
    await pipeline.close();
    await engine.close();
  }
}

export const cameraCommand: Command = {
  name: 'camera',
  summary: 'cartoonize a camera, file or stream live into a virtual camera, file, RTMP/SRT stream or stdout',
  usage: '--output OUT [--camera DEV | --input FILE|URL] [--model NAME] [--server URL] [options]',
  details: [
    '  --output OUT        /dev/videoN (v4l2loopback virtual camera), FILE.mp4|.mov|.mkv|.webm,',
    '                      rtmp://… (FLV, H.264), srt://… (MPEG-TS, H.264), or - (raw rgb24 frames on stdout)',
    '  --camera DEV        camera: /dev/videoN (Linux, default /dev/video0), index or name (macOS, default 0),',
    '                      name (Windows, required); --list-devices shows them',
    '  --input SRC         a video file (played at its own rate, like a camera) or a stream URL instead of a camera',
    '  --loop              play the --input file over and over',
    '  --camera-size WxH   capture size asked of the camera (default: the camera\'s)',
    '  --fps N             frame rate asked of the camera (default: the camera\'s; 30 on macOS)',
    '  --size WxH          output size, even numbers (default: the input\'s)',
    '  --strength S        0-1, blend of the cartoon over the original (default 1)',
    '  --smoothing S       0-1, temporal smoothing against flicker (default 0.8; local only)',
    '  --working-size PX   short side the model runs at (default: the model card\'s; local only)',
    '  --bitrate R         rtmp/srt video bitrate (default 2500k)',
    '  --server URL        let a toonstream server cartoonize (WebRTC), e.g. http://gpu-host:8080',
    '  --token T           bearer token for --server',
    '  --quiet             no status line or summary on stderr',
    '  --list-devices      list the cameras and exit',
    '',
    'The output runs at the input\'s frame rate: when the model is slower, the latest cartoon is repeated.',
    'Status (fps in/out, latency, dropped) goes to stderr. Ctrl-C or SIGTERM stops and finishes the output.',
    '--device is the inference device (cpu|cuda|tensorrt), not the camera. See docs/CAMERA.md.',
  ],
  options: {
    ...ENGINE_OPTIONS,
    model: { type: 'string' },
    output: { type: 'string', short: 'o' },
    camera: { type: 'string' },
    input: { type: 'string', short: 'i' },
    loop: { type: 'boolean' },
    'camera-size': { type: 'string' },
    fps: { type: 'string' },
    size: { type: 'string' },
    strength: { type: 'string' },
    smoothing: { type: 'string' },
    'working-size': { type: 'string' },
    bitrate: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    'list-devices': { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    try {
      return await run(args, io);
    } catch (error) {
      throw cliError(error);
    }
  },
};
