import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { fitPixels, formatFromPath, negotiateFormat, sniffFormat } from '../../src/image';
import { astronautJpeg, pngWithHeaderSize } from '../support/fixtures';

describe('image formats', () => {
  it('sniffs JPEG, PNG and WebP from their bytes and nothing else', async () => {
    const jpeg = readFileSync(astronautJpeg);
    expect(sniffFormat(jpeg)).toBe('jpeg');
    expect(sniffFormat(pngWithHeaderSize(4, 4))).toBe('png');
    expect(sniffFormat(await sharp(jpeg).webp().toBuffer())).toBe('webp');
    expect(sniffFormat(Buffer.from('hello, this is text'))).toBeUndefined();
    expect(sniffFormat(Buffer.alloc(0))).toBeUndefined();
    expect(sniffFormat(await sharp(jpeg).gif().toBuffer())).toBeUndefined();
  });

  it('maps output extensions', () => {
    expect(formatFromPath('a/b.JPG')).toBe('jpeg');
    expect(formatFromPath('b.jpeg')).toBe('jpeg');
    expect(formatFromPath('b.png')).toBe('png');
    expect(formatFromPath('b.webp')).toBe('webp');
    expect(formatFromPath('b.gif')).toBeUndefined();
    expect(formatFromPath('noext')).toBeUndefined();
  });

  it.each([
    [undefined, 'jpeg', 'jpeg'],
    ['*/*', 'png', 'png'],
    ['image/*', 'png', 'png'],
    ['image/webp', 'jpeg', 'webp'],
    ['image/png;q=0.5, image/webp;q=0.9', 'jpeg', 'webp'],
    ['image/avif,image/webp,image/apng,*/*;q=0.8', 'jpeg', 'webp'],
    ['image/png, image/jpeg', 'jpeg', 'jpeg'],
    ['image/png;q=0', 'jpeg', 'jpeg'],
    ['application/json', 'png', 'png'],
  ])('Accept %p with a %s upload answers %s', (accept, fallback, expected) => {
    expect(negotiateFormat(accept, fallback as 'jpeg' | 'png' | 'webp')).toBe(expected);
  });
});

describe('fitPixels', () => {
  it('keeps sizes under the cap and shrinks bigger ones with their aspect ratio', () => {
    expect(fitPixels(640, 427, undefined)).toEqual({ width: 640, height: 427 });
    expect(fitPixels(640, 427, 640 * 427)).toEqual({ width: 640, height: 427 });
    const big = fitPixels(6000, 4000, 4_200_000);
    expect(big.width * big.height).toBeLessThanOrEqual(4_200_000);
    expect(big.width / big.height).toBeCloseTo(1.5, 2);
    expect(fitPixels(100000, 1, 100)).toEqual({ width: 100, height: 1 });
  });
});
