// Reads the H.264 pictures out of a live FLV stream (what ffmpeg writes with `-f flv`). FLV
// rather than raw Annex-B because every tag says its own length: a picture can be sent as soon
// as its tag is in, where an Annex-B stream only shows a picture has ended when the next one
// starts (a frame interval later).

export interface FlvPicture {
  /** NAL units without start codes; SPS and PPS come first on keyframes. */
  readonly nals: Uint8Array[];
  readonly keyframe: boolean;
  /** The tag's timestamp (the frame's presentation time), ms. */
  readonly timestampMs: number;
}

const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;
const TAG_VIDEO = 9;
const CODEC_AVC = 7;
const FRAME_KEY = 1;
const AVC_SEQUENCE_HEADER = 0;
const AVC_NALU = 1;

/**
 * Push the stream's bytes in any chunks; each complete video tag with H.264 pictures comes out
 * through `picture`. Other tags (metadata, audio, end of sequence) are skipped. The parameter
 * sets from the sequence header (ffmpeg keeps them out of the pictures in FLV) are put before
 * every keyframe, as OBS sends them.
 */
export class FlvH264Reader {
  private buffered: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private lengthSize = 4;
  private parameterSets: Uint8Array[] = [];

  constructor(private readonly picture: (picture: FlvPicture) => void) {}

  /** Throws on a stream that is not FLV with H.264. */
  push(chunk: Uint8Array): void {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    if (!this.headerRead) {
      if (this.buffered.length < 9) return;
      if (this.buffered.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      const headerSize = this.buffered.readUInt32BE(5) + PREVIOUS_TAG_SIZE;
      if (this.buffered.length < headerSize) return;
      this.buffered = this.buffered.subarray(headerSize);
      this.headerRead = true;
    }
    while (this.buffered.length >= TAG_HEADER) {
      const size = this.buffered.readUIntBE(1, 3);
      const end = TAG_HEADER + size + PREVIOUS_TAG_SIZE;
      if (this.buffered.length < end) return;
      if (this.buffered[0] === TAG_VIDEO) {
        const timestampMs = (this.buffered[7] * 2 ** 24 + this.buffered.readUIntBE(4, 3)) >>> 0;
        this.videoTag(this.buffered.subarray(TAG_HEADER, TAG_HEADER + size), timestampMs);
      }
      this.buffered = this.buffered.subarray(end);
    }
  }

  private videoTag(data: Buffer, timestampMs: number): void {
    if (data.length < 5) return;
    if ((data[0] & 0x0f) !== CODEC_AVC) throw new Error(`FLV video codec ${data[0] & 0x0f} is not H.264 (7)`);
    const body = data.subarray(5); // after frame type/codec, AVC packet type, composition time
    if (data[1] === AVC_SEQUENCE_HEADER) this.sequenceHeader(body);
    if (data[1] !== AVC_NALU) return;
    const nals: Uint8Array[] = [];
    for (let at = 0; at + this.lengthSize <= body.length; ) {
      const length = body.readUIntBE(at, this.lengthSize);
      at += this.lengthSize;
      nals.push(body.subarray(at, at + length));
      at += length;
    }
    const keyframe = data[0] >> 4 === FRAME_KEY;
    this.picture({ nals: keyframe ? [...this.parameterSets, ...nals] : nals, keyframe, timestampMs });
  }

  /** AVCDecoderConfigurationRecord (ISO 14496-15): NAL length size, SPS and PPS. */
  private sequenceHeader(record: Buffer): void {
    this.lengthSize = (record[4] & 0x03) + 1;
    const sets: Uint8Array[] = [];
    let at = 5;
    for (const countMask of [0x1f, 0xff]) {
      const count = record[at++] & countMask;
      for (let i = 0; i < count; i++) {
        const length = record.readUInt16BE(at);
        sets.push(record.subarray(at + 2, at + 2 + length));
        at += 2 + length;
      }
    }
    this.parameterSets = sets;
  }
}
