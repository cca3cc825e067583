import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ffmpegBinaries } from '../media';
import { listDevicesArgs } from './source-args';
import type { CameraBackend } from './types';

export interface VideoDevice {
  readonly device: string;
  readonly name: string;
}

/**
 * The /dev/videoN nodes the kernel knows, with their names from sysfs. A UVC webcam shows up
 * twice (a capture node and a metadata node, same name); the first of the two is the camera.
 */
export async function linuxVideoDevices(sysDir = '/sys/class/video4linux'): Promise<VideoDevice[]> {
  let entries: string[];
  try {
    entries = await readdir(sysDir);
  } catch {
    return [];
  }
  const nodes = entries.filter((e) => /^video\d+$/.test(e)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return Promise.all(
    nodes.map(async (node) => {
      const name = await readFile(join(sysDir, node, 'name'), 'utf8').then((s) => s.trim(), () => '');
      return { device: `/dev/${node}`, name: name || '(no name)' };
    }),
  );
}

export function formatVideoDevices(devices: readonly VideoDevice[]): string {
  if (devices.length === 0) {
    return 'no video devices (/dev/video*); a virtual one: sudo modprobe v4l2loopback video_nr=10 exclusive_caps=1 card_label=toonstream\n';
  }
  const width = Math.max(...devices.map((d) => d.device.length));
  return devices.map((d) => `${d.device.padEnd(width)}  ${d.name}\n`).join('');
}

/** ffmpeg's own device list (avfoundation, dshow): the lines its demuxer printed, tidied. */
export function parseFfmpegDeviceList(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .filter((l) => /^\[(AVFoundation|dshow)[^\]]*\]/.test(l))
    .map((l) => l.replace(/^\[[^\]]*\] ?/, ''))
    .filter((l) => !/^(Error|dummy:|.*Immediate exit requested)/i.test(l));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** What `toonstream camera --list-devices` prints for this platform. */
export async function listDevices(backend: CameraBackend): Promise<string> {
  if (backend === 'v4l2') return formatVideoDevices(await linuxVideoDevices());
  const stderr = await new Promise<string>((resolve) => {
    // ffmpeg exits non-zero after listing (there is no real input): only its output matters.
    execFile(ffmpegBinaries().ffmpeg, listDevicesArgs(backend), { timeout: 20_000 }, (_err, _stdout, err) => resolve(String(err)));
  });
  return parseFfmpegDeviceList(stderr) || `ffmpeg listed no ${backend} device\n`;
}
