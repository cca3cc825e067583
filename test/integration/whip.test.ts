/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import { playWhep, publishWhip, WhipHttpError, type WhepPlayer, type WhipPublisher } from '../../scripts/bench/whip-client';
import { waitFor } from '../../scripts/bench/live-client';
import type { LiveSessionInfo } from '../../src/transport';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { lumaDiff, photoI420, sessionsGone, sleep, startLiveServer, type LiveServer } from './transport-helpers';
import { closeWhipPeersAndServer, liveSessions, negativeDiff } from './whip-helpers';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A minimal offer that checkOffer accepts or refuses by its video section alone. */
function handmadeOffer(codec: string, direction = 'sendonly'): string {
  return ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=video 9 UDP/TLS/RTP/SAVPF 102', 'c=IN IP4 0.0.0.0', 'a=mid:0', `a=${direction}`, `a=rtpmap:102 ${codec}/90000`, ''].join('\r\n');
}

describe('WHIP ingest and WHEP egress', () => {
  let server: LiveServer;
  let photo: I420Frame;
  const peers: Array<WhipPublisher | WhepPlayer> = [];

  beforeAll(async () => {
    server = await startLiveServer({ TOONSTREAM_WHIP_TOKEN: TOKEN, TOONSTREAM_LIVE_IDLE_TIMEOUT: '2', TOONSTREAM_LIVE_MAX_SESSIONS: '3' });
    photo = await photoI420(640, 360);
  });
  closeWhipPeersAndServer(peers, () => server);

  const sessions = (): Promise<LiveSessionInfo[]> => liveSessions(server.url);
  const publish = async (query?: string, audio = false): Promise<WhipPublisher> => {
    const p = await publishWhip({ baseUrl: server.url, token: TOKEN, frame: () => photo, fps: 15, query, audio });
    peers.push(p);
    return p;
  };
  const play = async (path?: string, onFrame?: (f: I420Frame) => void, audio = false): Promise<WhepPlayer> => {
    const p = await playWhep({ baseUrl: server.url, token: TOKEN, path, onFrame, audio });
    peers.push(p);
    return p;
  };

  it('publishes to /whip, fans the cartoon out to WHEP viewers with the audio, and DELETE frees every session', async () => {
    const publisher = await publish('model=toon-invert', true);
    expect(publisher.resource).toMatch(new RegExp(`^${server.url}/whip/[0-9a-f-]{36}$`));
    let lastA: I420Frame | null = null;
    let lastB: I420Frame | null = null;
    const a = await play('/whep', (f) => void (lastA = f), true);
    const b = await play(`/whep/${publisher.id}`, (f) => void (lastB = f));
    expect(a.resource).toMatch(new RegExp(`/whep/${publisher.id}/[0-9a-f-]{36}$`));
    await waitFor(() => a.received() >= 8 && b.received() >= 8, 20_000, 'cartoon frames on both viewers');
    for (const frame of [lastA, lastB] as unknown as I420Frame[]) {
      expect([frame.width, frame.height]).toEqual([640, 360]);
      // toon-invert: what comes out is the photo's negative, pixel by pixel.
      expect(negativeDiff(frame, photo)).toBeLessThan(10);
      expect(lumaDiff(frame, photo)).toBeGreaterThan(40);
    }
    await waitFor(() => a.audioChunksReceived() > 0, 10_000, 'the publisher audio on the viewer');

    const rows = await sessions();
    expect(rows.map((r) => r.transport).sort()).toEqual(['whep', 'whep', 'whip']);
    const whip = rows.find((r) => r.transport === 'whip')!;
    expect(whip).toMatchObject({ id: publisher.id, viewers: 2, width: 640, height: 360, settings: { model: 'toon-invert', strength: 1 } });
    expect(whip.stats.processed).toBeGreaterThan(0);
    expect(rows.filter((r) => r.transport === 'whep').every((r) => r.publication === publisher.id)).toBe(true);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/toonstream_live_sessions\{transport="whep"\} 2/);

    expect(await b.stop()).toBe(200);
    expect((await sessions()).map((r) => r.transport).sort()).toEqual(['whep', 'whip']);
    expect(await publisher.stop()).toBe(200);
    // The viewer goes with its publication.
    expect(await sessionsGone(server.url, 1000)).toEqual([]);
    expect((await fetch(a.resource, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('finds the publication by /whep?stream=ID; 404 JSON without a live publication', async () => {
    const missing = await fetch(`${server.url}/whep`, { method: 'POST', headers: { ...auth, 'content-type': 'application/sdp' }, body: handmadeOffer('VP8', 'recvonly') });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no WHIP publication is live' });
    const publisher = await publish();
    await expect(play('/whep?stream=nope')).rejects.toMatchObject({ status: 404 });
    const viewer = await play(`/whep?stream=${publisher.id}`);
    await waitFor(() => viewer.received() >= 3, 20_000, 'frames');
  });

  it('refuses requests without the bearer token or with a wrong one (401, WWW-Authenticate: Bearer)', async () => {
    const offer = handmadeOffer('VP8');
    const cases: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }];
    for (const headers of cases) {
      for (const [method, path] of [['POST', '/whip'], ['POST', '/whep'], ['DELETE', '/whip/x'], ['DELETE', '/whep/x/y'], ['PATCH', '/whip/x']]) {
        const res = await fetch(`${server.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/sdp' }, body: method === 'DELETE' ? undefined : offer });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="toonstream"/);
        expect((await res.json()) as { error: string }).toEqual({ error: expect.stringMatching(/bearer token|Authorization: Bearer/) });
      }
    }
    await expect(publishWhip({ baseUrl: server.url, token: 'wrong', frame: () => photo, fps: 1 })).rejects.toMatchObject({ status: 401 });
    expect(await sessions()).toEqual([]);
  });

  it('answers 415 for a body that is not SDP, 400 for a bad offer, 405 for PATCH, and CORS preflights without auth', async () => {
    const post = async (body: string, type: string, path = '/whip'): Promise<[number, string]> => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': type }, body });
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    expect(await post('{"sdp":"v=0"}', 'application/json')).toEqual([415, 'send the SDP offer with Content-Type: application/sdp']);
    expect((await post('v=0', 'text/plain'))[0]).toBe(415);
    expect((await post('\x89PNG', 'image/png'))[0]).toBe(415);
    expect(await post('hello', 'application/sdp')).toEqual([400, 'the body must be an SDP offer (text starting with "v=0")']);
    expect(await post('', 'application/sdp')).toEqual([400, 'the body must be an SDP offer (text starting with "v=0")']);
    expect(await post('v=0\r\nnonsense', 'application/sdp')).toEqual([400, 'the offer sends no video (no sendonly/sendrecv m=video section)']);
    expect(await post(handmadeOffer('H265'), 'application/sdp')).toEqual([400, "the offer's video codecs (H265) are not supported: this server takes VP8, VP9, AV1, H264"]);
    // H.264 goes to the werift ingest (whip-h264.test.ts), which refuses an offer without ICE/DTLS too.
    expect(await post(handmadeOffer('H264'), 'application/sdp')).toEqual([400, expect.stringMatching(/^could not use the offer: /)]);
    const [status, error] = await post(handmadeOffer('VP8'), 'application/sdp');
    expect(status).toBe(400);
    expect(error).toMatch(/^could not use the offer/);
    expect((await post(handmadeOffer('VP8'), 'application/sdp', '/whip?model=nope'))).toEqual([404, 'unknown model "nope"']);
    expect((await post(handmadeOffer('VP8'), 'application/sdp', '/whip?strength=2'))).toEqual([400, 'strength must be a number from 0 to 1']);
    expect(await sessions()).toEqual([]);

    const patch = await fetch(`${server.url}/whip/x`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag' }, body: 'a=candidate' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('DELETE, PATCH, OPTIONS');

    const pre = await fetch(`${server.url}/whip`, { method: 'OPTIONS', headers: { origin: 'https://player.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Content-Type/);
    expect(pre.headers.get('access-control-expose-headers')).toContain('Location');
    expect((await fetch(`${server.url}/whep/a/b`, { method: 'OPTIONS' })).headers.get('access-control-allow-methods')).toContain('DELETE');
  });

  it('counts toward the live session limit (503 when full)', async () => {
    const publisher = await publish();
    await play(`/whep/${publisher.id}`);
    await play(`/whep/${publisher.id}`);
    await expect(play(`/whep/${publisher.id}`)).rejects.toMatchObject({ status: 503, body: expect.stringContaining('busy') });
    await expect(publish()).rejects.toBeInstanceOf(WhipHttpError);
    expect(await sessions()).toHaveLength(3);
  });

  it('frees the sessions when the peers leave without DELETE', async () => {
    const publisher = await publish();
    const viewer = await play();
    await waitFor(() => viewer.received() >= 3, 20_000, 'frames');
    viewer.close();
    // Well before ICE would notice (about 20 s): the closed DTLS transport says the peer left.
    for (const until = Date.now() + 1000; (await sessions()).length > 1 && Date.now() < until; ) await sleep(50);
    expect((await sessions()).map((r) => r.transport)).toEqual(['whip']);
    publisher.close();
    expect(await sessionsGone(server.url, 1000)).toEqual([]);
  });
});

describe('WHIP token when TOONSTREAM_WHIP_TOKEN is unset', () => {
  it('generates one per process (auth is never off) and the server takes only it', async () => {
    const { resolveWhipToken } = await import('../../src/transport');
    const first = resolveWhipToken({});
    expect(first.generated).toBe(true);
    expect(first.token).toMatch(/^[\w-]{32}$/);
    expect(resolveWhipToken({})).toEqual(first);
    expect(resolveWhipToken({ TOONSTREAM_WHIP_TOKEN: 'mine' })).toEqual({ token: 'mine', generated: false });
    expect(() => resolveWhipToken({ TOONSTREAM_WHIP_TOKEN: 'two words' })).toThrow('TOONSTREAM_WHIP_TOKEN must be printable ASCII without spaces');

    const saved = process.env.TOONSTREAM_WHIP_TOKEN;
    delete process.env.TOONSTREAM_WHIP_TOKEN;
    const server = await startLiveServer();
    try {
      const post = (headers: Record<string, string>): Promise<Response> =>
        fetch(`${server.url}/whip`, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: 'v=0' });
      expect((await post({})).status).toBe(401);
      // Past auth: the body is judged (and refused) instead.
      expect((await post({ authorization: `Bearer ${first.token}` })).status).toBe(400);
    } finally {
      if (saved !== undefined) process.env.TOONSTREAM_WHIP_TOKEN = saved;
      await server.close();
    }
  });
});
