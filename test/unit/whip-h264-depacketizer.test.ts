import { H264Depacketizer, type AccessUnit, type RtpVideoPacket } from '../../src/transport/whip/h264/depacketizer';
import { SequenceReorder } from '../../src/transport/whip/h264/reorder';
import { nalType, packetizeAccessUnit, rtpPackets, splitAnnexB } from '../../scripts/bench/h264-rtp';

// Hand-made NAL units: the header byte says the type; the rest is filler the depacketizer never reads.
const filled = (header: number, length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i === 0 ? header : (i * 7 + seed) & 0xff));
const sps = filled(0x67, 12, 1);
const pps = filled(0x68, 5, 2);
const idr = (n: number, length = 3000): Uint8Array => filled(0x65, length, n);
const pSlice = (n: number, length = 700): Uint8Array => filled(0x41, length, n);

/** `window`: packets that may wait for a missing one (no time limit: the tests have no clock). */
function collect(window = 48) {
  const units: AccessUnit[] = [];
  let keyframeRequests = 0;
  const depacketizer = new H264Depacketizer({ accessUnit: (u) => units.push(u), keyframeNeeded: () => void keyframeRequests++ }, { window, maxWaitMs: Infinity });
  const push = (packets: readonly RtpVideoPacket[]): void => packets.forEach((p) => depacketizer.push(p));
  return { units, depacketizer, push, keyframeRequests: () => keyframeRequests };
}

/** NAL types of each access unit emitted. */
const shapes = (units: readonly AccessUnit[]): number[][] => units.map((u) => splitAnnexB(u.data).map(nalType));

describe('H264Depacketizer (RFC 6184 → Annex B)', () => {
  const gop: Uint8Array[][] = [[sps, pps, idr(1)], [pSlice(2)], [pSlice(3, 40)], [pSlice(4, 2500)]];

  it('rebuilds every access unit byte for byte from single-NAL, STAP-A and FU-A packets', () => {
    const packets = rtpPackets(gop);
    const types = packets.map((p) => nalType(p.payload));
    // SPS + PPS aggregated, the IDR in three fragments, a single P slice, a small one, a fragmented one.
    expect(types).toEqual([24, 28, 28, 28, 1, 1, 28, 28, 28]);
    const { units, push, keyframeRequests } = collect();
    push(packets);
    expect(units).toHaveLength(4);
    units.forEach((u, i) => expect(Buffer.compare(u.data, Buffer.concat(gop[i].flatMap((n) => [Buffer.from([0, 0, 0, 1]), n])))).toBe(0));
    expect(units.map((u) => u.keyframe)).toEqual([true, false, false, false]);
    expect(units.map((u) => u.timestamp)).toEqual([90_000, 93_000, 96_000, 99_000]);
    expect(keyframeRequests()).toBe(0);
  });

  it('takes FU-A start, middle and end fragments and rebuilds the NAL header from indicator and FU header', () => {
    const payloads = packetizeAccessUnit([idr(9, 2500)], { mtu: 1000 });
    expect(payloads.map((p) => [p[0], p[1] & 0xe0])).toEqual([[0x7c, 0x80], [0x7c, 0x00], [0x7c, 0x40]]);
    const { units, push } = collect();
    push(payloads.map((payload, k) => ({ sequenceNumber: 7 + k, timestamp: 5, marker: k === 2, payload })));
    expect(shapes(units)).toEqual([[5]]);
    expect(Buffer.from(splitAnnexB(units[0].data)[0]).equals(Buffer.from(idr(9, 2500)))).toBe(true);
  });

  it('ends a picture when the timestamp changes even if its marker packet is missing', () => {
    const packets = rtpPackets([[sps, pps, idr(1, 500)], [pSlice(2, 300)]]).map((p) => ({ ...p, marker: false }));
    const { units, push } = collect();
    push(packets);
    expect(shapes(units)).toEqual([[7, 8, 5]]);
  });

  it('puts reordered packets (a late NACK retransmission) back in sequence before assembling', () => {
    const packets = rtpPackets(gop);
    const shuffled = [packets[0], packets[2], packets[1], packets[3], packets[5], packets[4], ...packets.slice(6)];
    const { units, push, keyframeRequests } = collect();
    push(shuffled);
    expect(shapes(units)).toEqual([[7, 8, 5], [1], [1], [1]]);
    expect(keyframeRequests()).toBe(0);
  });

  it('handles sequence numbers that wrap past 65535', () => {
    const { units, push } = collect();
    push(rtpPackets(gop, { firstSequence: 65533 }));
    expect(shapes(units)).toEqual([[7, 8, 5], [1], [1], [1]]);
  });

  it('on a loss drops pictures until the next IDR, asking for a keyframe meanwhile', () => {
    const stream = [...gop, [pSlice(5)], [pSlice(6)], [sps, pps, idr(7)], [pSlice(8)]];
    const packets = rtpPackets(stream);
    const lostIndex = packets.findIndex((p) => p.timestamp === 93_000); // picture 1 (a P slice)
    const { units, push, keyframeRequests } = collect(4);
    push(packets.filter((_, i) => i !== lostIndex));
    // Picture 0 went out; 1 is lost; 2-5 depend on it and are dropped; 6 (IDR) and 7 go out.
    expect(shapes(units)).toEqual([[7, 8, 5], [7, 8, 5], [1]]);
    expect(units.map((u) => u.timestamp)).toEqual([90_000, 108_000, 111_000]);
    expect(keyframeRequests()).toBeGreaterThanOrEqual(1);
  });

  it('drops a picture whose FU-A start fragment was lost (the gap was declared)', () => {
    const packets = rtpPackets([[sps, pps, idr(1)], [pSlice(2, 2600)], [pSlice(3)], [sps, pps, idr(4)]]);
    const fuStart = packets.findIndex((p) => p.timestamp === 93_000);
    const { units, push, keyframeRequests } = collect(2);
    push(packets.filter((_, i) => i !== fuStart));
    expect(units.map((u) => u.timestamp)).toEqual([90_000, 99_000]);
    expect(keyframeRequests()).toBeGreaterThanOrEqual(1);
  });

  it('waits for an IDR at the start (joined mid-stream) and asks for one', () => {
    const { units, push, keyframeRequests } = collect();
    push(rtpPackets([[pSlice(1)], [pSlice(2)], [sps, pps, idr(3)], [pSlice(4)]]));
    expect(shapes(units)).toEqual([[7, 8, 5], [1]]);
    expect(keyframeRequests()).toBe(2);
  });

  it('lets parameter sets sent in their own packet through while waiting, and drops access unit delimiters', () => {
    const aud = Uint8Array.of(0x09, 0xf0);
    const { units, push } = collect();
    push(rtpPackets([[aud, sps, pps], [aud, idr(1, 100)]], { aggregateBelow: 0 }));
    expect(shapes(units)).toEqual([[7, 8], [5]]);
  });

  it('resync() drops up to the next IDR (the decoder fell behind)', () => {
    const { units, push, depacketizer } = collect();
    const packets = rtpPackets([[sps, pps, idr(1, 100)], [pSlice(2, 100)], [pSlice(3, 100)], [sps, pps, idr(4, 100)]]);
    push(packets.slice(0, 2));
    depacketizer.resync();
    push(packets.slice(2));
    expect(units.map((u) => u.timestamp)).toEqual([90_000, 99_000]);
  });

  it('treats malformed payloads (empty, truncated STAP-A, mode-2 types) as a broken picture', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from([24, 0, 9, 0x67]), Buffer.from([26, 1, 2, 3]), Buffer.from([28, 0x41])]) {
      const { units, push, keyframeRequests } = collect();
      push([
        { sequenceNumber: 1, timestamp: 1, marker: true, payload: Buffer.from(idr(1, 50)) },
        { sequenceNumber: 2, timestamp: 2, marker: false, payload: Buffer.from(pSlice(2, 50)) },
        { sequenceNumber: 3, timestamp: 2, marker: true, payload: bad },
        { sequenceNumber: 4, timestamp: 3, marker: true, payload: Buffer.from(pSlice(3, 50)) },
      ]);
      expect(units.map((u) => u.timestamp)).toEqual([1]);
      expect(keyframeRequests()).toBe(2);
    }
  });
});

