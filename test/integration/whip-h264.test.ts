/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { spawnSync } from 'node:child_process';
import { loopedClip, publishH264, type H264Publisher } from '../../scripts/bench/h264-publisher';
import { accessUnits, splitAnnexB } from '../../scripts/bench/h264-rtp';
import { playWhep, type WhepPlayer } from '../../scripts/bench/whip-client';
import { waitFor } from '../../scripts/bench/live-client';
import { ffmpegBinaries } from '../../src/media/binaries';
import type { LiveSessionInfo } from '../../src/transport';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { H264Decoder, h264DecoderBinary } from '../../src/transport/whip/h264/decoder';
import { readOgg } from '../support/ogg';
import { lumaDiff, sessionsGone, sleep, startLiveServer, type LiveServer } from './transport-helpers';
import { closeWhipPeersAndServer, liveSessions, negativeDiff, probeWhepAudio } from './whip-helpers';

const TOKEN = 'test-token-h264-0123456789';
const WIDTH = 320;
const HEIGHT = 240;
const FRAME_BYTES = (WIDTH * HEIGHT * 3) / 2;

/** A 3 s clip as OBS's x264 would send it to WHIP: baseline, no B-frames, an IDR every 30 pictures. */
function encodeClip(): Buffer {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=30`, '-t', '3', '-c:v', 'libx264', '-profile:v', 'baseline', '-bf', '0', '-g', '30', '-f', 'h264', 'pipe:1'];
  const run = spawnSync(ffmpegBinaries().ffmpeg, args, { maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`could not encode the test clip: ${run.stderr.toString()}`);
  return run.stdout;
}

/** One second of a 440 Hz tone as 20 ms Opus packets (what OBS sends beside H.264). */
function encodeTone(): Buffer[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '1', '-ac', '2', '-c:a', 'libopus', '-b:a', '64k', '-frame_duration', '20', '-f', 'ogg', 'pipe:1'];
  const run = spawnSync(ffmpegBinaries().ffmpeg, args, { maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`could not encode the test tone: ${run.stderr.toString()}`);
  return readOgg(run.stdout).packets.slice(2); // after OpusHead and OpusTags
}

/** The clip decoded by ffmpeg on its own: what the publisher's pictures look like. */
function decodeClip(clip: Buffer): I420Frame[] {
  const run = spawnSync(ffmpegBinaries().ffmpeg, ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], { input: clip, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`could not decode the test clip: ${run.stderr.toString()}`);
  const frames: I420Frame[] = [];
  for (let at = 0; at + FRAME_BYTES <= run.stdout.length; at += FRAME_BYTES) {
    frames.push({ width: WIDTH, height: HEIGHT, data: new Uint8Array(run.stdout.subarray(at, at + FRAME_BYTES)) });
  }
  return frames;
}

/** The source picture closest to a received frame by `diff` (the clip moves: which one it is, is not known). */
function closest(frame: I420Frame, sources: readonly I420Frame[], diff: (a: I420Frame, b: I420Frame) => number): { index: number; diff: number } {
  let best = { index: -1, diff: Infinity };
  sources.forEach((source, index) => {
    const d = diff(frame, source);
    if (d < best.diff) best = { index, diff: d };
  });
  return best;
}

/** What OBS 30 (libdatachannel) offers with its default H.264 encoder: session-level ICE/DTLS, audio first. */
const OBS_OFFER = [
  'v=0', 'o=rtc 3363541034 0 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=group:LS 0 1', 'a=msid-semantic:WMS *',
  'a=setup:actpass', 'a=ice-ufrag:Dq2H', 'a=ice-pwd:6VtyGzNkqu5s3lsbmwCHVI', 'a=ice-options:ice2,trickle',
  'a=fingerprint:sha-256 C2:48:C0:35:35:67:A6:DA:49:50:0F:17:70:95:AD:E9:6B:E8:07:F5:6D:A1:BE:6A:4A:9D:C2:1E:C6:D9:AD:54',
  'm=audio 56013 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 192.0.2.9', 'a=mid:0', 'a=sendonly', 'a=ssrc:1234 cname:obs', 'a=msid:obs-stream obs-audio', 'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1',
  'a=candidate:1 1 UDP 2122317823 192.0.2.9 56013 typ host', 'a=end-of-candidates',
  'm=video 56013 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 192.0.2.9', 'a=mid:1', 'a=sendonly', 'a=ssrc:1235 cname:obs', 'a=msid:obs-stream obs-video', 'a=rtcp-mux',
  'a=rtpmap:96 H264/90000', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli', 'a=rtcp-fb:96 goog-remb',
  'a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1', '',
].join('\r\n');

describe('WHIP ingest of H.264 (werift + ffmpeg)', () => {
  let server: LiveServer;
  let units: Uint8Array[][];
  let sources: I420Frame[];
  let tone: Buffer[];
  const peers: Array<{ close(): void }> = [];
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    server = await startLiveServer({ TOONSTREAM_WHIP_TOKEN: TOKEN, TOONSTREAM_LIVE_IDLE_TIMEOUT: '2', TOONSTREAM_LIVE_MAX_SESSIONS: '3' });
    const clip = encodeClip();
    units = accessUnits(splitAnnexB(clip));
    sources = decodeClip(clip);
    tone = encodeTone();
  });
  closeWhipPeersAndServer(peers, () => server);

  const sessions = (): Promise<LiveSessionInfo[]> => liveSessions(server.url);
  const publish = async (query?: string, lose?: (packetIndex: number) => boolean): Promise<H264Publisher> => {
    const p = await publishH264({ baseUrl: server.url, token: TOKEN, video: loopedClip(units, 30), query, lose });
    peers.push(p);
    return p;
  };
  const play = async (path: string, onFrame?: (f: I420Frame) => void, audio = false): Promise<WhepPlayer> => {
    const p = await playWhep({ baseUrl: server.url, token: TOKEN, path, onFrame, audio });
    peers.push(p);
    return p;
  };
  const postOffer = (sdp: string, headers: Record<string, string> = auth): Promise<Response> =>
    fetch(`${server.url}/whip`, { method: 'POST', headers: { ...headers, 'content-type': 'application/sdp' }, body: sdp });

  it('test clip: 90 pictures, IDR every 30, one slice each', () => {
    expect(units).toHaveLength(90);
    expect(sources).toHaveLength(90);
    expect(units.map((u, i) => [i, u.some((n) => (n[0] & 0x1f) === 5)]).filter(([, idr]) => idr).map(([i]) => i)).toEqual([0, 30, 60]);
  });

  it('decodes access units with ffmpeg one picture per unit, each out before the next unit goes in', async () => {
    const frames: I420Frame[] = [];
    const failures: string[] = [];
    const decoder = new H264Decoder(h264DecoderBinary(), { frame: (f) => frames.push(f), failed: (r) => failures.push(r) });
    try {
      for (let i = 0; i < 12; i++) {
        expect(decoder.write(Buffer.concat(units[i].flatMap((n) => [Buffer.from([0, 0, 0, 1]), n])))).toBe(true);
        await waitFor(() => frames.length === i + 1, 5000, `picture ${i} before unit ${i + 1} is written`);
      }
    } finally {
      decoder.close();
    }
    expect(failures).toEqual([]);
    frames.forEach((f, i) => {
      expect([f.width, f.height]).toEqual([WIDTH, HEIGHT]);
      expect(Buffer.from(f.data).equals(Buffer.from(sources[i].data))).toBe(true);
    });
  });

  it('takes an H.264 + Opus publisher, cartoonizes its pictures to a WHEP viewer with its sound, and DELETE ends it', async () => {
    const publisher = await publishH264({ baseUrl: server.url, token: TOKEN, video: loopedClip(units, 30), query: 'model=toon-invert', opusPackets: tone });
    peers.push(publisher);
    expect(publisher.answer).toMatch(/^a=rtpmap:\d+ H264\/90000/m);
    expect(publisher.answer).not.toMatch(/VP8|VP9|AV1/);
    expect(publisher.answer).toMatch(/^a=fmtp:\d+ .*packetization-mode=1/m);
    expect(publisher.answer).toMatch(/^a=candidate:/m);
    let last: I420Frame | null = null;
    const viewer = await play(`/whep/${publisher.id}`, (f) => void (last = f));
    await waitFor(() => viewer.received() >= 15, 20_000, 'cartoon frames on the viewer');
    const frame = last as unknown as I420Frame;
    expect([frame.width, frame.height]).toEqual([WIDTH, HEIGHT]);
    // toon-invert: the viewer sees the negative of one of the publisher's pictures.
    const match = closest(frame, sources, negativeDiff);
    expect(match.diff).toBeLessThan(12);
    expect(lumaDiff(frame, sources[match.index])).toBeGreaterThan(40);

    const rows = await sessions();
    const whip = rows.find((r) => r.transport === 'whip')!;
    expect(whip).toMatchObject({ id: publisher.id, viewers: 1, width: WIDTH, height: HEIGHT, settings: { model: 'toon-invert' } });
    expect(whip.stats.processed).toBeGreaterThan(0);
    expect(publisher.keyframeRequests()).toBe(0);

    // The tone, decoded by the server's Opus relay and re-encoded by libwebrtc for the viewer.
    const listener = await probeWhepAudio(server.url, TOKEN, `/whep/${publisher.id}`);
    peers.push(listener);
    await waitFor(() => listener.peak() > 2000, 10_000, 'the publisher\'s tone on a viewer');

    expect(await publisher.stop()).toBe(200);
    expect(await sessionsGone(server.url, 1000)).toEqual([]);
    expect((await fetch(publisher.resource, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('after a lost packet asks for a keyframe (PLI) and goes on from the next IDR', async () => {
    // Packet 40 is in the first seconds' P pictures; without NACK repair (never sent) it is a loss.
    const publisher = await publish('passthrough=true', (n) => n === 40);
    let last: I420Frame | null = null;
    const viewer = await play(`/whep/${publisher.id}`, (f) => void (last = f));
    await waitFor(() => publisher.keyframeRequests() >= 1, 15_000, 'a PLI from the server');
    const before = viewer.received();
    await waitFor(() => viewer.received() >= before + 10, 15_000, 'frames after the keyframe');
    // Passthrough: the viewer shows the publisher's pictures themselves.
    expect(closest(last as unknown as I420Frame, sources, lumaDiff).diff).toBeLessThan(8);
  });

  it('frees the publication when the publisher leaves without DELETE', async () => {
    const publisher = await publish();
    const decoded = async (): Promise<boolean> => (await sessions()).some((r) => r.transport === 'whip' && r.width === WIDTH);
    for (const until = Date.now() + 15_000; !(await decoded()) && Date.now() < until; ) await sleep(100);
    expect(await decoded()).toBe(true);
    publisher.close();
    // The idle timeout (2 s here) is the backstop; a closed peer may be noticed sooner.
    expect(await sessionsGone(server.url, 6000)).toEqual([]);
  });

  it("answers OBS's H.264 offer (201, H.264 in the answer, every candidate) and ends it on DELETE", async () => {
    const res = await postOffer(OBS_OFFER);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/sdp/);
    const answer = await res.text();
    expect(answer).toMatch(/^m=video 9 UDP\/TLS\/RTP\/SAVPF 96\r$/m);
    expect(answer).toMatch(/^a=rtpmap:96 H264\/90000\r$/m);
    expect(answer).toMatch(/^a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1\r$/m);
    expect(answer).toMatch(/^a=rtcp-fb:96 nack pli\r$/m);
    expect(answer).toMatch(/^a=setup:active\r$/m);
    expect(answer).toMatch(/^a=end-of-candidates\r$/m);
    const location = res.headers.get('location')!;
    expect((await sessions()).map((r) => r.transport)).toEqual(['whip']);
    expect((await fetch(`${server.url}${location}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    expect(await sessions()).toEqual([]);
  });

  it('refuses an H.264 offer without the bearer token (401), one werift cannot use (400 with its reason), and other codecs (400)', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
      const res = await postOffer(OBS_OFFER, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="toonstream"/);
    }
    await expect(publishH264({ baseUrl: server.url, token: 'wrong', video: loopedClip(units, 30) })).rejects.toMatchObject({ status: 401 });

    // No ICE credentials or fingerprint: werift refuses it, and says why.
    const bare = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=video 9 UDP/TLS/RTP/SAVPF 102', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendonly', 'a=rtpmap:102 H264/90000', ''].join('\r\n');
    const refused = await postOffer(bare);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^could not use the offer: \S/);

    const mode2 = OBS_OFFER.replace('packetization-mode=1', 'packetization-mode=2');
    const res2 = await postOffer(mode2);
    expect([res2.status, ((await res2.json()) as { error: string }).error]).toEqual([400, 'could not use the offer: the offered H.264 needs packetization-mode 2; modes 0 and 1 are supported']);

    const h265 = OBS_OFFER.replace('a=rtpmap:96 H264/90000', 'a=rtpmap:96 H265/90000');
    const res3 = await postOffer(h265);
    expect([res3.status, ((await res3.json()) as { error: string }).error]).toEqual([400, "the offer's video codecs (H265) are not supported: this server takes VP8, VP9, AV1, H264"]);
    // The server keeps serving, with nothing left behind.
    expect(await sessions()).toEqual([]);
  });
});
