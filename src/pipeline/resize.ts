import sharp from 'sharp';
import type { Frame } from '../engine/types';
import { unfilledBytes } from './memory';
import { nativeAddon } from './native';

/**
 * Resizes a packed RGB24 frame: bilinear, antialiased when shrinking. In native/ when the addon
 * is built (a fraction of a millisecond for 640x360), else with libvips (via sharp), whose
 * 'linear' kernel filters the same way. Returns the frame itself when the size already matches.
 */
export async function resizeRgb(frame: Frame, width: number, height: number): Promise<Frame> {
  if (frame.width === width && frame.height === height) return frame;
  const native = nativeAddon();
  if (native) {
    const output = unfilledBytes(width * height * 3);
    await native.resize({ src: frame.data, width: frame.width, height: frame.height, output, outputWidth: width, outputHeight: height });
    return { data: output, width, height };
  }
  return resizeWithSharp(frame, width, height);
}

/** The same resize with libvips (the fallback without the addon; tests compare the two). */
export async function resizeWithSharp(frame: Frame, width: number, height: number): Promise<Frame> {
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}
