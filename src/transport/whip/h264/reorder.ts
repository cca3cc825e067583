/** RTP sequence numbers are 16 bits and wrap. */
const SEQ_MOD = 0x10000;
const HALF = 0x8000;

export interface ReorderEvents<P> {
  /** The next packet in sequence order. */
  packet(packet: P): void;
  /** `lost` packets before the next one delivered will never come. */
  gap(lost: number): void;
}

export interface ReorderLimits {
  /** Packets that may wait for a missing one; one more and it counts as lost. */
  readonly window: number;
  /** How long a missing packet is waited for (a NACK retransmission takes a round trip), ms. */
  readonly maxWaitMs: number;
  readonly now?: () => number;
}

/**
 * Puts RTP packets back in sequence order. A packet that comes early waits until the ones
 * before it arrive (a NACK retransmission, a reordered route); once more than `window` packets
 * wait, or the first of them has waited `maxWaitMs` (checked as packets arrive), the missing
 * ones count as lost and delivery jumps over them. Late packets (older than what was already
 * delivered or skipped) and duplicates are dropped. A run of `window` late packets means the
 * sender restarted its numbering, and the buffer starts over from it.
 */
export class SequenceReorder<P extends { readonly sequenceNumber: number }> {
  private expected: number | null = null;
  private readonly waiting = new Map<number, P>();
  /** When the packet now missing was first missed (something arrived after it). */
  private missingSince = 0;
  private lateRun = 0;
  private readonly window: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;

  constructor(limits: ReorderLimits, private readonly events: ReorderEvents<P>) {
    this.window = limits.window;
    this.maxWaitMs = limits.maxWaitMs;
    this.now = limits.now ?? (() => performance.now());
  }

  push(packet: P): void {
    const seq = packet.sequenceNumber;
    this.expected ??= seq;
    const ahead = (seq - this.expected + SEQ_MOD) % SEQ_MOD;
    if (ahead >= HALF) {
      if (++this.lateRun > this.window) this.restartAt(packet);
      return;
    }
    this.lateRun = 0;
    if (this.waiting.size === 0 && ahead > 0) this.missingSince = this.now();
    this.waiting.set(seq, packet);
    if (this.deliverInOrder() > 0 && this.waiting.size > 0) this.missingSince = this.now();
    if (this.waiting.size > this.window || (this.waiting.size > 0 && this.now() - this.missingSince > this.maxWaitMs)) this.skipGap();
  }

  /** Delivers the packets now in sequence; returns how many. */
  private deliverInOrder(): number {
    let delivered = 0;
    for (let next = this.waiting.get(this.expected!); next !== undefined; next = this.waiting.get(this.expected!)) {
      this.waiting.delete(this.expected!);
      this.expected = (this.expected! + 1) % SEQ_MOD;
      this.events.packet(next);
      delivered++;
    }
    return delivered;
  }

  private skipGap(): void {
    let lost = SEQ_MOD;
    for (const seq of this.waiting.keys()) lost = Math.min(lost, (seq - this.expected! + SEQ_MOD) % SEQ_MOD);
    this.expected = (this.expected! + lost) % SEQ_MOD;
    this.events.gap(lost);
    this.deliverInOrder();
    // Packets still waiting are behind a further gap, missed from now on.
    this.missingSince = this.now();
  }

  private restartAt(packet: P): void {
    const dropped = this.waiting.size;
    this.waiting.clear();
    this.lateRun = 0;
    this.expected = packet.sequenceNumber;
    this.events.gap(dropped);
    this.push(packet);
  }
}
