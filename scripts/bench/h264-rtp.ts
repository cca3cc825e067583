// H.264 for test and bench publishers: Annex-B streams cut into access units, and an RTP
// packetizer (RFC 6184, packetization mode 1) written independently of the server's
// depacketizer, so the two check each other. Used by the depacketizer unit tests, the WHIP
// H.264 integration test and the whip bench's H.264 publisher.
import type { RtpVideoPacket } from '../../src/transport/whip/h264/depacketizer';

export const nalType = (nal: Uint8Array): number => nal[0] & 0x1f;

/** The NAL units of an Annex-B byte stream (3- or 4-byte start codes), without start codes. */
export function splitAnnexB(stream: Uint8Array): Uint8Array[] {
  const starts: Array<{ at: number; code: number }> = [];
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      const code = i > 0 && stream[i - 1] === 0 ? 4 : 3;
      starts.push({ at: i + 3, code });
      i += 2;
    }
  }
  return starts.map((s, k) => stream.subarray(s.at, k + 1 < starts.length ? starts[k + 1].at - starts[k + 1].code : stream.length));
}

/**
 * Groups NAL units into access units (pictures), for streams with one slice per picture (what
 * x264 writes without slice options): a picture ends before the next non-VCL unit or slice.
 */
export function accessUnits(nals: readonly Uint8Array[]): Uint8Array[][] {
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let hasSlice = false;
  for (const nal of nals) {
    const slice = nalType(nal) >= 1 && nalType(nal) <= 5;
    if (hasSlice) {
      units.push(current);
      current = [];
      hasSlice = false;
    }
    current.push(nal);
    hasSlice = slice;
  }
  if (current.length > 0) units.push(current);
  return units;
}

export interface PacketizeOptions {
  /** Largest RTP payload (bytes); bigger NAL units are split into FU-A fragments. */
  readonly mtu?: number;
  /** Put SPS/PPS (and other units below this size) together in STAP-A packets. */
  readonly aggregateBelow?: number;
}

/**
 * RTP payloads for one access unit, in order; the caller adds sequence numbers, the timestamp
 * and the marker (set on the last). Small units go in STAP-A, big ones in FU-A, the rest alone.
 */
export function packetizeAccessUnit(nals: readonly Uint8Array[], options: PacketizeOptions = {}): Buffer[] {
  const mtu = options.mtu ?? 1200;
  const aggregateBelow = options.aggregateBelow ?? 64;
  const payloads: Buffer[] = [];
  let stap: Uint8Array[] = [];
  const flushStap = (): void => {
    if (stap.length === 1) payloads.push(Buffer.from(stap[0]));
    if (stap.length > 1) {
      const nri = Math.max(...stap.map((n) => n[0] & 0x60));
      const parts = stap.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n]);
      payloads.push(Buffer.concat([Buffer.from([nri | 24]), ...parts]));
    }
    stap = [];
  };
  for (const nal of nals) {
    if (nal.length < aggregateBelow) {
      stap.push(nal);
      continue;
    }
    flushStap();
    if (nal.length <= mtu) {
      payloads.push(Buffer.from(nal));
      continue;
    }
    const indicator = (nal[0] & 0xe0) | 28;
    const body = nal.subarray(1);
    for (let offset = 0; offset < body.length; offset += mtu - 2) {
      const start = offset === 0 ? 0x80 : 0;
      const end = offset + mtu - 2 >= body.length ? 0x40 : 0;
      payloads.push(Buffer.concat([Buffer.from([indicator, start | end | nalType(nal)]), body.subarray(offset, offset + mtu - 2)]));
    }
  }
  flushStap();
  return payloads;
}

/** RTP packets for a run of access units: consecutive sequence numbers, one timestamp per picture. */
export function rtpPackets(units: readonly (readonly Uint8Array[])[], options: PacketizeOptions & { firstSequence?: number; timestampStep?: number } = {}): RtpVideoPacket[] {
  const packets: RtpVideoPacket[] = [];
  let seq = options.firstSequence ?? 1000;
  units.forEach((nals, i) => {
    const payloads = packetizeAccessUnit(nals, options);
    payloads.forEach((payload, k) => {
      packets.push({ sequenceNumber: seq, timestamp: 90_000 + i * (options.timestampStep ?? 3000), marker: k === payloads.length - 1, payload });
      seq = (seq + 1) & 0xffff;
    });
  });
  return packets;
}
