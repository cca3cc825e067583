import type { LiveSessionInfo } from '../../src/transport';
import type { I420Frame } from '../../src/transport/webrtc/wrtc';
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
