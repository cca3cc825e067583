import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '../../src/paths';

export const BENCH_PHOTO = join(repoRoot, 'test', 'fixtures', 'images', 'coffee-640x427.jpg');

/** The bench photo as raw RGB at width x height (a real photo, not noise: some graphs are data-dependent). */
export async function photoFrame(width: number, height: number): Promise<Buffer> {
  return sharp(BENCH_PHOTO).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}
