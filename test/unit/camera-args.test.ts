import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceInputArgs, inputArgs, listDevicesArgs, parseSink, probeArgs, sinkArgs, sourceArgs } from '../../src/camera';
import { formatVideoDevices, linuxVideoDevices, parseFfmpegDeviceList } from '../../src/camera/devices';
import { tempDir } from '../support/fixtures';

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
const RAW_OUT = (w: number, h: number, fmt = 'rgb24'): string[] => [
  '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `scale=${w}:${h}:flags=bicubic`, '-vsync', 'passthrough', '-pix_fmt', fmt, '-f', 'rawvideo', 'pipe:1',
];

describe('camera input arguments', () => {
  it('v4l2: -f v4l2 with frame rate and size before -i', () => {
    expect(deviceInputArgs({ kind: 'device', backend: 'v4l2', device: '/dev/video2', size: { width: 1280, height: 720 }, fps: 30 })).toEqual([
      '-f', 'v4l2', '-framerate', '30', '-video_size', '1280x720', '-i', '/dev/video2',
    ]);
    expect(deviceInputArgs({ kind: 'device', backend: 'v4l2', device: '/dev/video0' })).toEqual(['-f', 'v4l2', '-i', '/dev/video0']);
  });

  it('avfoundation: 30 fps unless asked, no microphone', () => {
    expect(deviceInputArgs({ kind: 'device', backend: 'avfoundation', device: '0' })).toEqual(['-f', 'avfoundation', '-framerate', '30', '-i', '0:none']);
    expect(deviceInputArgs({ kind: 'device', backend: 'avfoundation', device: 'FaceTime HD Camera', size: { width: 640, height: 480 }, fps: 15 })).toEqual([
      '-f', 'avfoundation', '-framerate', '15', '-video_size', '640x480', '-i', 'FaceTime HD Camera:none',
    ]);
    // An explicit "video:audio" pair is passed as given.
    expect(deviceInputArgs({ kind: 'device', backend: 'avfoundation', device: '1:0' }).at(-1)).toBe('1:0');
  });

  it('dshow: video=NAME as one argument (no shell quoting), a real-time buffer', () => {
    expect(deviceInputArgs({ kind: 'device', backend: 'dshow', device: 'Integrated Camera', size: { width: 1280, height: 720 }, fps: 30 })).toEqual([
      '-f', 'dshow', '-rtbufsize', '100M', '-framerate', '30', '-video_size', '1280x720', '-i', 'video=Integrated Camera',
    ]);
    expect(deviceInputArgs({ kind: 'device', backend: 'dshow', device: 'video=USB Cam' }).at(-1)).toBe('video=USB Cam');
  });

  it('files are read at their native rate (-re), optionally looped', () => {
    expect(inputArgs({ kind: 'file', path: 'clip.mp4', loop: false })).toEqual(['-re', '-i', 'clip.mp4']);
    expect(inputArgs({ kind: 'file', path: '/a b/clip; rm -rf.mp4', loop: true })).toEqual(['-re', '-stream_loop', '-1', '-i', '/a b/clip; rm -rf.mp4']);
  });

  it('live URLs are read as they come, other URLs at their native rate', () => {
    expect(inputArgs({ kind: 'url', url: 'rtmp://host/live/key', live: true })).toEqual(['-fflags', 'nobuffer', '-i', 'rtmp://host/live/key']);
    expect(inputArgs({ kind: 'url', url: 'https://host/clip.mp4', live: false })).toEqual(['-re', '-i', 'https://host/clip.mp4']);
  });

  it('the source ffmpeg writes raw frames of the output size to stdout', () => {
    expect(sourceArgs({ kind: 'file', path: 'in.mkv', loop: false }, { width: 320, height: 240, pixelFormat: 'rgb24' })).toEqual([
      ...QUIET, '-re', '-i', 'in.mkv', ...RAW_OUT(320, 240),
    ]);
    expect(sourceArgs({ kind: 'device', backend: 'v4l2', device: '/dev/video0' }, { width: 640, height: 360, pixelFormat: 'yuv420p' })).toEqual([
      ...QUIET, '-f', 'v4l2', '-i', '/dev/video0', ...RAW_OUT(640, 360, 'yuv420p'),
    ]);
  });

  it('probing opens the same input without -re', () => {
    expect(probeArgs({ kind: 'file', path: 'in.mp4', loop: true })).toEqual([
      '-v', 'error', '-stream_loop', '-1', '-i', 'in.mp4', '-select_streams', 'v:0', '-show_streams', '-show_format', '-of', 'json',
    ]);
  });

  it('device lists come from ffmpeg on macOS and Windows', () => {
    expect(listDevicesArgs('avfoundation')).toEqual(['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', '']);
    expect(listDevicesArgs('dshow')).toEqual(['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy']);
  });
});

