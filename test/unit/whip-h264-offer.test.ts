import { HttpError } from '../../src/http/errors';
import { DecoderUnavailableError, h264DecodeArgs, h264DecoderBinary } from '../../src/transport/whip/h264/decoder';
import { answerableH264, packetizationMode } from '../../src/transport/whip/h264/ingest';
import { checkOffer, ingestKindFor } from '../../src/transport/whip/sdp';

/** An offer with one video section carrying the given rtpmap/fmtp lines. */
function offer(direction: string, ...codecs: Array<[number, string, string?]>): string {
  const lines = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', `m=video 9 UDP/TLS/RTP/SAVPF ${codecs.map((c) => c[0]).join(' ')}`, 'c=IN IP4 0.0.0.0', 'a=mid:0', `a=${direction}`];
  for (const [pt, name, fmtp] of codecs) {
    lines.push(`a=rtpmap:${pt} ${name}/90000`);
    if (fmtp) lines.push(`a=fmtp:${pt} ${fmtp}`);
  }
  return [...lines, ''].join('\r\n');
}

/** What OBS 30+ offers with its default (x264/NVENC H.264) encoder: H.264 only. */
const obsLike = offer('sendonly', [96, 'H264', 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1'], [97, 'H264', 'profile-level-id=640c1f;packetization-mode=1;level-asymmetry-allowed=1']);
/** A browser offer: every codec, with RTX. */
const browserLike = offer('sendonly', [96, 'VP8'], [97, 'rtx', 'apt=96'], [102, 'H264', 'packetization-mode=1'], [45, 'AV1']);

function httpError(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('no HttpError thrown');
}

describe('WHIP offer: which ingest answers it', () => {
  it('lists the usable video codecs without repair codecs', () => {
    expect(checkOffer(obsLike, 'publish').videoCodecs).toEqual(['H264']);
    expect(checkOffer(browserLike, 'publish').videoCodecs).toEqual(['VP8', 'H264', 'AV1']);
  });

  it('sends H.264-only offers (OBS, ffmpeg) to werift + ffmpeg, anything libwebrtc decodes to libwebrtc', () => {
    expect(ingestKindFor(['H264'])).toBe('h264');
    expect(ingestKindFor(['VP8', 'H264', 'AV1'])).toBe('libwebrtc');
    expect(ingestKindFor(['H264', 'AV1'])).toBe('libwebrtc');
    expect(ingestKindFor(['VP9'])).toBe('libwebrtc');
  });

  it('refuses a publish offer with none of VP8/VP9/AV1/H264 (400 naming what was offered)', () => {
    const error = httpError(() => checkOffer(offer('sendonly', [96, 'H265'], [97, 'rtx', 'apt=96']), 'publish'));
    expect([error.status, error.message]).toEqual([400, "the offer's video codecs (H265) are not supported: this server takes VP8, VP9, AV1, H264"]);
  });

  it('still refuses H.264-only WHEP (play) offers: viewers are libwebrtc peers', () => {
    const error = httpError(() => checkOffer(offer('recvonly', [96, 'H264', 'packetization-mode=1']), 'play'));
    expect([error.status, error.message]).toEqual([400, "the offer's video codecs (H264) are not supported: this server sends VP8, VP9, AV1"]);
    expect(checkOffer(offer('recvonly', [96, 'VP8']), 'play').videoCodecs).toEqual(['VP8']);
  });
});

describe('H.264 answer parameters', () => {
  const codec = (mimeType: string, parameters?: string) => ({ mimeType, parameters });

  it('reads packetization-mode (absent means 0)', () => {
    expect(packetizationMode('profile-level-id=42e01f;packetization-mode=1')).toBe(1);
    expect(packetizationMode('packetization-mode=2; profile-level-id=42e01f')).toBe(2);
    expect(packetizationMode('profile-level-id=42e01f')).toBe(0);
    expect(packetizationMode(undefined)).toBe(0);
  });

  it('keeps the offered H.264 variants (their own profile-level-id) the depacketizer reads, mode 1 first', () => {
    const offered = [
      codec('video/H264', 'profile-level-id=42001f'),
      codec('video/H264', 'profile-level-id=640c1f;packetization-mode=1'),
      codec('video/H264', 'profile-level-id=42e01f;packetization-mode=2'),
      codec('video/rtx', 'apt=96'),
      codec('video/H264', 'profile-level-id=42e01f;packetization-mode=1'),
    ];
    expect(answerableH264(offered)).toEqual([offered[1], offered[4], offered[0]]);
    expect(answerableH264([offered[2]])).toEqual([]);
  });
});

describe('H.264 decoder (ffmpeg)', () => {
  it('is 503 material when ffmpeg is missing or not executable', () => {
    expect(() => h264DecoderBinary(() => { throw new Error('ffmpeg/ffprobe not found'); })).toThrow(DecoderUnavailableError);
    expect(() => h264DecoderBinary(() => '/nonexistent/ffmpeg')).toThrow(/H\.264 publications need ffmpeg on the server, and it is not available \(.*\/nonexistent\/ffmpeg/);
    expect(h264DecoderBinary(() => process.execPath)).toBe(process.execPath);
  });

  it('decodes from a pipe with the low-delay flags and without nobuffer (it drops the first keyframe)', () => {
    const args = h264DecodeArgs();
    expect(args.join(' ')).toContain('-probesize 32 -analyzeduration 0 -flags low_delay -f h264 -i pipe:0');
    expect(args.join(' ')).toContain('-pix_fmt yuv420p -f yuv4mpegpipe pipe:1');
    expect(args).not.toContain('nobuffer');
  });
});