describe('SequenceReorder', () => {
  function reorder(window: number, maxWaitMs = Infinity) {
    const out: Array<number | string> = [];
    const clock = { ms: 0 };
    const buffer = new SequenceReorder<{ sequenceNumber: number }>({ window, maxWaitMs, now: () => clock.ms }, { packet: (p) => out.push(p.sequenceNumber), gap: (n) => out.push(`gap ${n}`) });
    return { out, clock, push: (...seqs: number[]) => seqs.forEach((s) => buffer.push({ sequenceNumber: s })) };
  }

  it('holds early packets until the missing one arrives; drops duplicates and late ones', () => {
    const { out, push } = reorder(3);
    push(10, 12, 13, 11, 11, 12, 9, 14);
    expect(out).toEqual([10, 11, 12, 13, 14]);
  });

  it('declares a gap once more than `window` packets wait', () => {
    const { out, push } = reorder(3);
    push(1, 3, 4, 5);
    expect(out).toEqual([1]);
    push(6);
    expect(out).toEqual([1, 'gap 1', 3, 4, 5, 6]);
    push(2); // too late now
    expect(out).toEqual([1, 'gap 1', 3, 4, 5, 6]);
  });

  it('declares a gap once the missing packet has been waited for maxWaitMs (a low-rate stream)', () => {
    const { out, clock, push } = reorder(100, 150);
    push(1, 3);
    clock.ms = 100;
    push(4);
    expect(out).toEqual([1]);
    clock.ms = 151;
    push(5);
    expect(out).toEqual([1, 'gap 1', 3, 4, 5]);
    // A second gap is timed from when it was first missed, not from the first one.
    push(7);
    clock.ms = 250;
    push(8);
    expect(out).toEqual([1, 'gap 1', 3, 4, 5]);
    clock.ms = 302;
    push(9);
    expect(out).toEqual([1, 'gap 1', 3, 4, 5, 'gap 1', 7, 8, 9]);
  });

  it('starts over when the sender restarts its numbering far behind', () => {
    const { out, push } = reorder(2);
    // 30000 and 30001 look late (behind what was delivered); the third in a row means a restart.
    push(40_000, 40_001, 30_000, 30_001, 30_002, 30_003);
    expect(out).toEqual([40_000, 40_001, 'gap 0', 30_002, 30_003]);
  });
});
