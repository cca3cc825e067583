import type { I420Frame, nonstandard } from '../webrtc/wrtc';

/** A libwebrtc media track (what viewers' peers send). */
export type Track = ConstructorParameters<typeof nonstandard.RTCVideoSink>[0];

/** What an ingest reports to its publication. */
export interface IngestEvents {
  /** A decoded picture of the publisher's video. */
  frame(frame: I420Frame): void;
  /** The publisher is gone (peer closed or failed, video decoder died): the publication ends. */
  gone(reason: string): void;
  /** Something failed that the publication survives (the audio decoder died): logged. */
  trouble(reason: string): void;
  /** The cartoon's current server latency, ms: relayed audio is delayed by it to stay in sync. */
  videoDelayMs(): number;
}

/**
 * The receiving half of a WHIP publication: a server peer that answers the publisher's offer
 * and turns its video into I420 frames. Two exist: libwebrtc (@roamhq/wrtc) for VP8/VP9/AV1,
 * and werift + ffmpeg for H.264, which libwebrtc here cannot decode. Everything after the
 * frames (cartoonizing, viewers, sessions, timeouts) is the publication's and shared.
 */
export interface Ingest {
  /** Takes the publisher's offer and returns the answer with every ICE candidate. */
  answer(offerSdp: string): Promise<string>;
  /** The publisher's audio for viewers (a libwebrtc track), or null when none is relayed. */
  readonly audio: Track | null;
  /** Frees the peer and decoder; idempotent. */
  close(): void;
}

export type IngestFactory = (events: IngestEvents) => Ingest;

/** The SDP of a peer's local description once setLocalDescription has resolved. */
export function localSdp(description: { readonly sdp: string } | null | undefined): string {
  if (!description) throw new Error('no local description after setLocalDescription');
  return description.sdp;
}
