import sharp from 'sharp';
import type { Frame } from '../engine/types';

/** Resizes a packed RGB24 frame with libvips (via sharp); returns the frame itself when the size already matches. */
export async function resizeRgb(frame: Frame, width: number, height: number): Promise<Frame> {
  if (frame.width === width && frame.height === height) return frame;
  const data = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}
