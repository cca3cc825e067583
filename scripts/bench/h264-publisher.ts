// A WHIP publisher that sends H.264 the way OBS's default setup does: a werift peer offers
// H.264 (packetization-mode 1) and Opus, POSTs the offer with every candidate, and sends the
// pictures of an H264Video as RTP (and Opus packets, if given). The video is a pre-encoded
// clip, looped (integration tests), or frames encoded live by ffmpeg (the whip bench).
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { nalType, packetizeAccessUnit } from './h264-rtp';
import { WhipHttpError } from './whip-client';

export const RTP_CLOCK = 90_000;

/** Where a publisher's pictures come from, pushed as they are ready. */
export interface H264Video {
  /**
   * Called once the peer is connected. `send` takes one picture: its NAL units without start
   * codes, and its timestamp on the 90 kHz RTP clock.
   */
  start(send: (nals: readonly Uint8Array[], timestamp: number) => void): void;
  /** The server asked for a keyframe (RTCP PLI). */
  keyframeRequested(): void;
  stop(): void;
}

/** A pre-encoded clip (first unit an IDR), looped at `fps`; a keyframe request jumps to its next IDR, as an encoder would make one. */
export function loopedClip(accessUnits: readonly (readonly Uint8Array[])[], fps: number): H264Video {
  const keyframes = accessUnits.flatMap((nals, i) => (nals.some((n) => nalType(n) === 5) ? [i] : []));
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    start(send) {
      let sent = 0;
      timer = setInterval(() => {
        send(accessUnits[next], (sent++ * RTP_CLOCK) / fps);
        next = (next + 1) % accessUnits.length;
      }, 1000 / fps);
    },
    keyframeRequested() {
      next = keyframes.find((k) => k >= next) ?? 0;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export interface H264PublisherOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly video: H264Video;
  /** Query string for /whip, e.g. "model=toon-invert". */
  readonly query?: string;
  /** Packets (counted from 0) never sent, as if lost on the way (no retransmission either). */
  readonly lose?: (packetIndex: number) => boolean;
  /** Opus packets of 20 ms to send on the audio section, looped; none: the section stays silent. */
  readonly opusPackets?: readonly Uint8Array[];
}

export interface H264Publisher {
  readonly resource: string;
  readonly id: string;
  /** The SDP answer the server sent. */
  readonly answer: string;
  readonly sentPictures: () => number;
  /** Keyframe requests (RTCP PLI) received from the server. */
  readonly keyframeRequests: () => number;
  stop(): Promise<number>;
  /** Leaves without DELETE. */
  close(): void;
}

export async function publishH264(options: H264PublisherOptions): Promise<H264Publisher> {
  const pc = new RTCPeerConnection({
    iceServers: [],
    // One transport for both sections, as OBS does; werift's default (max-compat) also leaves
    // the unused second transport's sockets open after close, which keeps jest from exiting.
    bundlePolicy: 'max-bundle',
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: RTP_CLOCK, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }], parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' })],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 })],
    },
  });
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const url = new URL(`/whip${options.query ? `?${options.query}` : ''}`, options.baseUrl);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${options.token}` }, body: pc.localDescription!.sdp });
  const answer = await res.text();
  if (res.status !== 201) {
    await pc.close();
    throw new WhipHttpError(res.status, answer);
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  const resource = new URL(res.headers.get('location')!, url).toString();

  let closed = false;
  let sent = 0;
  let packetIndex = 0;
  let plis = 0;
  let sequenceNumber = Math.floor(Math.random() * 0x10000);
  video.sender.onPictureLossIndication.subscribe(() => {
    plis++;
    options.video.keyframeRequested();
  });
  const send = (nals: readonly Uint8Array[], timestamp: number): void => {
    if (pc.connectionState !== 'connected') return;
    const payloads = packetizeAccessUnit(nals);
    payloads.forEach((payload, k) => {
      const header = new RtpHeader({ sequenceNumber, timestamp: timestamp >>> 0, marker: k === payloads.length - 1, payloadType: 96 });
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
      if (!options.lose?.(packetIndex++)) void video.sender.sendRtp(new RtpPacket(header, payload));
    });
    sent++;
  };
  let started = false;
  const startVideo = (): void => {
    if (started || closed || pc.connectionState !== 'connected') return;
    started = true;
    options.video.start(send);
  };
  pc.connectionStateChange.subscribe(startVideo);
  startVideo();
  const opus = options.opusPackets ?? [];
  let opusSent = 0;
  const audioTimer = setInterval(() => {
    if (opus.length === 0 || pc.connectionState !== 'connected') return;
    const header = new RtpHeader({ sequenceNumber: opusSent & 0xffff, timestamp: (opusSent * 960) >>> 0, marker: opusSent === 0, payloadType: 111 });
    void audio.sender.sendRtp(new RtpPacket(header, Buffer.from(opus[opusSent % opus.length])));
    opusSent++;
  }, 20);

  const close = (): void => {
    if (closed) return;
    closed = true;
    options.video.stop();
    clearInterval(audioTimer);
    pc.close().catch(() => undefined);
  };
  return {
    resource,
    id: resource.split('/').pop()!,
    answer,
    sentPictures: () => sent,
    keyframeRequests: () => plis,
    async stop() {
      const status = (await fetch(resource, { method: 'DELETE', headers: { authorization: `Bearer ${options.token}` } })).status;
      close();
      return status;
    },
    close,
  };
}
