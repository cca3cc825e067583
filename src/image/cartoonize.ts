import sharp, { type OutputInfo, type Sharp } from 'sharp';
import type { Engine } from '../engine';
import { ImageError } from './errors';
import { sniffFormat, type ImageFormat } from './formats';

export interface CartoonizeOptions {
  readonly model: string;
  /** Largest accepted width x height; checked from the header before any pixel is decoded. */
  readonly maxPixels: number;
  /** Output format; defaults to the input's. */
  readonly format?: ImageFormat;
}

export interface CartoonizedImage {
  readonly data: Buffer;
  readonly format: ImageFormat;
  readonly inputFormat: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly timings: { readonly decodeMs: number; readonly inferenceMs: number; readonly encodeMs: number };
}

const msSince = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e6 ? 2 : 1)} MP`;
}

function decodeFailure(format: ImageFormat, error: unknown): ImageError {
  const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 160);
  return new ImageError(400, `could not decode the ${format.toUpperCase()} image (truncated or corrupt?): ${detail}`);
}

function encoder(image: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: 90, mozjpeg: false });
    case 'png':
      return image.png({ compressionLevel: 6 });
    case 'webp':
      return image.webp({ quality: 90 });
  }
}

/** Reads width/height from the header only; rejects non-images and oversize images. */
async function checkHeader(input: Buffer, maxPixels: number): Promise<ImageFormat> {
  if (input.length === 0) throw new ImageError(400, 'empty body: send a JPEG, PNG or WebP image');
  const format = sniffFormat(input);
  if (format === undefined) throw new ImageError(415, 'the data is not a JPEG, PNG or WebP image');
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(input, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw decodeFailure(format, error);
  }
  if (!width || !height) throw new ImageError(400, `the ${format.toUpperCase()} header has no image size`);
  if (width * height > maxPixels) {
    throw new ImageError(
      413,
      `image is ${width}x${height} (${megapixels(width * height)}); the limit is ${megapixels(maxPixels)} (TOONSTREAM_MAX_PIXELS)`,
    );
  }
  return format;
}

/**
 * Cartoonizes one encoded image: header check, decode (EXIF orientation applied, alpha dropped,
 * sRGB), one engine run at full size, encode. The result has the (oriented) input's size.
 */
export async function cartoonizeImage(engine: Engine, input: Buffer, options: CartoonizeOptions): Promise<CartoonizedImage> {
  const inputFormat = await checkHeader(input, options.maxPixels);
  const format = options.format ?? inputFormat;

  let t = process.hrtime.bigint();
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(input, { limitInputPixels: options.maxPixels, failOn: 'warning' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw decodeFailure(inputFormat, error);
  }
  const { width, height, channels } = raw.info;
  if (channels !== 3) throw new ImageError(415, `unsupported image layout: ${channels} channels after conversion to RGB`);
  const decodeMs = msSince(t);

  t = process.hrtime.bigint();
  const out = await engine.run(options.model, { data: raw.data, n: 1, height, width });
  const inferenceMs = msSince(t);

  t = process.hrtime.bigint();
  const data = await encoder(sharp(out.data, { raw: { width, height, channels: 3 } }), format).toBuffer();
  return { data, format, inputFormat, width, height, timings: { decodeMs, inferenceMs, encodeMs: msSince(t) } };
}
