import type { LiveSessionInfo } from '../../src/transport';
import { iceGatheringComplete } from '../../src/transport/webrtc/ice';
import { nonstandard, RTCPeerConnection, type I420Frame } from '../../src/transport/webrtc/wrtc';
import { collectWrtcGarbage, getJson, sessionsGone, type LiveServer } from './transport-helpers';

/**
 * Mean |a + b - 251| over sampled luma values: 0 when a is b's negative (inverting RGB maps
 * limited-range Y to 16 + 235 - Y). The toon-invert test model makes such negatives.
 */
export function negativeDiff(a: I420Frame, b: I420Frame): number {
  const n = a.width * a.height;
  let sum = 0;
  for (let i = 0; i < n; i += 7) sum += Math.abs(a.data[i] + b.data[i] - 251);
  return sum / Math.ceil(n / 7);
}

export async function liveSessions(baseUrl: string): Promise<LiveSessionInfo[]> {
  return (await getJson<{ sessions: LiveSessionInfo[] }>(`${baseUrl}/api/live/sessions`)).sessions;
}

/**
 * The hooks of a WHIP suite: the peers a test opened are closed after it (and their sessions
 * must go), the server is closed at the end.
 */
export function closeWhipPeersAndServer(peers: Array<{ close(): void }>, server: () => LiveServer): void {
  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    await sessionsGone(server().url, 8000);
  });
  afterAll(async () => {
    await server().close();
    await collectWrtcGarbage();
  });
}

export interface AudioProbe {
  /** Largest |sample| received so far (0 while only silence came). */
  readonly peak: () => number;
  close(): void;
}

/**
 * A WHEP player that only listens: how loud the publication's audio track is. (Counting the
 * chunks is not enough: a libwebrtc sink delivers 10 ms of silence even when nothing is sent.)
 */
export async function probeWhepAudio(baseUrl: string, token: string, path: string): Promise<AudioProbe> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  let peak = 0;
  const sinks: Array<{ stop(): void }> = [];
  pc.ontrack = (event) => {
    if (event.track.kind !== 'audio') return;
    const sink = new nonstandard.RTCAudioSink(event.track);
    sink.ondata = ({ samples }: { samples: Int16Array }) => {
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
    };
    sinks.push(sink);
  };
  const close = (): void => {
    sinks.forEach((s) => s.stop());
    pc.close();
  };
  await pc.setLocalDescription(await pc.createOffer());
  await iceGatheringComplete(pc, 5000);
  const res = await fetch(new URL(path, baseUrl), { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` }, body: pc.localDescription!.sdp });
  if (res.status !== 201) {
    close();
    throw new Error(`WHEP ${res.status}: ${await res.text()}`);
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  return { peak: () => peak, close };
}
