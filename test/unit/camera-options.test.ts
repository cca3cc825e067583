import { parseCameraOptions } from '../../src/camera';
import { parseCommandArgs } from '../../src/cli/args';
import { cameraCommand } from '../../src/cli/commands/camera';
import { CliError } from '../../src/cli/command';

const parse = (flags: Record<string, string>, platform: NodeJS.Platform = 'linux') => parseCameraOptions(flags, platform);

/** The usage error (exit code 2) a set of flags gets. */
function usageError(flags: Record<string, string>, platform: NodeJS.Platform = 'linux'): string {
  try {
    parse(flags, platform);
  } catch (error) {
    expect((error as { exitCode?: number }).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('no error thrown');
}

describe('toonstream camera options', () => {
  it('defaults to the platform camera', () => {
    expect(parse({ output: 'o.mp4' }).source).toEqual({ kind: 'device', backend: 'v4l2', device: '/dev/video0', size: undefined, fps: undefined });
    expect(parse({ output: 'o.mp4' }, 'darwin').source).toMatchObject({ backend: 'avfoundation', device: '0' });
    expect(parse({ output: 'o.mp4', camera: 'USB Cam', fps: '30', 'camera-size': '1280x720' }, 'win32').source).toEqual({
      kind: 'device', backend: 'dshow', device: 'USB Cam', fps: 30, size: { width: 1280, height: 720 },
    });
  });

  it('--input takes files, URLs and (on Linux) /dev/videoN', () => {
    expect(parse({ output: '-', input: 'clip.mp4', loop: 'true' }).source).toEqual({ kind: 'file', path: 'clip.mp4', loop: true });
    expect(parse({ output: '-', input: 'rtsp://cam/stream' }).source).toEqual({ kind: 'url', url: 'rtsp://cam/stream', live: true });
    expect(parse({ output: '-', input: 'https://h/clip.mp4' }).source).toEqual({ kind: 'url', url: 'https://h/clip.mp4', live: false });
    expect(parse({ output: '-', input: '/dev/video4' }).source).toMatchObject({ kind: 'device', device: '/dev/video4' });
  });

  it('reads the processing and remote flags', () => {
    const o = parse({ output: 'rtmp://h/app/k', model: 'toon-hq', strength: '0.5', smoothing: '0', 'working-size': '192', size: '640x360', bitrate: '4M', quiet: 'true' });
    expect(o).toMatchObject({ model: 'toon-hq', strength: 0.5, smoothing: 0, workingSize: 192, size: { width: 640, height: 360 }, bitrate: '4M', quiet: true });
    expect(parse({ output: '-', server: 'http://gpu:8080/', token: 'abc' }).server).toEqual({ url: 'http://gpu:8080', token: 'abc' });
  });

  it.each([
    [{}, /--output is required/],
    [{ output: 'x.avi' }, /cannot tell the container of x\.avi/],
    [{ output: 'udp://h:1' }, /cannot send to udp:\/\/ URLs/],
    [{ output: 'o.mp4', camera: '/dev/video0', input: 'a.mp4' }, /either --camera or --input/],
    [{ output: 'o.mp4', input: 'a.mp4', fps: '30' }, /--fps and --camera-size apply to cameras/],
    [{ output: 'o.mp4', loop: 'true' }, /--loop applies to file inputs/],
    [{ output: 'o.mp4', input: 'rtmp://h/a', loop: 'true' }, /--loop applies to file inputs/],
    [{ output: 'o.mp4', fps: 'fast' }, /--fps must be a number from 1 to 240, got "fast"/],
    [{ output: 'o.mp4', 'camera-size': '1280' }, /--camera-size must be WIDTHxHEIGHT/],
    [{ output: 'o.mp4', size: '641x360' }, /--size must be even numbers/],
    [{ output: 'o.mp4', size: '8x8' }, /--size must be WIDTHxHEIGHT, each 16-4096/],
    [{ output: 'o.mp4', strength: '2' }, /--strength must be a number from 0 to 1, got "2"/],
    [{ output: 'o.mp4', smoothing: '' }, /--smoothing must be a number from 0 to 1/],
    [{ output: 'o.mp4', 'working-size': '100.5' }, /--working-size must be an integer from 32 to 2048/],
    [{ output: 'o.mp4', bitrate: 'lots' }, /--bitrate must look like 2500k or 4M/],
    [{ output: 'o.mp4', token: 't' }, /--token goes with --server/],
    [{ output: 'o.mp4', server: 'gpu:8080' }, /--server must be an http:\/\/ or https:\/\/ URL/],
    [{ output: 'o.mp4', server: 'http://gpu', smoothing: '0.5' }, /--smoothing applies to local processing/],
    [{ output: 'o.mp4', model: ' ' }, /--model needs a name/],
  ])('rejects %j', (flags, message) => {
    expect(usageError(flags as Record<string, string>)).toMatch(message);
  });

  it('rejects platform mismatches', () => {
    expect(usageError({ output: 'o.mp4' }, 'win32')).toMatch(/name the camera: --camera "NAME"/);
    expect(usageError({ output: '/dev/video10', input: 'a.mp4' }, 'darwin')).toMatch(/exist on Linux only/);
  });

  it('the command line parser rejects unknown flags and positionals with exit code 2', () => {
    const err = (argv: string[]): CliError => {
      try {
        parseCommandArgs(cameraCommand, argv);
      } catch (error) {
        return error as CliError;
      }
      throw new Error('no error');
    };
    expect(err(['--outptu', 'x.mp4'])).toMatchObject({ exitCode: 2, message: expect.stringMatching(/Unknown option '--outptu'/) });
    expect(err(['in.mp4', '--output', 'x.mp4'])).toMatchObject({ exitCode: 2, message: expect.stringMatching(/usage: toonstream camera/) });
    expect(err(['--fps'])).toMatchObject({ exitCode: 2 });
    expect(parseCommandArgs(cameraCommand, ['-i', 'a.mp4', '-o', '-', '--loop', '-q']).options).toMatchObject({ input: 'a.mp4', output: '-', loop: 'true', quiet: 'true' });
  });
});
