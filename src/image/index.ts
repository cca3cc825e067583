export { cartoonizeImage, fitPixels } from './cartoonize';
export type { CartoonizeOptions, CartoonizedImage } from './cartoonize';
export { ImageError } from './errors';
export { formatFromPath, IMAGE_FORMATS, MIME, negotiateFormat, sniffFormat } from './formats';
export type { ImageFormat } from './formats';
