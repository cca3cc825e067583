import { FallbackError, LiveError, type Connection, type ConnectionEvents, type ServerMessage, type Settings } from './types';
import { connected, gathered, RTC_MESSAGES, watchConnection } from '../shared/peer';

const CONNECT_TIMEOUT_MS = 8000;


/** Throws LiveError for answers that another transport would not fix, FallbackError otherwise. */
async function postOffer(sdp: string, settings: Settings): Promise<{ sdp: string; session: string }> {
  let res: Response;
  try {
    res = await fetch('/api/webrtc/offer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'offer', sdp, ...settings }),
    });
  } catch {
    throw new LiveError('unreachable', 'The server cannot be reached.');
  }
  const body = (await res.json().catch(() => ({}))) as { sdp?: string; session?: string; error?: string };
  if (res.status === 503 && /busy/.test(body.error ?? '')) throw new LiveError('busy', body.error ?? 'The server is busy.');
  if (res.status === 503) throw new LiveError('no-model', body.error ?? 'The server has no model.');
  if (!res.ok || !body.sdp || !body.session) throw new FallbackError(`offer refused (${res.status}): ${body.error ?? ''}`);
  return { sdp: body.sdp, session: body.session };
}

/** Sends the camera to the server peer and shows the cartoon track it sends back in `output`. */
export async function connectWebRtc(camera: MediaStream, output: HTMLVideoElement, settings: Settings, events: ConnectionEvents): Promise<Connection> {
  if (typeof RTCPeerConnection === 'undefined') throw new FallbackError('this browser has no WebRTC');
  const pc = new RTCPeerConnection();
  for (const track of camera.getTracks()) pc.addTrack(track, camera);
  const channel = pc.createDataChannel('control');
  const remote = new MediaStream();
  pc.ontrack = (event) => remote.addTrack(event.track);
  let serverLatencyMs = 0;
  let closed = false;
  channel.onmessage = (event: MessageEvent<string>) => {
    const msg = JSON.parse(event.data) as ServerMessage;
    if (msg.type === 'stats' && msg.stats?.latencyMedianMs !== undefined) serverLatencyMs = msg.stats.latencyMedianMs;
    events.message(msg);
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await postOffer(pc.localDescription!.sdp, settings);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await connected(pc, CONNECT_TIMEOUT_MS, RTC_MESSAGES, (message) => new FallbackError(message));
    output.srcObject = remote;
    await output.play().catch(() => undefined);
    countFrames(output, events, () => closed);
    const meter = statsMeter(pc);

    const lost = (reason: string): void => {
      if (closed) return;
      closed = true;
      pc.close();
      events.lost(reason);
    };
    watchConnection(pc, lost, RTC_MESSAGES);
    channel.onclose = () => lost('the server ended the session');

    return {
      kind: 'webrtc',
      session: answer.session,
      update(change) {
        if (channel.readyState === 'open') channel.send(JSON.stringify({ type: 'settings', ...change }));
      },
      measure: () => meter(serverLatencyMs),
      close() {
        closed = true;
        pc.close();
        output.srcObject = null;
      },
    };
  } catch (error) {
    closed = true;
    pc.close();
    throw error;
  }
}

function countFrames(video: HTMLVideoElement, events: ConnectionEvents, stopped: () => boolean): void {
  if ('requestVideoFrameCallback' in video) {
    const step = (): void => {
      if (stopped()) return;
      events.frame();
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  }
}

/**
 * WebRTC hides a frame's capture time, so glass-to-glass latency is the sum of what the stats
 * expose: encode (sender), network round trip, server processing (data channel), jitter
 * buffer and decode (receiver). Capture and display time are not included.
 */
function statsMeter(pc: RTCPeerConnection): (serverMs: number) => Promise<{ fps: number; latencyMs: number | null; estimated: boolean }> {
  let last: { at: number; frames: number } | null = null;
  return async (serverMs) => {
  const report = await pc.getStats();
  let encodeMs = 0;
  let rttMs = 0;
  let jitterMs = 0;
  let decodeMs = 0;
  let frames = 0;
  report.forEach((s: Record<string, unknown> & { type: string }) => {
    const n = (k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0);
    if (s.type === 'outbound-rtp' && s.kind === 'video' && n('framesEncoded') > 0) encodeMs = (n('totalEncodeTime') / n('framesEncoded')) * 1000;
    if (s.type === 'candidate-pair' && s.nominated && n('currentRoundTripTime') > 0) rttMs = n('currentRoundTripTime') * 1000;
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      if (n('jitterBufferEmittedCount') > 0) jitterMs = (n('jitterBufferDelay') / n('jitterBufferEmittedCount')) * 1000;
      if (n('framesDecoded') > 0) decodeMs = (n('totalDecodeTime') / n('framesDecoded')) * 1000;
      frames = n('framesDecoded');
    }
  });
  const now = performance.now();
  const fps = last && now > last.at ? ((frames - last.frames) * 1000) / (now - last.at) : 0;
  last = { at: now, frames };
  const latencyMs = frames > 0 ? encodeMs + rttMs + serverMs + jitterMs + decodeMs : null;
  return { fps: Math.max(0, fps), latencyMs, estimated: true };
  };
}
