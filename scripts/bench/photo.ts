import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../../src/paths';
import { rgbToI420 } from '../../src/transport/webrtc/color';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';

export const BENCH_PHOTO = join(repoRoot, 'test', 'fixtures', 'images', 'coffee-640x427.jpg');

/** The bench photo as raw RGB at width x height (a real photo, not noise: some graphs are data-dependent). */
export async function photoFrame(width: number, height: number): Promise<Buffer> {
  return sharp(BENCH_PHOTO).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

/** A 1 s slow pan over the bench photo as I420 frames: real texture and motion, like a webcam. */
export async function panI420Frames(width: number, height: number, fps: number): Promise<I420Frame[]> {
  const wide = await sharp(BENCH_PHOTO).resize(width + 120, height + 60, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  const frames: I420Frame[] = [];
  for (let i = 0; i < fps; i++) {
    const rgb = await sharp(wide, { raw: { width: width + 120, height: height + 60, channels: 3 } })
      .extract({ left: Math.round((i * 120) / fps), top: Math.round((i * 60) / fps), width, height })
      .raw()
      .toBuffer();
    frames.push(await rgbToI420({ data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), width, height }));
  }
  return frames;
}
