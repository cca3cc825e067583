/**
 * Cuts a byte stream (ffmpeg's raw video on a pipe) into whole frames of `bytes` each; a partial
 * frame at the end is dropped. Each frame is its own buffer, so consumers may keep it.
 */
export async function* frameChunks(stream: AsyncIterable<Buffer>, bytes: number): AsyncGenerator<Buffer, void, undefined> {
  let frame = Buffer.allocUnsafe(bytes);
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(bytes - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === bytes) {
        yield frame;
        frame = Buffer.allocUnsafe(bytes);
        filled = 0;
      }
    }
  }
}
