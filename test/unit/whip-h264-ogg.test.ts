import { oggCrc, OggOpusWriter } from '../../src/transport/whip/h264/ogg-opus';
import { readOgg } from '../support/ogg';

describe('Ogg Opus pages for the relayed audio of H.264 publications', () => {
  it('computes the Ogg CRC-32 (polynomial 0x04c11db7, initial 0, not reflected)', () => {
    expect(oggCrc(Buffer.from('123456789'))).toBe(0x89a1897f);
    expect(oggCrc(Buffer.alloc(0))).toBe(0);
  });

  it('starts with OpusHead (beginning of stream) and OpusTags, then one page per packet with its granule', () => {
    const writer = new OggOpusWriter(0x1234);
    const packets = [Buffer.alloc(3, 1), Buffer.alloc(255, 2), Buffer.alloc(510, 3), Buffer.alloc(1000, 4)];
    const stream = Buffer.concat([writer.start(2), ...packets.map((p, i) => writer.page(p, (i + 1) * 960))]);
    const { packets: read, pages } = readOgg(stream); // checks every CRC
    expect(read[0].toString('latin1', 0, 8)).toBe('OpusHead');
    expect([read[0][8], read[0][9], read[0].readUInt16LE(10), read[0].readUInt32LE(12), read[0][18]]).toEqual([1, 2, 0, 48_000, 0]);
    expect(read[1].toString('latin1', 0, 8)).toBe('OpusTags');
    expect(read.slice(2)).toEqual(packets);
    expect(pages.map((p) => [p.sequence, p.flags, Number(p.granule)])).toEqual([[0, 2, 0], [1, 0, 0], [2, 0, 960], [3, 0, 1920], [4, 0, 2880], [5, 0, 3840]]);
    // 255 and 510 bytes need a terminating 0 in the lacing table.
    expect(stream.includes(Buffer.from([2, 255, 0]))).toBe(true);
  });

  it('refuses a packet too big for one page', () => {
    expect(() => new OggOpusWriter().page(Buffer.alloc(70_000), 0)).toThrow(RangeError);
  });
});
