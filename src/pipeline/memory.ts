/**
 * Typed arrays for results that native code writes in full before anything reads them: unlike
 * `new Uint8Array(n)` they are not zero-filled first, one pass over a frame's memory less.
 */
export function unfilledBytes(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

export function unfilledFloats(length: number): Float32Array {
  const buffer = Buffer.allocUnsafeSlow(4 * length);
  return new Float32Array(buffer.buffer, buffer.byteOffset, length);
}
