import { RTCPeerConnection, RTCRtpCodecParameters, type MediaStreamTrack, type RTCRtpReceiver, type RtpPacket } from 'werift';
import type { IceServer } from '../../config';
import { localSdp, type Ingest, type IngestEvents, type Track } from '../ingest';
import { H264Decoder } from './decoder';
import { H264Depacketizer, type AccessUnit } from './depacketizer';
import { OpusAudio } from './opus-audio';

/** At most one keyframe request (RTCP PLI) per this long: a keyframe takes a round trip to come. */
const PLI_INTERVAL_MS = 500;

/** Packetization mode 0 (single NAL units) and 1 (plus STAP-A, FU-A) are what the depacketizer reads. */
export function packetizationMode(fmtp: string | undefined): number {
  const match = /(?:^|;)\s*packetization-mode=(\d+)/.exec(fmtp ?? '');
  return match ? Number(match[1]) : 0;
}

/**
 * The offered H.264 variants the answer keeps, in the offer's order with mode 1 first: werift
 * matches codecs by name only and answers with the offer's own parameters (profile-level-id,
 * packetization-mode), so the answer mirrors what the publisher proposed.
 */
export function answerableH264<C extends { readonly mimeType: string; readonly parameters?: string }>(offered: readonly C[]): C[] {
  const usable = offered.filter((c) => c.mimeType.toLowerCase() === 'video/h264' && packetizationMode(c.parameters) <= 1);
  return [...usable.filter((c) => packetizationMode(c.parameters) === 1), ...usable.filter((c) => packetizationMode(c.parameters) === 0)];
}

function weriftPeer(iceServers: readonly IceServer[]): RTCPeerConnection {
  const feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }];
  return new RTCPeerConnection({
    // Without this werift would ask Google's STUN server.
    iceServers: iceServers.map((s) => ({ ...s, urls: typeof s.urls === 'string' ? s.urls : [...s.urls] })),
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: feedback, parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' })],
      // OBS and ffmpeg's whip muxer send Opus; an audio section without it fails negotiation.
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    },
  });
}

export interface H264IngestOptions {
  readonly ffmpeg: string;
  readonly iceServers: readonly IceServer[];
}

/**
 * Ingest for H.264 publishers (OBS's default encoder, ffmpeg's whip muxer), which libwebrtc
 * here cannot decode: werift (pure TypeScript ICE, DTLS, SRTP, RTP) receives the RTP, the
 * depacketizer rebuilds the access units, and one ffmpeg process decodes them to I420. Loss
 * or a decoder that falls behind drops pictures up to the next IDR, asked for with a PLI.
 * The Opus audio is decoded by a second ffmpeg and relayed to the viewers (OpusAudio).
 */
export class H264Ingest implements Ingest {
  private readonly pc: RTCPeerConnection;
  private readonly depacketizer: H264Depacketizer;
  private readonly unsubscribe: Array<() => void> = [];
  private decoder: H264Decoder | null = null;
  private opus: OpusAudio | null = null;
  private receiver: RTCRtpReceiver | null = null;
  private mediaSsrc = 0;
  private lastKeyframeRequestAt = -Infinity;
  private closed = false;

  constructor(
    private readonly events: IngestEvents,
    private readonly options: H264IngestOptions,
  ) {
    this.pc = weriftPeer(options.iceServers);
    this.depacketizer = new H264Depacketizer({ accessUnit: (unit) => this.decode(unit), keyframeNeeded: () => this.requestKeyframe() });
    const watch = this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') events.gone(`peer ${state}`);
    });
    this.unsubscribe.push(watch.unSubscribe);
  }

  get audio(): Track | null {
    return this.opus?.track ?? null;
  }

  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    // Tracks known from the offer's a=ssrc lines (OBS, ffmpeg and browsers send them); simulcast
    // layers (rid) would only appear with their first packet and are not taken.
    const video = this.pc.getTransceivers().find((t) => t.kind === 'video' && t.receiver.tracks.length > 0);
    if (!video) throw new Error('the offer has no video track with an SSRC (a=ssrc) that werift can receive');
    const h264 = answerableH264(video.codecs);
    if (h264.length === 0) throw new Error('the offered H.264 needs packetization-mode 2; modes 0 and 1 are supported');
    video.codecs = h264;
    const payloadTypes = new Set(h264.map((c) => c.payloadType));
    this.receiver = video.receiver;
    this.subscribe(video.receiver.tracks[0], payloadTypes, (rtp) => this.receive(rtp));
    this.decoder = new H264Decoder(this.options.ffmpeg, { frame: (frame) => this.events.frame(frame), failed: (reason) => this.events.gone(reason) });
    this.receiveAudio();
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    // A DTLS close alert (a publisher that stops without DELETE) closes a transport at once,
    // without changing werift's connection state; ICE consent would take about 30 s.
    for (const transport of this.pc.dtlsTransports) {
      const sub = transport.onStateChange.subscribe((state) => {
        if (state === 'closed' || state === 'failed') this.events.gone('peer left');
      });
      this.unsubscribe.push(sub.unSubscribe);
    }
    // werift has gathered every candidate by the time setLocalDescription resolves.
    return localSdp(this.pc.localDescription);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    this.decoder?.close();
    this.opus?.stop();
    this.pc.close().catch(() => undefined);
  }

  /** The first audio section with Opus, decoded and relayed; a failure silences it, the video goes on. */
  private receiveAudio(): void {
    const audio = this.pc.getTransceivers().find((t) => t.kind === 'audio' && t.receiver.tracks.length > 0);
    const opus = audio?.codecs.filter((c) => c.mimeType.toLowerCase() === 'audio/opus') ?? [];
    if (!audio || opus.length === 0) return;
    const relay = new OpusAudio(this.options.ffmpeg, () => this.events.videoDelayMs(), (reason) => {
      relay.stop();
      this.opus = null; // viewers that join later get no audio track
      this.events.trouble(reason);
    });
    this.opus = relay;
    this.subscribe(audio.receiver.tracks[0], new Set(opus.map((c) => c.payloadType)), (rtp) => {
      const { sequenceNumber, timestamp } = rtp.header;
      relay.push({ sequenceNumber, timestamp, payload: rtp.payload });
    });
  }

  private subscribe(track: MediaStreamTrack, payloadTypes: ReadonlySet<number>, receive: (rtp: RtpPacket) => void): void {
    const packets = track.onReceiveRtp.subscribe((rtp) => {
      if (!this.closed && payloadTypes.has(rtp.header.payloadType)) receive(rtp);
    });
    this.unsubscribe.push(packets.unSubscribe);
  }

  private receive(rtp: RtpPacket): void {
    const { sequenceNumber, timestamp, marker, ssrc } = rtp.header;
    this.mediaSsrc = ssrc;
    this.depacketizer.push({ sequenceNumber, timestamp, marker, payload: rtp.payload });
  }

  private decode(unit: AccessUnit): void {
    // ffmpeg far behind (a stalled machine): skip to the next keyframe rather than queue more.
    if (!this.decoder?.write(unit.data)) this.depacketizer.resync();
  }

  private requestKeyframe(): void {
    const now = performance.now();
    if (!this.receiver || now - this.lastKeyframeRequestAt < PLI_INTERVAL_MS) return;
    this.lastKeyframeRequestAt = now;
    void this.receiver.sendRtcpPLI(this.mediaSsrc);
  }
}
