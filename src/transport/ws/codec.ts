import sharp from 'sharp';
import type { Frame } from '../../engine/types';
import { ImageFormat, type ImageFormatCode } from './protocol';

const JPEG_QUALITY = 80;
const WEBP_QUALITY = 75;

/** Decodes a JPEG/WebP camera frame to RGB24, scaled down (never up) to fit maxSide. */
export async function decodeImage(image: Uint8Array, maxSide: number): Promise<Frame> {
  const { data, info } = await sharp(image, { failOn: 'error' })
    .removeAlpha()
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

export async function encodeImage(frame: Frame, format: ImageFormatCode): Promise<Uint8Array> {
  const img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  const out = format === ImageFormat.webp ? await img.webp({ quality: WEBP_QUALITY }).toBuffer() : await img.jpeg({ quality: JPEG_QUALITY }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
