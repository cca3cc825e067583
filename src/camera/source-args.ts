import type { CameraBackend, RawPixelFormat, Size, SourceSpec } from './types';

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

/** Network protocols that deliver in real time: read as they come, never with -re. */
const LIVE_PROTOCOLS = new Set(['rtmp', 'rtmps', 'rtmpt', 'rtsp', 'rtsps', 'srt', 'udp', 'rtp', 'tcp']);

export function backendFor(platform: NodeJS.Platform): CameraBackend {
  if (platform === 'darwin') return 'avfoundation';
  if (platform === 'win32') return 'dshow';
  return 'v4l2';
}

/** The camera used when none is named; dshow has no default (names only). */
export function defaultDevice(backend: CameraBackend): string | undefined {
  if (backend === 'v4l2') return '/dev/video0';
  if (backend === 'avfoundation') return '0';
  return undefined;
}

/** The scheme of a URL ("rtmp" for rtmp://…), or undefined for a plain path. */
export function urlScheme(text: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  return m?.[1]?.toLowerCase();
}

export function isLiveProtocol(scheme: string): boolean {
  return LIVE_PROTOCOLS.has(scheme);
}

const sizeText = (s: Size): string => `${s.width}x${s.height}`;

/** The demuxer options and -i for a camera. */
export function deviceInputArgs(spec: Extract<SourceSpec, { kind: 'device' }>): string[] {
  const size = spec.size ? ['-video_size', sizeText(spec.size)] : [];
  switch (spec.backend) {
    case 'v4l2':
      return ['-f', 'v4l2', ...(spec.fps ? ['-framerate', String(spec.fps)] : []), ...size, '-i', spec.device];
    case 'avfoundation':
      // avfoundation asks for 29.97 fps by default, which most Mac cameras refuse: ask for 30.
      // "<video>:none" opens no microphone.
      return [
        '-f', 'avfoundation', '-framerate', String(spec.fps ?? 30), ...size,
        '-i', spec.device.includes(':') ? spec.device : `${spec.device}:none`,
      ];
    case 'dshow':
      // The default real-time buffer (3 MB) overflows at HD sizes and drops frames with a warning.
      return [
        '-f', 'dshow', '-rtbufsize', '100M', ...(spec.fps ? ['-framerate', String(spec.fps)] : []), ...size,
        '-i', spec.device.startsWith('video=') ? spec.device : `video=${spec.device}`,
      ];
  }
}

/** Everything before the output options: where ffmpeg reads from, and how fast. */
export function inputArgs(spec: SourceSpec): string[] {
  switch (spec.kind) {
    case 'device':
      return deviceInputArgs(spec);
    case 'file':
      // -re: read at the file's own frame rate, as a camera would deliver it.
      return ['-re', ...(spec.loop ? ['-stream_loop', '-1'] : []), '-i', spec.path];
    case 'url':
      return spec.live ? ['-fflags', 'nobuffer', '-i', spec.url] : ['-re', '-i', spec.url];
  }
}

/** The full argument list of the ffmpeg that reads the source and writes raw frames to stdout. */
export function sourceArgs(spec: SourceSpec, out: Size & { readonly pixelFormat: RawPixelFormat }): string[] {
  return [
    ...QUIET,
    ...inputArgs(spec),
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `scale=${out.width}:${out.height}:flags=bicubic`,
    // Every captured frame once, as it comes: pacing is the output side's job.
    '-vsync', 'passthrough',
    '-pix_fmt', out.pixelFormat, '-f', 'rawvideo', 'pipe:1',
  ];
}

/** ffprobe arguments that describe the source's first video stream as JSON. */
export function probeArgs(spec: SourceSpec): string[] {
  const input = inputArgs(spec).filter((a) => a !== '-re');
  return ['-v', 'error', ...input, '-select_streams', 'v:0', '-show_streams', '-show_format', '-of', 'json'];
}

/** ffmpeg arguments that print the cameras of avfoundation / dshow (on stderr). */
export function listDevicesArgs(backend: Exclude<CameraBackend, 'v4l2'>): string[] {
  return backend === 'avfoundation'
    ? ['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', '']
    : ['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'];
}
