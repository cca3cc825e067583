import { HttpError } from '../../http/errors';

export const MAX_SDP_BYTES = 64 * 1024;

/** What libwebrtc (@roamhq/wrtc) decodes and encodes: all WHEP viewers get, what WHIP prefers. It has no H.264. */
export const LIBWEBRTC_VIDEO_CODECS = ['VP8', 'VP9', 'AV1'] as const;
/** What a WHIP publisher may send: H.264 goes through werift and ffmpeg instead. */
export const PUBLISH_VIDEO_CODECS = [...LIBWEBRTC_VIDEO_CODECS, 'H264'] as const;

/** Which ingest answers a publisher: libwebrtc (VP8/VP9/AV1) or werift + ffmpeg (H.264). */
export type IngestKind = 'libwebrtc' | 'h264';

export interface CheckedOffer {
  readonly sdp: string;
  /** The video codecs of the usable video sections, upper case, without RTX/RED/FEC. */
  readonly videoCodecs: readonly string[];
}

const REPAIR_CODECS = ['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'];

interface MediaSection {
  readonly kind: string;
  readonly direction: string;
  readonly codecs: readonly string[];
}

function sections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  const session = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp.split(/^m=/m)[0])?.[1] ?? 'sendrecv';
  for (const block of sdp.split(/\r?\n(?=m=)/).slice(1)) {
    const kind = /^m=(\w+)/.exec(block)?.[1] ?? '';
    const direction = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(block)?.[1] ?? session;
    const codecs = [...block.matchAll(/^a=rtpmap:\d+ ([\w-]+)\//gm)].map((m) => m[1].toUpperCase());
    out.push({ kind, direction, codecs });
  }
  return out;
}

/**
 * Checks a WHIP/WHEP offer before it reaches the peer connection, so a client gets a 400 that
 * says what is wrong instead of an answer whose video is rejected. `publish`: the client sends
 * video (WHIP), in any of PUBLISH_VIDEO_CODECS; `play`: it receives video (WHEP), which the
 * server encodes with libwebrtc.
 */
export function checkOffer(body: unknown, role: 'publish' | 'play'): CheckedOffer {
  if (typeof body !== 'string' || !body.startsWith('v=0')) throw new HttpError(400, 'the body must be an SDP offer (text starting with "v=0")');
  const video = sections(body).filter((s) => s.kind === 'video');
  const wanted = role === 'publish' ? ['sendonly', 'sendrecv'] : ['recvonly', 'sendrecv'];
  const usable = video.filter((s) => wanted.includes(s.direction));
  if (usable.length === 0) {
    throw new HttpError(400, role === 'publish' ? 'the offer sends no video (no sendonly/sendrecv m=video section)' : 'the offer receives no video (no recvonly/sendrecv m=video section)');
  }
  const videoCodecs = [...new Set(usable.flatMap((s) => s.codecs))].filter((c) => !REPAIR_CODECS.includes(c));
  const supported: readonly string[] = role === 'publish' ? PUBLISH_VIDEO_CODECS : LIBWEBRTC_VIDEO_CODECS;
  if (!videoCodecs.some((c) => supported.includes(c))) {
    throw new HttpError(400, `the offer's video codecs (${videoCodecs.join(', ') || 'none'}) are not supported: this server ${role === 'publish' ? 'takes' : 'sends'} ${supported.join(', ')}`);
  }
  return { sdp: body, videoCodecs };
}

/**
 * libwebrtc whenever the offer has a codec it decodes (it decodes in-process, relays the audio,
 * and is what browsers and GStreamer setups send); werift + ffmpeg only when H.264 is all there
 * is (OBS's default encoder, ffmpeg's whip muxer).
 */
export function ingestKindFor(videoCodecs: readonly string[]): IngestKind {
  return videoCodecs.some((c) => (LIBWEBRTC_VIDEO_CODECS as readonly string[]).includes(c)) ? 'libwebrtc' : 'h264';
}
