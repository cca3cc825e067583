// A WHEP player for the output page: one POST with a receive-only offer (all candidates
// gathered first), the cartoon track into a <video>, DELETE on the resource when done.
import { connected, gathered, watchConnection } from '../shared/peer';

const CONNECT_TIMEOUT_MS = 10_000;

export interface WhepEvents {
  /** A cartoon frame was shown. */
  frame(): void;
  /** The stream ended or broke after it was up. */
  lost(reason: string): void;
}

export interface WhepSession {
  close(): void;
}

/** A refusal worth showing as is; `retry` says whether asking again later may help. */
export class WhepError extends Error {
  override readonly name = 'WhepError';
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}


async function post(endpoint: string, token: string | null, sdp: string): Promise<{ answer: string; resource: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/sdp' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers, body: sdp });
  } catch {
    throw new WhepError('The server cannot be reached.', true);
  }
  if (res.status === 201) return { answer: await res.text(), resource: new URL(res.headers.get('location') ?? endpoint, location.href).toString() };
  const error = ((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`;
  if (res.status === 401) throw new WhepError(`Not allowed: ${error}. Put the server's WHIP token in the page address as &token=…`, false);
  if (res.status === 404) throw new WhepError(`Waiting for a WHIP publication (${error}).`, true);
  if (res.status === 503) throw new WhepError(`The server is busy: ${error}`, true);
  throw new WhepError(`The server refused the stream (${res.status}): ${error}`, false);
}

/** Pulls the cartoon of a WHIP publication from `endpoint` (/whep or /whep/<id>) into `video`. */
export async function playWhep(endpoint: string, token: string | null, video: HTMLVideoElement, events: WhepEvents): Promise<WhepSession> {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const remote = new MediaStream();
  pc.ontrack = (event) => remote.addTrack(event.track);
  let resource: string | null = null;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    pc.close();
    if (video.srcObject === remote) video.srcObject = null;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (resource) void fetch(resource, { method: 'DELETE', headers, keepalive: true }).catch(() => undefined);
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await post(endpoint, token, pc.localDescription!.sdp);
    resource = answer.resource;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.answer });
    await connected(pc, CONNECT_TIMEOUT_MS, { timeout: 'the stream did not connect in time', ended: (state) => `the connection ${state}` }, (message) => new WhepError(message, true));
  } catch (error) {
    close();
    throw error;
  }
  video.srcObject = remote;
  // Unmuted autoplay is refused in an ordinary tab (OBS's browser source allows it).
  await video.play().catch(async () => {
    video.muted = true;
    await video.play().catch(() => undefined);
  });
  if ('requestVideoFrameCallback' in video) {
    const step = (): void => {
      if (closed) return;
      events.frame();
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  }
  const lost = (reason: string): void => {
    if (closed) return;
    close();
    events.lost(reason);
  };
  watchConnection(pc, lost, { ended: (state) => `the connection ${state}`, dropped: 'the connection was lost' });
  // The publisher leaving ends the server's peer, which closes DTLS at once; ICE alone would
  // take many seconds to notice.
  for (const receiver of pc.getReceivers()) {
    receiver.transport?.addEventListener('statechange', () => {
      const state = receiver.transport?.state;
      if (state === 'closed' || state === 'failed') lost('the stream ended');
    });
  }
  return { close };
}
