import { extname } from 'node:path';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export const IMAGE_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp'];

export const MIME: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** The format by magic bytes, or undefined when the bytes are not JPEG, PNG or WebP. */
export function sniffFormat(buf: Uint8Array): ImageFormat | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && Buffer.from(buf.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'png';
  }
  if (buf.length >= 12) {
    const head = Buffer.from(buf.subarray(0, 12)).toString('latin1');
    if (head.startsWith('RIFF') && head.endsWith('WEBP')) return 'webp';
  }
  return undefined;
}

/** Output format from a file name's extension (.jpg, .jpeg, .png, .webp). */
export function formatFromPath(path: string): ImageFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.png') return 'png';
  if (ext === '.webp') return 'webp';
  return undefined;
}

/**
 * Picks the response format from an Accept header: the highest-q explicitly named image type
 * among ours; wildcards, absent headers and headers naming none of ours keep `fallback`
 * (the request's own format).
 */
export function negotiateFormat(accept: string | undefined, fallback: ImageFormat): ImageFormat {
  if (!accept) return fallback;
  let best: { format: ImageFormat; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const format = IMAGE_FORMATS.find((f) => MIME[f] === type.trim());
    if (format === undefined) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    // Ties keep the caller's own format, then the earlier entry.
    if (!best || q > best.q || (q === best.q && format === fallback)) best = { format, q };
  }
  return best?.format ?? fallback;
}
