/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import sharp from 'sharp';
import WebSocket from 'ws';
import { connectLiveClient, waitFor, type LiveClient } from '../../scripts/bench/live-client';
import type { LiveSessionInfo } from '../../src/transport';
import { decodeServerFrame, encodeClientFrame, ImageFormat, MessageType, type ServerFrame } from '../../src/transport/ws/protocol';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
import { collectWrtcGarbage, getJson, lumaDiff, meanLuma, photoI420, photoRgb, sessionsGone, startLiveServer, type LiveServer } from './transport-helpers';

interface SessionsBody {
  readonly maxSessions: number;
  readonly sessions: LiveSessionInfo[];
}

describe('WebRTC transport (a Node peer as the browser)', () => {
  let server: LiveServer;
  let sent: I420Frame;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    server = await startLiveServer({ TOONSTREAM_LIVE_IDLE_TIMEOUT: '1', TOONSTREAM_LIVE_MAX_SESSIONS: '2' });
    sent = await photoI420(640, 360);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    // Peers closed before their data channel opened are noticed by the 1 s idle timeout.
    await sessionsGone(server.url, 5000);
  });
  afterAll(async () => {
    await server.close();
    await collectWrtcGarbage();
  });

  const sessions = (): Promise<SessionsBody> => getJson<SessionsBody>(`${server.url}/api/live/sessions`);

  it('sends cartoon frames back, switches style and passthrough over the data channel, relays audio, frees the session on leave', async () => {
    let last: I420Frame | null = null;
    const client = await connectLiveClient({ baseUrl: server.url, frames: [sent], fps: 20, audio: true, onFrame: (f) => void (last = f) });
    clients.push(client);
    await waitFor(() => client.received() >= 8, 20_000, 'cartoon frames');
    const cartoon = last as unknown as I420Frame;
    expect([cartoon.width, cartoon.height]).toEqual([640, 360]);
    // tiny-test posterises and outlines: clearly not the frame that was sent.
    expect(lumaDiff(cartoon, sent)).toBeGreaterThan(8);

    const ack = await client.settings({ model: 'toon-invert' });
    expect(ack).toMatchObject({ type: 'settings', settings: { model: 'toon-invert', strength: 1, passthrough: false } });
    const before = client.received();
    await waitFor(() => client.received() >= before + 6, 10_000, 'frames after the switch');
    expect(meanLuma(last as unknown as I420Frame)).toBeCloseTo(255 - meanLuma(sent), -1.2);

    await client.settings({ passthrough: true });
    const mark = client.received();
    await waitFor(() => client.received() >= mark + 6, 10_000, 'passthrough frames');
    expect(lumaDiff(last as unknown as I420Frame, sent)).toBeLessThan(4);

    expect(await client.settings({ model: 'no-such-model' })).toEqual({ type: 'error', error: 'unknown model "no-such-model"' });
    expect(client.audioChunksReceived()).toBeGreaterThan(0);

    const listed = await sessions();
    expect(listed.sessions).toHaveLength(1);
    const info = listed.sessions[0];
    expect(info).toMatchObject({ id: client.session, transport: 'webrtc', width: 640, height: 360, settings: { model: 'toon-invert', passthrough: true } });
    expect(info.stats.received).toBeGreaterThanOrEqual(info.stats.processed + info.stats.passedThrough);
    expect(info.stats.processed).toBeGreaterThan(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`toonstream_live_stream_frames{session="${client.session}",transport="webrtc",outcome="received"}`);
    expect(metrics).toMatch(/toonstream_live_sessions\{transport="webrtc"\} 1/);

    client.close();
    // Well before the idle timeout could: the data channel closing ends the session.
    expect(await sessionsGone(server.url, 900)).toEqual([]);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/toonstream_live_sessions_ended_total\{transport="webrtc",reason="peer left"\} 1/);
  });

  it('closes a session whose peer stops sending (idle timeout)', async () => {
    const client = await connectLiveClient({ baseUrl: server.url, frames: [sent], fps: 15 });
    clients.push(client);
    await waitFor(() => client.received() >= 2, 20_000, 'first frames');
    client.pause();
    expect(await sessionsGone(server.url, 5000)).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/toonstream_live_sessions_ended_total\{transport="webrtc",reason="no frames"\} 1/);
  });

  it('answers 503 "busy" above TOONSTREAM_LIVE_MAX_SESSIONS, on both transports', async () => {
    clients.push(await connectLiveClient({ baseUrl: server.url, frames: [sent], fps: 10 }));
    clients.push(await connectLiveClient({ baseUrl: server.url, frames: [sent], fps: 10 }));
    await expect(connectLiveClient({ baseUrl: server.url, frames: [sent], fps: 10 })).rejects.toThrow(/503 the server is busy \(2 live sessions\)/);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/live`);
    const [message, code] = await new Promise<[string, number]>((resolve) => {
      let text = '';
      ws.on('message', (d) => void (text = d.toString()));
      ws.on('close', (c) => resolve([text, c]));
    });
    expect(JSON.parse(message)).toMatchObject({ type: 'error', code: 'busy' });
    expect(code).toBe(1013);
  });

  it('refuses bad offers with a clear 4xx', async () => {
    const post = async (body: unknown, type = 'application/json'): Promise<[number, { error?: string }]> => {
      const res = await fetch(`${server.url}/api/webrtc/offer`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return [res.status, (await res.json()) as { error?: string }];
    };
    expect(await post({ type: 'offer' })).toEqual([400, { error: 'sdp must be an SDP offer (text starting with "v=0")' }]);
    expect(await post({ type: 'answer', sdp: 'v=0' })).toEqual([400, { error: 'type must be "offer"' }]);
    expect(await post({ type: 'offer', sdp: 'v=0\r\n', model: 'nope' })).toEqual([404, { error: 'unknown model "nope"' }]);
    expect(await post({ type: 'offer', sdp: 'v=0\r\n', strength: 3 })).toEqual([400, { error: 'strength must be a number from 0 to 1' }]);
    const [status, body] = await post({ type: 'offer', sdp: 'v=0\r\nnonsense' });
    expect(status).toBe(400);
    expect(body.error).toMatch(/^could not use the offer/);
    expect((await sessions()).sessions).toEqual([]);
  });

  it('speaks WHIP: application/sdp in, 201 + Location + SDP answer out, DELETE ends the session', async () => {
    const { RTCPeerConnection, nonstandard } = await import('../../src/transport/webrtc/wrtc');
    const pc = new RTCPeerConnection();
    const source = new nonstandard.RTCVideoSource();
    const track = source.createTrack();
    pc.addTrack(track);
    try {
      await pc.setLocalDescription(await pc.createOffer());
      const res = await fetch(`${server.url}/api/webrtc/offer?strength=0.5`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription!.sdp });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/sdp/);
      const location = res.headers.get('location')!;
      expect(location).toMatch(/^\/api\/live\/sessions\/[0-9a-f-]{36}$/);
      const answer = await res.text();
      expect(answer).toMatch(/^v=0/);
      expect(answer).toMatch(/a=candidate:.* 127\.0\.0\.1 /);
      expect((await getJson<LiveSessionInfo>(`${server.url}${location}`)).settings.strength).toBe(0.5);
      expect((await fetch(`${server.url}${location}`, { method: 'DELETE' })).status).toBe(204);
      expect((await sessions()).sessions).toEqual([]);
    } finally {
      track.stop();
      pc.close();
    }
  });
});

describe('WebSocket transport /ws/live', () => {
  let server: LiveServer;
  let jpeg: Buffer;
  let original: Buffer;

  beforeAll(async () => {
    server = await startLiveServer({ TOONSTREAM_WS_MAX_IN_FLIGHT: '2' });
    const rgb = await photoRgb(640, 360);
    jpeg = await sharp(rgb.data, { raw: { width: 640, height: 360, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
    original = await sharp(jpeg).raw().toBuffer();
  });
  afterAll(() => server.close());

  interface Socket {
    readonly ws: WebSocket;
    readonly frames: ServerFrame[];
    readonly texts: Array<Record<string, unknown>>;
  }

  async function open(query = ''): Promise<Socket> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/live${query}`);
    const s: Socket = { ws, frames: [], texts: [] };
    ws.on('message', (data: Buffer, binary) => {
      if (binary) s.frames.push(decodeServerFrame(new Uint8Array(data)));
      else s.texts.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
    await waitFor(() => s.texts.some((t) => t.type === 'hello'), 10_000, 'hello');
    return s;
  }
  const send = (s: Socket, frameId: number, image: Uint8Array = jpeg): void =>
    s.ws.send(encodeClientFrame({ format: ImageFormat.jpeg, frameId, clientTimestampMs: 1000 + frameId, image }));
  const pixels = async (f: ServerFrame): Promise<Buffer> => sharp(f.image).raw().toBuffer();
  const diff = (a: Buffer, b: Buffer): number => {
    let sum = 0;
    for (let i = 0; i < a.length; i += 11) sum += Math.abs(a[i] - b[i]);
    return sum / Math.ceil(a.length / 11);
  };

  it('answers each frame with a cartoon JPEG tagged with its id and timings; settings apply to the next frame', async () => {
    const s = await open('?strength=1');
    expect(s.texts[0]).toMatchObject({ type: 'hello', protocol: 1, maxInFlight: 2, settings: { model: 'tiny-test', strength: 1, passthrough: false } });
    send(s, 1);
    await waitFor(() => s.frames.length === 1, 10_000, 'first result');
    const r = s.frames[0];
    expect(r).toMatchObject({ type: MessageType.result, format: ImageFormat.jpeg, frameId: 1, clientTimestampMs: 1001, passthrough: false });
    expect(r.processMs).toBeGreaterThan(0);
    expect(r.codecMs).toBeGreaterThan(0);
    expect(await sharp(r.image).metadata()).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
    expect(diff(await pixels(r), original)).toBeGreaterThan(8);

    s.ws.send(JSON.stringify({ type: 'settings', model: 'toon-invert' }));
    await waitFor(() => s.texts.some((t) => t.type === 'settings'), 5000, 'settings ack');
    send(s, 2);
    await waitFor(() => s.frames.length === 2, 10_000, 'inverted result');
    const inverted = await pixels(s.frames[1]);
    const mean = (b: Buffer): number => b.reduce((a, v) => a + v, 0) / b.length;
    expect(mean(inverted)).toBeCloseTo(255 - mean(original), -1.2);

    s.ws.send(JSON.stringify({ type: 'settings', passthrough: true }));
    await waitFor(() => s.texts.filter((t) => t.type === 'settings').length === 2, 5000, 'settings ack');
    send(s, 3);
    await waitFor(() => s.frames.length === 3, 10_000, 'passthrough result');
    expect(s.frames[2]).toMatchObject({ frameId: 3, passthrough: true });
    expect(Buffer.from(s.frames[2].image).equals(jpeg)).toBe(true);
    s.ws.close();
  });

  it('keeps at most K frames in flight: a burst gets a reply per frame, older ones dropped, the newest processed', async () => {
    const s = await open();
    for (let id = 1; id <= 12; id++) send(s, id);
    await waitFor(() => s.frames.length === 12, 20_000, 'a reply per frame');
    const results = s.frames.filter((f) => f.type === MessageType.result).map((f) => f.frameId);
    const dropped = s.frames.filter((f) => f.type === MessageType.dropped).map((f) => f.frameId);
    // One frame in inference, one waiting; each newer arrival replaced the waiting one.
    expect(dropped.length).toBeGreaterThanOrEqual(12 - 3);
    expect(results).toContain(12);
    expect(results).toEqual([...results].sort((a, b) => a - b));
    const info = (await getJson<SessionsBody>(`${server.url}/api/live/sessions`)).sessions.find((x) => x.transport === 'websocket')!;
    expect(info.stats).toMatchObject({ received: 12, processed: results.length, dropped: dropped.length });
    s.ws.close();
  });

  it('reports bad messages readably and keeps the session', async () => {
    const s = await open();
    s.ws.send(Buffer.from([1, 2, 3]));
    s.ws.send(JSON.stringify({ type: 'settings', strength: 7 }));
    send(s, 5, new Uint8Array([0xff, 0xd8, 0, 0]));
    send(s, 6);
    await waitFor(() => s.frames.some((f) => f.frameId === 6 && f.type === MessageType.result), 10_000, 'a good frame after bad ones');
    const errors = s.texts.filter((t) => t.type === 'error');
    expect(errors[0]).toMatchObject({ code: 'protocol', error: 'frame message shorter than its 16-byte header' });
    expect(errors[1]).toMatchObject({ code: 'settings', error: 'strength must be a number from 0 to 1' });
    expect(errors[2]).toMatchObject({ code: 'protocol' });
    expect(String(errors[2].error)).toMatch(/^could not decode frame/);
    expect(s.frames.find((f) => f.frameId === 5)?.type).toBe(MessageType.dropped);
    s.ws.close();
    expect(await sessionsGone(server.url, 3000)).toEqual([]);
  });

  it('refuses an unknown model on connect', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/live?model=nope`);
    const [text, code] = await new Promise<[string, number]>((resolve) => {
      let t = '';
      ws.on('message', (d) => void (t = d.toString()));
      ws.on('close', (c) => resolve([t, c]));
    });
    expect(JSON.parse(text)).toEqual({ type: 'error', code: 'settings', error: 'unknown model "nope"' });
    expect(code).toBe(1008);
  });
});
