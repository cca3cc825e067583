import { HttpError } from '../../http/errors';

export const MAX_SDP_BYTES = 64 * 1024;

/** What the server peer (@roamhq/wrtc's libwebrtc) can decode and encode; it has no H.264. */
export const VIDEO_CODECS = ['VP8', 'VP9', 'AV1'] as const;

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
 * video (WHIP); `play`: it receives video (WHEP).
 */
export function checkOffer(body: unknown, role: 'publish' | 'play'): string {
  if (typeof body !== 'string' || !body.startsWith('v=0')) throw new HttpError(400, 'the body must be an SDP offer (text starting with "v=0")');
  const video = sections(body).filter((s) => s.kind === 'video');
  const wanted = role === 'publish' ? ['sendonly', 'sendrecv'] : ['recvonly', 'sendrecv'];
  const usable = video.filter((s) => wanted.includes(s.direction));
  if (usable.length === 0) {
    throw new HttpError(400, role === 'publish' ? 'the offer sends no video (no sendonly/sendrecv m=video section)' : 'the offer receives no video (no recvonly/sendrecv m=video section)');
  }
  const offered = [...new Set(usable.flatMap((s) => s.codecs))].filter((c) => !['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'].includes(c));
  if (!offered.some((c) => (VIDEO_CODECS as readonly string[]).includes(c))) {
    throw new HttpError(400, `the offer's video codecs (${offered.join(', ') || 'none'}) are not supported: this server takes ${VIDEO_CODECS.join(', ')} (in OBS pick an AV1 encoder)`);
  }
  return body;
}
