// Ogg Opus (RFC 7845) pages for Opus packets taken from RTP (RFC 7587: one packet per payload,
// as is), so ffmpeg can decode them from a pipe: it has no demuxer for raw Opus packets.

/** CRC-32 of Ogg pages: polynomial 0x04c11db7, not reflected, initial value 0, no final xor. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  return crc;
}

const BEGINNING_OF_STREAM = 0x02;
/** A packet of up to 255 x 255 - 1 bytes fits one page's lacing table; Opus packets are < 1500. */
const MAX_PACKET = 255 * 255 - 1;

/**
 * Writes one logical Ogg Opus stream: `start()` gives the two header pages, `page()` one page per
 * audio packet with its granule position (the stream's sample count at 48 kHz at the packet's end).
 */
export class OggOpusWriter {
  private sequence = 0;

  constructor(private readonly serial = Math.floor(Math.random() * 0x1_0000_0000)) {}

  /** OpusHead (channels, 48 kHz, no pre-skip, no gain, mapping family 0) and an empty OpusTags. */
  start(channels: number): Buffer {
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'latin1');
    head[8] = 1;
    head[9] = channels;
    head.writeUInt32LE(48_000, 12);
    const vendor = Buffer.from('toonstream', 'latin1');
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0, 'latin1');
    tags.writeUInt32LE(vendor.length, 8);
    vendor.copy(tags, 12);
    return Buffer.concat([this.page(head, 0, BEGINNING_OF_STREAM), this.page(tags, 0)]);
  }

  page(packet: Uint8Array, granule: number, flags = 0): Buffer {
    if (packet.length > MAX_PACKET) throw new RangeError(`an Opus packet of ${packet.length} bytes does not fit an Ogg page`);
    const lacing = [...Array<number>(Math.floor(packet.length / 255)).fill(255), packet.length % 255];
    const header = Buffer.alloc(27 + lacing.length);
    header.write('OggS', 0, 'latin1');
    header[5] = flags;
    header.writeBigInt64LE(BigInt(granule), 6);
    header.writeUInt32LE(this.serial, 14);
    header.writeUInt32LE(this.sequence++, 18);
    header[26] = lacing.length;
    header.set(lacing, 27);
    const page = Buffer.concat([header, packet]);
    page.writeUInt32LE(oggCrc(page), 22);
    return page;
  }
}
