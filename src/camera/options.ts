import { DEFAULT_STREAM_BITRATE, parseSink, validBitrate } from './sink-args';
import { backendFor, defaultDevice, isLiveProtocol, urlScheme } from './source-args';
import { CameraError, type CameraBackend, type SinkSpec, type Size, type SourceSpec } from './types';

/** Everything `toonstream camera` was asked to do, checked. */
export interface CameraOptions {
  readonly source: SourceSpec;
  readonly sink: SinkSpec;
  /** Output size; the source's (rounded down to even) when absent. */
  readonly size?: Size;
  readonly model?: string;
  readonly strength?: number;
  readonly smoothing?: number;
  /** Short side (px) frames are cartoonized at, before guided upsampling to the output size. */
  readonly workingSize?: number;
  readonly bitrate: string;
  /** Remote mode: a toonstream server does the cartoonizing over WebRTC. */
  readonly server?: { readonly url: string; readonly token?: string };
  readonly quiet: boolean;
}

type Flags = Readonly<Record<string, string | undefined>>;

const usage = (message: string): CameraError => new CameraError(message, 2);

export function parseSize(flag: string, text: string): Size {
  const m = /^(\d+)x(\d+)$/i.exec(text.trim());
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw usage(`${flag} must be WIDTHxHEIGHT, each 16-4096 (e.g. 1280x720), got "${text}"`);
  }
  return { width, height };
}

function parseUnit(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !(v >= 0 && v <= 1)) throw usage(`${flag} must be a number from 0 to 1, got "${text}"`);
  return v;
}

function parseNumber(flag: string, text: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
    throw usage(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
  }
  return v;
}

function parseSource(flags: Flags, backend: CameraBackend): SourceSpec {
  const { camera, input } = flags;
  if (camera !== undefined && input !== undefined) throw usage('give either --camera or --input, not both');
  const fps = parseNumber('--fps', flags.fps, 1, 240, false);
  const size = flags['camera-size'] === undefined ? undefined : parseSize('--camera-size', flags['camera-size']);
  const isDevice = camera !== undefined || input === undefined || (backend === 'v4l2' && /^\/dev\/video\d+$/.test(input));
  if (!isDevice && (fps !== undefined || size !== undefined)) {
    throw usage('--fps and --camera-size apply to cameras; files and streams play at their own size and rate');
  }
  if (flags.loop !== undefined && (isDevice || urlScheme(input ?? '') !== undefined)) throw usage('--loop applies to file inputs only');
  if (isDevice) {
    const device = camera ?? input ?? defaultDevice(backend);
    if (device === undefined || device === '') {
      throw usage('name the camera: --camera "NAME" (toonstream camera --list-devices shows the names)');
    }
    return { kind: 'device', backend, device, size, fps };
  }
  const path = input as string;
  const scheme = urlScheme(path);
  if (scheme !== undefined) return { kind: 'url', url: path, live: isLiveProtocol(scheme) };
  return { kind: 'file', path, loop: flags.loop !== undefined };
}

function parseServer(flags: Flags): CameraOptions['server'] {
  const { server, token } = flags;
  if (server === undefined) {
    if (token !== undefined) throw usage('--token goes with --server');
    return undefined;
  }
  if (!/^https?:\/\/[^/]/i.test(server)) throw usage(`--server must be an http:// or https:// URL, got "${server}"`);
  for (const local of ['smoothing', 'working-size', 'threads', 'device', 'models']) {
    if (flags[local] !== undefined) throw usage(`--${local} applies to local processing; with --server the server decides`);
  }
  return { url: server.replace(/\/+$/, ''), token };
}

/** Checks the flags of `toonstream camera` (everything but --list-devices); throws CameraError (exit 2). */
export function parseCameraOptions(flags: Flags, platform: NodeJS.Platform = process.platform): CameraOptions {
  const backend = backendFor(platform);
  if (flags.output === undefined) throw usage('--output is required: a file, /dev/videoN, rtmp://…, srt://… or - for stdout');
  const sink = parseSink(flags.output);
  if (sink.kind === 'v4l2' && backend !== 'v4l2') throw usage('/dev/videoN outputs (v4l2loopback) exist on Linux only');
  const size = flags.size === undefined ? undefined : parseSize('--size', flags.size);
  if (size && (size.width % 2 !== 0 || size.height % 2 !== 0)) {
    throw usage(`--size must be even numbers (4:2:0 video), got ${size.width}x${size.height}`);
  }
  const bitrate = flags.bitrate ?? DEFAULT_STREAM_BITRATE;
  if (!validBitrate(bitrate)) throw usage(`--bitrate must look like 2500k or 4M, got "${bitrate}"`);
  if (flags.model !== undefined && flags.model.trim() === '') throw usage('--model needs a name (toonstream models lists them)');
  return {
    source: parseSource(flags, backend),
    sink,
    size,
    model: flags.model,
    strength: parseUnit('--strength', flags.strength),
    smoothing: parseUnit('--smoothing', flags.smoothing),
    workingSize: parseNumber('--working-size', flags['working-size'], 32, 2048, true),
    bitrate,
    server: parseServer(flags),
    quiet: flags.quiet !== undefined,
  };
}
