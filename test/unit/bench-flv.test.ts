import { FlvH264Reader, type FlvPicture } from '../../scripts/bench/flv';

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xda]);
const PPS = Buffer.from([0x68, 0xce, 0x0f, 0xc8]);
const SEI = Buffer.from([0x06, 0x05, 0x01]);
const IDR = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33]);
const P_SLICE = Buffer.from([0x41, 0x9a, 0x02]);

/** The FLV file header as ffmpeg writes it: 9 bytes (video only) and PreviousTagSize0. */
const FILE_HEADER = Buffer.from([0x46, 0x4c, 0x56, 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0]);

function tag(type: number, timestampMs: number, data: Buffer): Buffer {
  const header = Buffer.alloc(11);
  header[0] = type;
  header.writeUIntBE(data.length, 1, 3);
  header.writeUIntBE(timestampMs & 0xffffff, 4, 3);
  header[7] = timestampMs >>> 24;
  const previous = Buffer.alloc(4);
  previous.writeUInt32BE(11 + data.length);
  return Buffer.concat([header, data, previous]);
}

const video = (timestampMs: number, first: number, packetType: number, body: Buffer): Buffer =>
  tag(9, timestampMs, Buffer.concat([Buffer.from([first, packetType, 0, 0, 0]), body]));

const lengthPrefixed = (nals: readonly Buffer[]): Buffer =>
  Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, n.length]), n]));

/** AVCDecoderConfigurationRecord with 4-byte NAL lengths, one SPS, one PPS. */
const CONFIG = Buffer.concat([Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, SPS.length]), SPS, Buffer.from([1, 0, PPS.length]), PPS]);

const STREAM = Buffer.concat([
  FILE_HEADER,
  tag(18, 0, Buffer.from('onMetaData')),
  video(0, 0x17, 0, CONFIG),
  video(0, 0x17, 1, lengthPrefixed([SEI, IDR, IDR])),
  video(33, 0x27, 1, lengthPrefixed([P_SLICE])),
  video(0x1234567, 0x17, 1, lengthPrefixed([IDR])),
  video(0x1234567, 0x17, 2, Buffer.alloc(0)),
]);

function read(chunks: readonly Buffer[]): FlvPicture[] {
  const pictures: FlvPicture[] = [];
  const reader = new FlvH264Reader((p) => pictures.push(p));
  for (const chunk of chunks) reader.push(chunk);
  return pictures;
}

const hex = (p: FlvPicture): string[] => p.nals.map((n) => Buffer.from(n).toString('hex'));

describe('FLV H.264 reader (the bench publisher reads ffmpeg -f flv)', () => {
  const expected = [
    { nals: [SPS, PPS, SEI, IDR, IDR], keyframe: true, timestampMs: 0 },
    { nals: [P_SLICE], keyframe: false, timestampMs: 33 },
    { nals: [SPS, PPS, IDR], keyframe: true, timestampMs: 0x1234567 },
  ];
  const expectedHex = expected.map((e) => ({ ...e, nals: e.nals.map((n) => n.toString('hex')) }));

  it('yields each picture with the parameter sets before keyframes, skipping other tags', () => {
    expect(read([STREAM]).map((p) => ({ ...p, nals: hex(p) }))).toEqual(expectedHex);
  });

  it('yields each picture as soon as its tag is complete, whatever the chunks', () => {
    const pictures: FlvPicture[] = [];
    const reader = new FlvH264Reader((p) => pictures.push(p));
    const counts: number[] = [];
    for (let at = 0; at < STREAM.length; at += 7) {
      reader.push(STREAM.subarray(at, at + 7));
      counts.push(pictures.length);
    }
    expect(pictures.map((p) => ({ ...p, nals: hex(p) }))).toEqual(expectedHex);
    // The first picture's tag ends at this byte; it is out with the chunk that holds it.
    const firstEnd = FILE_HEADER.length + tag(18, 0, Buffer.from('onMetaData')).length + video(0, 0x17, 0, CONFIG).length + video(0, 0x17, 1, lengthPrefixed([SEI, IDR, IDR])).length;
    expect(counts[Math.ceil(firstEnd / 7) - 1]).toBe(1);
  });

  it('refuses a stream that is not FLV, or video that is not H.264', () => {
    expect(() => read([Buffer.from('RIFF0000AVI LIST')])).toThrow('not an FLV stream');
    expect(() => read([FILE_HEADER, tag(9, 0, Buffer.from([0x12, 0, 0, 0, 0, 1]))])).toThrow('FLV video codec 2 is not H.264 (7)');
  });
});
