import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { parseY4mHeader, Y4mError, Y4mParser } from '../../src/transport/whip/h264/y4m';

const HEADER = 'YUV4MPEG2 W4 H2 F30:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n';
/** A 4x2 I420 frame is 8 + 2 + 2 bytes; frame n is filled with n. */
const frameBytes = (n: number): Buffer => Buffer.alloc(12, n);
const record = (n: number, params = ''): Buffer => Buffer.concat([Buffer.from(`FRAME${params}\n`), frameBytes(n)]);

function parse(chunks: readonly Buffer[]): I420Frame[] {
  const frames: I420Frame[] = [];
  const parser = new Y4mParser((f) => frames.push(f));
  for (const chunk of chunks) parser.push(chunk);
  return frames;
}

/** Splits a buffer into pieces of the given sizes (the rest in the last piece). */
function cut(buf: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(buf.subarray(at, at + size));
    at += size;
  }
  out.push(buf.subarray(at));
  return out;
}

describe('y4m parser (ffmpeg -f yuv4mpegpipe -pix_fmt yuv420p)', () => {
  const stream = Buffer.concat([Buffer.from(HEADER), record(1), record(2, ' Ixyz'), record(3)]);

  it('reads the header: size and 4:2:0 colour space; refuses anything else', () => {
    expect(parseY4mHeader(HEADER)).toEqual({ width: 4, height: 2 });
    expect(parseY4mHeader('YUV4MPEG2 W1280 H720 F30000:1001 C420mpeg2')).toEqual({ width: 1280, height: 720 });
    expect(parseY4mHeader('YUV4MPEG2 H8 W6')).toEqual({ width: 6, height: 8 });
    expect(() => parseY4mHeader('YUV4MPEG2 W4 H2 C444')).toThrow('colour space C444 is not 8-bit 4:2:0');
    expect(() => parseY4mHeader('YUV4MPEG2 W4 H2 C420p10')).toThrow(Y4mError);
    expect(() => parseY4mHeader('YUV4MPEG2 W0 H2')).toThrow('bad frame size');
    expect(() => parseY4mHeader('RIFF....')).toThrow('not a YUV4MPEG2 stream');
  });

  it('cuts several frames out of one chunk, each its own buffer, FRAME parameters ignored', () => {
    const frames = parse([stream]);
    expect(frames.map((f) => [f.width, f.height, f.data.length, f.data[0], f.data[11]])).toEqual([
      [4, 2, 12, 1, 1],
      [4, 2, 12, 2, 2],
      [4, 2, 12, 3, 3],
    ]);
    expect(frames[0].data.buffer).not.toBe(frames[1].data.buffer);
  });

  it('gives the same frames whatever the chunk boundaries (inside the header, a FRAME line, the pixels)', () => {
    const expected = parse([stream]).map((f) => Buffer.from(f.data).toString('hex'));
    for (const sizes of [[10], [HEADER.length + 3], [HEADER.length + 6, 5], [1, 1, 1, 70, 2, 9]]) {
      expect(parse(cut(stream, sizes)).map((f) => Buffer.from(f.data).toString('hex'))).toEqual(expected);
    }
    const byteByByte = [...stream].map((b) => Buffer.from([b]));
    expect(parse(byteByByte)).toHaveLength(3);
  });

  it('rounds the chroma planes up for odd sizes', () => {
    const frames = parse([Buffer.from('YUV4MPEG2 W3 H3 C420\nFRAME\n'), Buffer.alloc(9 + 2 * 4, 7)]);
    expect(frames.map((f) => f.data.length)).toEqual([17]);
  });

  it('throws on a missing FRAME line or a runaway line', () => {
    expect(() => parse([Buffer.from(HEADER), Buffer.from('FRAMX\n')])).toThrow('expected a FRAME line');
    expect(() => parse([Buffer.from('YUV4MPEG2 '), Buffer.alloc(2000, 0x41)])).toThrow('too long');
  });
});
