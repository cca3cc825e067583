import sharp from 'sharp';
import type { Frame } from '../../engine/types';
import { nonstandard, type I420Frame } from './wrtc';

// Colour conversion stays native: libyuv (inside libwebrtc) between I420 and RGBA, libvips
// (sharp) between RGBA and packed RGB. No per-pixel JavaScript.

export async function i420ToRgb(frame: I420Frame): Promise<Frame> {
  const { width, height } = frame;
  const rgba = new Uint8ClampedArray(width * height * 4);
  nonstandard.i420ToRgba(frame, { width, height, data: rgba as unknown as Uint8Array });
  const rgb = await sharp(rgba, { raw: { width, height, channels: 4 } }).removeAlpha().raw().toBuffer();
  return { data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), width, height };
}

export async function rgbToI420(frame: Frame): Promise<I420Frame> {
  const { width, height } = frame;
  const rgba = await sharp(frame.data, { raw: { width, height, channels: 3 } }).ensureAlpha(1).raw().toBuffer();
  const i420: I420Frame = { width, height, data: new Uint8ClampedArray(i420Bytes(width, height)) as unknown as Uint8Array };
  nonstandard.rgbaToI420({ width, height, data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength) as unknown as Uint8Array }, i420);
  return i420;
}

/** Y plane plus two quarter-size chroma planes (sides rounded up). */
export function i420Bytes(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}
