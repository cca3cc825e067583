/** A problem with the image itself; `status` is the HTTP status that describes it. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}
