import { i420Bytes } from '../../webrtc/color';
import type { I420Frame } from '../../webrtc/wrtc';

export class Y4mError extends Error {
  override readonly name = 'Y4mError';
}

/** Longest header or FRAME line accepted; real ones are well under 100 bytes. */
const MAX_LINE = 1024;
const NEWLINE = 0x0a;

/** The stream header: `YUV4MPEG2 W640 H360 F30:1 Ip A1:1 C420jpeg …`. */
export function parseY4mHeader(line: string): { readonly width: number; readonly height: number } {
  const [magic, ...params] = line.trim().split(' ');
  if (magic !== 'YUV4MPEG2') throw new Y4mError(`not a YUV4MPEG2 stream (starts with "${magic.slice(0, 16)}")`);
  const value = (tag: string): string | undefined => params.find((p) => p.startsWith(tag))?.slice(1);
  const width = Number(value('W'));
  const height = Number(value('H'));
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new Y4mError(`bad frame size in "${line.trim()}"`);
  // 8-bit 4:2:0 only (C420, C420jpeg, C420mpeg2, C420paldv; absent means 420jpeg), as -pix_fmt yuv420p writes.
  const colour = value('C') ?? '420jpeg';
  if (!/^420(jpeg|mpeg2|paldv)?$/.test(colour)) throw new Y4mError(`colour space C${colour} is not 8-bit 4:2:0`);
  return { width, height };
}

/**
 * Cuts ffmpeg's `-f yuv4mpegpipe -pix_fmt yuv420p` output into I420 frames, whatever the chunk
 * boundaries: the header line, then per frame a `FRAME` line and width x height x 1.5 bytes.
 * Each frame is its own buffer. Throws Y4mError on anything else.
 */
export class Y4mParser {
  private size: { readonly width: number; readonly height: number; readonly bytes: number } | null = null;
  private line: Buffer[] = [];
  private lineLength = 0;
  private frame: Uint8Array | null = null;
  private filled = 0;

  constructor(private readonly onFrame: (frame: I420Frame) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      offset = this.frame ? this.fillFrame(chunk, offset) : this.readLine(chunk, offset);
    }
  }

  private readLine(chunk: Buffer, offset: number): number {
    const end = chunk.indexOf(NEWLINE, offset);
    const piece = chunk.subarray(offset, end === -1 ? chunk.length : end);
    this.line.push(piece);
    this.lineLength += piece.length;
    if (this.lineLength > MAX_LINE) throw new Y4mError('a y4m header or FRAME line is too long');
    if (end === -1) return chunk.length;
    const text = Buffer.concat(this.line).toString('latin1');
    this.line = [];
    this.lineLength = 0;
    if (this.size === null) {
      const { width, height } = parseY4mHeader(text);
      this.size = { width, height, bytes: i420Bytes(width, height) };
    } else {
      if (text !== 'FRAME' && !text.startsWith('FRAME ')) throw new Y4mError(`expected a FRAME line, got "${text.slice(0, 16)}"`);
      this.frame = new Uint8Array(this.size.bytes);
      this.filled = 0;
    }
    return end + 1;
  }

  private fillFrame(chunk: Buffer, offset: number): number {
    const frame = this.frame!;
    const n = Math.min(frame.length - this.filled, chunk.length - offset);
    frame.set(chunk.subarray(offset, offset + n), this.filled);
    this.filled += n;
    if (this.filled === frame.length) {
      this.frame = null;
      const { width, height } = this.size!;
      this.onFrame({ width, height, data: frame });
    }
    return offset + n;
  }
}
