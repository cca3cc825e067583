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
  /**
   * Largest frame handed to the model. Bigger images run downscaled and the cartoon is resized
   * back to the input size, which bounds inference time and the graph's activation memory.
   */
  readonly maxInferPixels?: number;
}

export interface CartoonizedImage {
  readonly data: Buffer;
  readonly format: ImageFormat;
  readonly inputFormat: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** The size the model ran at (the input size unless maxInferPixels made it smaller). */
  readonly inferenceWidth: number;
  readonly inferenceHeight: number;
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

interface Header {
  readonly format: ImageFormat;
  /** Size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
}

/** Reads the size from the header only; rejects non-images and oversize images. */
async function checkHeader(input: Buffer, maxPixels: number): Promise<Header> {
  if (input.length === 0) throw new ImageError(400, 'empty body: send a JPEG, PNG or WebP image');
  const format = sniffFormat(input);
  if (format === undefined) throw new ImageError(415, 'the data is not a JPEG, PNG or WebP image');
  let width: number | undefined;
  let height: number | undefined;
  let orientation: number | undefined;
  try {
    ({ width, height, orientation } = await sharp(input, { limitInputPixels: false }).metadata());
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
  // EXIF orientations 5-8 are quarter turns: width and height swap.
  return orientation !== undefined && orientation >= 5
    ? { format, width: height, height: width }
    : { format, width, height };
}

/** The largest size with the same aspect ratio and at most maxPixels pixels. */
export function fitPixels(width: number, height: number, maxPixels: number | undefined): { width: number; height: number } {
  if (maxPixels === undefined || width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  const h = Math.max(1, Math.floor(height * scale));
  // A side clamped up to 1 px (extreme aspect ratios) must not push the other past the cap.
  const w = Math.max(1, Math.min(Math.floor(width * scale), Math.floor(maxPixels / h)));
  return { width: w, height: h };
}

/**
 * Cartoonizes one encoded image: header check, decode (EXIF orientation applied, alpha dropped,
 * sRGB; downscaled when above maxInferPixels), one engine run, encode (resized back up when it was
 * downscaled). The result has the (oriented) input's size.
 */
export async function cartoonizeImage(engine: Engine, input: Buffer, options: CartoonizeOptions): Promise<CartoonizedImage> {
  const header = await checkHeader(input, options.maxPixels);
  const inputFormat = header.format;
  const format = options.format ?? inputFormat;
  const infer = fitPixels(header.width, header.height, options.maxInferPixels);
  const downscaled = infer.width !== header.width || infer.height !== header.height;

  let t = process.hrtime.bigint();
  let raw: { data: Buffer; info: OutputInfo };
  try {
    let image = sharp(input, { limitInputPixels: options.maxPixels, failOn: 'warning' }).rotate();
    if (downscaled) image = image.resize(infer.width, infer.height, { fit: 'fill' });
    raw = await image
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
  let cartoon = sharp(out.data, { raw: { width, height, channels: 3 } });
  if (downscaled) cartoon = cartoon.resize(header.width, header.height, { fit: 'fill', kernel: 'lanczos3' });
  const data = await encoder(cartoon, format).toBuffer();
  return {
    data,
    format,
    inputFormat,
    width: header.width,
    height: header.height,
    inferenceWidth: width,
    inferenceHeight: height,
    timings: { decodeMs, inferenceMs, encodeMs: msSince(t) },
  };
}