describe('camera output arguments', () => {
  const enc = { width: 640, height: 360, frameRate: { num: 30, den: 1 }, bitrate: '2500k' };
  const IN = [
    ...QUIET, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '640x360', '-framerate', '30/1', '-i', 'pipe:0', '-map', '0:v:0',
  ];
  const BT709 = [
    '-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p',
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv',
  ];
  const LIVE_H264 = [
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k',
    '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
  ];

  it('classifies --output', () => {
    expect(parseSink('-')).toEqual({ kind: 'pipe' });
    expect(parseSink('/dev/video10')).toEqual({ kind: 'v4l2', device: '/dev/video10' });
    expect(parseSink('out.MP4')).toEqual({ kind: 'file', path: 'out.MP4', container: 'mp4' });
    expect(parseSink('rec.mkv')).toEqual({ kind: 'file', path: 'rec.mkv', container: 'mkv' });
    expect(parseSink('clip.webm')).toEqual({ kind: 'file', path: 'clip.webm', container: 'webm' });
    expect(parseSink('rtmp://live.example/app/key')).toEqual({ kind: 'rtmp', url: 'rtmp://live.example/app/key' });
    expect(parseSink('srt://host:9000?mode=caller')).toEqual({ kind: 'srt', url: 'srt://host:9000?mode=caller' });
    expect(() => parseSink('out.avi')).toThrow(/cannot tell the container of out\.avi/);
    expect(() => parseSink('http://host/x')).toThrow(/cannot send to http:\/\/ URLs/);
  });

  it('v4l2loopback: yuv420p into the device', () => {
    expect(sinkArgs({ kind: 'v4l2', device: '/dev/video10' }, enc)).toEqual([...IN, '-pix_fmt', 'yuv420p', '-f', 'v4l2', '/dev/video10']);
  });

  it('mp4 / mkv: H.264 yuv420p; mp4 with the index up front', () => {
    const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
    expect(sinkArgs({ kind: 'file', path: 'out.mp4', container: 'mp4' }, enc)).toEqual([
      ...IN, ...BT709, ...h264, '-movflags', '+faststart', '-y', '-f', 'mp4', 'out.mp4',
    ]);
    expect(sinkArgs({ kind: 'file', path: 'out.mkv', container: 'mkv' }, enc)).toEqual([...IN, ...BT709, ...h264, '-y', '-f', 'matroska', 'out.mkv']);
  });

  it('webm: VP9 in real-time mode', () => {
    expect(sinkArgs({ kind: 'file', path: 'o.webm', container: 'webm' }, enc)).toEqual([
      ...IN, ...BT709,
      '-c:v', 'libvpx-vp9', '-crf', '32', '-b:v', '0', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-pix_fmt', 'yuv420p',
      '-y', '-f', 'webm', 'o.webm',
    ]);
  });

  it('rtmp: FLV with zerolatency H.264, keyframe every 2 s; srt: MPEG-TS', () => {
    expect(sinkArgs({ kind: 'rtmp', url: 'rtmp://h/app/key' }, enc)).toEqual([...IN, ...BT709, ...LIVE_H264, '-f', 'flv', 'rtmp://h/app/key']);
    expect(sinkArgs({ kind: 'srt', url: 'srt://h:9000' }, { ...enc, bitrate: '4M' })).toEqual([
      ...IN, ...BT709,
      ...LIVE_H264.map((a) => (a === '2500k' ? '4000k' : a === '5000k' ? '8000k' : a)),
      '-f', 'mpegts', 'srt://h:9000',
    ]);
  });

  it('the frame rate is passed exactly (NTSC rates stay rational)', () => {
    const args = sinkArgs({ kind: 'v4l2', device: '/dev/video10' }, { ...enc, frameRate: { num: 30000, den: 1001 } });
    expect(args[args.indexOf('-framerate') + 1]).toBe('30000/1001');
  });
});

describe('camera device listing', () => {
  it('lists /dev/videoN in numeric order with their sysfs names', async () => {
    const sys = tempDir();
    for (const [node, name] of [['video10', 'toonstream'], ['video0', 'Integrated Camera: Integrated C'], ['video2', 'USB Cam']]) {
      mkdirSync(join(sys, node));
      writeFileSync(join(sys, node, 'name'), `${name}\n`);
    }
    mkdirSync(join(sys, 'v4l-subdev0'));
    const devices = await linuxVideoDevices(sys);
    expect(devices).toEqual([
      { device: '/dev/video0', name: 'Integrated Camera: Integrated C' },
      { device: '/dev/video2', name: 'USB Cam' },
      { device: '/dev/video10', name: 'toonstream' },
    ]);
    expect(formatVideoDevices(devices)).toBe('/dev/video0   Integrated Camera: Integrated C\n/dev/video2   USB Cam\n/dev/video10  toonstream\n');
    expect(await linuxVideoDevices(join(sys, 'missing'))).toEqual([]);
    expect(formatVideoDevices([])).toMatch(/no video devices .*modprobe v4l2loopback/);
  });

  it('keeps only the device lines of ffmpeg\'s list', () => {
    const avf = [
      '[AVFoundation indev @ 0x7f8] AVFoundation video devices:',
      '[AVFoundation indev @ 0x7f8] [0] FaceTime HD Camera',
      '[AVFoundation indev @ 0x7f8] [1] Capture screen 0',
      '[AVFoundation indev @ 0x7f8] AVFoundation audio devices:',
      '[AVFoundation indev @ 0x7f8] [0] MacBook Pro Microphone',
      ': Input/output error',
    ].join('\n');
    expect(parseFfmpegDeviceList(avf)).toBe(
      'AVFoundation video devices:\n[0] FaceTime HD Camera\n[1] Capture screen 0\nAVFoundation audio devices:\n[0] MacBook Pro Microphone\n',
    );
    const dshow = '[dshow @ 000001] "Integrated Camera" (video)\n[dshow @ 000001]   Alternative name "@device_pnp_\\\\?\\usb"\ndummy: Immediate exit requested\n';
    expect(parseFfmpegDeviceList(dshow)).toBe('"Integrated Camera" (video)\n  Alternative name "@device_pnp_\\\\?\\usb"\n');
  });
});
