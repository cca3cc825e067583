import { SequenceReorder, type ReorderLimits } from './reorder';

/** The parts of an RTP packet that carry H.264 (RFC 6184). */
export interface RtpVideoPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  /** Set on the last packet of an access unit (a picture). */
  readonly marker: boolean;
  readonly payload: Uint8Array;
}

export interface AccessUnit {
  /** Annex B: every NAL unit after a 4-byte start code, as ffmpeg's raw h264 input reads it. */
  readonly data: Buffer;
  readonly timestamp: number;
  /** Holds an IDR slice: decoding can (re)start here. */
  readonly keyframe: boolean;
}

export interface DepacketizerEvents {
  accessUnit(unit: AccessUnit): void;
  /**
   * Called for each picture dropped while waiting for an IDR (after a loss, at the start, after
   * resync): ask the sender for a keyframe (RTCP PLI). Throttling is the caller's.
   */
  keyframeNeeded(): void;
}

export const NAL = { NON_IDR_SLICE: 1, IDR_SLICE: 5, SPS: 7, PPS: 8, AUD: 9, STAP_A: 24, FU_A: 28 } as const;
export const START_CODE = Buffer.from([0, 0, 0, 1]);
/**
 * How long a missing packet is waited for before it counts as lost. werift NACKs a gap every
 * 5 ms, ten times; a retransmission comes a round trip later, so 150 ms covers round trips up
 * to about 100 ms. The packet count bounds the wait for high-rate streams.
 */
export const REORDER_LIMITS: ReorderLimits = { window: 128, maxWaitMs: 150 };

const nalType = (byte: number): number => byte & 0x1f;
const isSlice = (type: number): boolean => type >= NAL.NON_IDR_SLICE && type <= NAL.IDR_SLICE;

/**
 * RTP H.264 payloads (RFC 6184, packetization modes 0 and 1: single NAL unit, STAP-A, FU-A)
 * to Annex-B access units. Packets are put in sequence order first; a picture ends at the
 * marker bit, or when the timestamp changes (a lost marker). After a loss, a malformed
 * payload, or at the start, pictures are dropped until an IDR, since P-slices would only
 * decode to smeared garbage. Access unit delimiters are dropped: the decoder adds its own.
 */
export class H264Depacketizer {
  private readonly reorder: SequenceReorder<RtpVideoPacket>;
  private nalUnits: Uint8Array[] = [];
  /** Fragments of the FU-A NAL unit being put together (its rebuilt header first). */
  private fragments: Uint8Array[] | null = null;
  private timestamp: number | null = null;
  private broken = false;
  private waitingForKeyframe = true;

  constructor(
    private readonly events: DepacketizerEvents,
    limits: ReorderLimits = REORDER_LIMITS,
  ) {
    this.reorder = new SequenceReorder(limits, { packet: (p) => this.inOrder(p), gap: () => this.resync() });
  }

  push(packet: RtpVideoPacket): void {
    this.reorder.push(packet);
  }

  /** Drops the picture in progress and everything up to the next IDR (a loss, a decoder that fell behind). */
  resync(): void {
    this.discard();
    this.waitingForKeyframe = true;
  }

  private inOrder(packet: RtpVideoPacket): void {
    if (this.timestamp !== null && packet.timestamp !== this.timestamp) this.finishAccessUnit();
    this.timestamp = packet.timestamp;
    if (!this.broken && !this.takePayload(packet.payload)) {
      // The rest of this picture cannot be trusted; wait for the next IDR.
      this.broken = true;
      this.waitingForKeyframe = true;
    }
    if (packet.marker) this.finishAccessUnit();
  }

  /** False when the payload cannot be used (malformed, a fragment without its start, an unsupported type). */
  private takePayload(payload: Uint8Array): boolean {
    if (payload.length < 1) return false;
    const type = nalType(payload[0]);
    if (type === NAL.FU_A) return this.takeFragment(payload);
    if (this.fragments !== null) return false; // an FU-A NAL unit never got its end
    if (type === NAL.STAP_A) return this.takeAggregate(payload);
    if (type >= 1 && type <= 23) {
      this.addNalUnit(payload);
      return true;
    }
    return false; // STAP-B, MTAP, FU-B (packetization mode 2) and reserved types
  }

  private takeAggregate(payload: Uint8Array): boolean {
    let offset = 1;
    while (offset < payload.length) {
      if (offset + 2 > payload.length) return false;
      const size = (payload[offset] << 8) | payload[offset + 1];
      offset += 2;
      if (size === 0 || offset + size > payload.length) return false;
      this.addNalUnit(payload.subarray(offset, offset + size));
      offset += size;
    }
    return true;
  }

  private takeFragment(payload: Uint8Array): boolean {
    if (payload.length < 3) return false;
    const indicator = payload[0];
    const header = payload[1];
    const start = (header & 0x80) !== 0;
    const end = (header & 0x40) !== 0;
    if (start) {
      if (this.fragments !== null) return false;
      this.fragments = [Uint8Array.of((indicator & 0xe0) | nalType(header))];
    } else if (this.fragments === null) {
      return false;
    }
    this.fragments.push(payload.subarray(2));
    if (end) {
      this.addNalUnit(Buffer.concat(this.fragments));
      this.fragments = null;
    }
    return true;
  }

  private addNalUnit(nal: Uint8Array): void {
    if (nalType(nal[0]) !== NAL.AUD) this.nalUnits.push(nal);
  }

  private finishAccessUnit(): void {
    const units = this.nalUnits;
    const incomplete = this.broken || this.fragments !== null;
    const timestamp = this.timestamp ?? 0;
    this.discard();
    if (incomplete) this.waitingForKeyframe = true;
    if (incomplete || units.length === 0) {
      if (incomplete) this.events.keyframeNeeded();
      return;
    }
    const types = units.map((u) => nalType(u[0]));
    const keyframe = types.includes(NAL.IDR_SLICE);
    // Parameter sets and SEI alone depend on nothing and may precede the IDR in their own unit.
    if (this.waitingForKeyframe && !keyframe && types.some(isSlice)) {
      this.events.keyframeNeeded();
      return;
    }
    if (keyframe) this.waitingForKeyframe = false;
    this.events.accessUnit({ data: Buffer.concat(units.flatMap((u) => [START_CODE, u])), timestamp, keyframe });
  }

  private discard(): void {
    this.nalUnits = [];
    this.fragments = null;
    this.timestamp = null;
    this.broken = false;
  }
}
