// Reads the packets of an Ogg stream (one logical stream, as ffmpeg writes for one audio track),
// checking each page's CRC: test material for the Opus relay of H.264 publications.
import { oggCrc } from '../../src/transport/whip/h264/ogg-opus';

export interface OggPage {
  readonly granule: bigint;
  readonly flags: number;
  readonly sequence: number;
}

export function readOgg(stream: Uint8Array): { readonly packets: Buffer[]; readonly pages: OggPage[] } {
  const data = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  const packets: Buffer[] = [];
  const pages: OggPage[] = [];
  let pending: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    if (data.toString('latin1', at, at + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const segments = data[at + 26];
    const lacing = data.subarray(at + 27, at + 27 + segments);
    const end = at + 27 + segments + lacing.reduce((a, b) => a + b, 0);
    const page = Buffer.from(data.subarray(at, end));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    if (oggCrc(page) !== crc) throw new Error(`bad CRC in the Ogg page at byte ${at}`);
    pages.push({ granule: data.readBigInt64LE(at + 6), flags: data[at + 5], sequence: data.readUInt32LE(at + 18) });
    let offset = at + 27 + segments;
    for (const size of lacing) {
      pending.push(data.subarray(offset, offset + size));
      offset += size;
      if (size < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    at = end;
  }
  return { packets, pages };
}
