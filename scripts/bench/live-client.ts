// A simulated webcam client over WebRTC, from Node (@roamhq/wrtc as the browser): sends
// prepared I420 frames at a fixed rate and counts the cartoon frames coming back. Used by the
// live bench and the transport integration tests.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { iceGatheringComplete } from '../../src/transport/webrtc/ice';
import { nonstandard, RTCPeerConnection, type I420Frame, type PeerConnection } from '../../src/transport/webrtc/wrtc';

type DataChannel = ReturnType<PeerConnection['createDataChannel']>;

export interface LiveClientOptions {
  readonly baseUrl: string;
  /** Frames to loop over (I420, all the same size). */
  readonly frames: readonly I420Frame[];
  readonly fps: number;
  readonly model?: string;
  readonly strength?: number;
  /** Also send an audio track (silence with a tone) and count the audio coming back. */
  readonly audio?: boolean;
  /** Called with every frame received back. */
  readonly onFrame?: (frame: I420Frame, atMs: number) => void;
}

export interface ServerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface LiveClient {
  readonly session: string;
  readonly sent: () => number;
  readonly received: () => number;
  readonly audioChunksReceived: () => number;
  /** Sends {"type":"settings", ...} on the data channel; resolves with the server's answer. */
  settings(change: Record<string, unknown>): Promise<ServerMessage>;
  /** Messages received on the control channel so far. */
  readonly messages: ServerMessage[];
  /** Stops sending frames (the peer stays connected). */
  pause(): void;
  close(): void;
}

/** What comes back to a Node peer: video frames counted (and handed on), audio chunks counted. */
export interface ReceivedTracks {
  readonly received: () => number;
  readonly audioChunks: () => number;
  stop(): void;
}

/** Attaches an RTCVideoSink / RTCAudioSink to every track the peer receives. */
export function receiveTracks(pc: PeerConnection, onFrame?: (frame: I420Frame, atMs: number) => void): ReceivedTracks {
  let received = 0;
  let audioChunks = 0;
  const sinks: Array<{ stop(): void }> = [];
  pc.ontrack = (event) => {
    if (event.track.kind === 'video') {
      const sink = new nonstandard.RTCVideoSink(event.track);
      sink.onframe = ({ frame }: { frame: I420Frame }) => {
        received++;
        onFrame?.(frame, performance.now());
      };
      sinks.push(sink);
    } else {
      const sink = new nonstandard.RTCAudioSink(event.track);
      sink.ondata = () => void audioChunks++;
      sinks.push(sink);
    }
  };
  return {
    received: () => received,
    audioChunks: () => audioChunks,
    stop: () => sinks.forEach((sink) => sink.stop()),
  };
}

export async function connectLiveClient(options: LiveClientOptions): Promise<LiveClient> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const source = new nonstandard.RTCVideoSource();
  const track = source.createTrack();
  pc.addTrack(track);
  const audioSource = options.audio ? new nonstandard.RTCAudioSource() : null;
  const audioTrack = audioSource?.createTrack();
  if (audioTrack) pc.addTrack(audioTrack);
  const channel: DataChannel = pc.createDataChannel('control');
  const messages: ServerMessage[] = [];
  const waiters: Array<(m: ServerMessage) => void> = [];
  channel.onmessage = (event: { data: string }) => {
    const msg = JSON.parse(event.data) as ServerMessage;
    messages.push(msg);
    if (msg.type !== 'stats') waiters.shift()?.(msg);
  };
  const sinks = receiveTracks(pc, options.onFrame);
  await pc.setLocalDescription(await pc.createOffer());
  await iceGatheringComplete(pc, 5000);
  const res = await fetch(new URL('/api/webrtc/offer', options.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'offer', sdp: pc.localDescription!.sdp, model: options.model, strength: options.strength }),
  });
  const body = (await res.json()) as { sdp?: string; session?: string; error?: string };
  if (!res.ok || !body.sdp || !body.session) {
    pc.close();
    track.stop();
    throw new Error(`offer refused: ${res.status} ${body.error ?? ''}`);
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: body.sdp });

  let sent = 0;
  const timer = setInterval(() => {
    source.onFrame(options.frames[sent % options.frames.length]);
    sent++;
  }, 1000 / options.fps);
  const samples = new Int16Array(480).map((_, i) => Math.round(3000 * Math.sin(i / 4)));
  const audioTimer = audioSource ? setInterval(() => audioSource.onData({ samples, sampleRate: 48000 }), 10) : null;
  let closed = false;
  const pause = (): void => {
    clearInterval(timer);
    if (audioTimer) clearInterval(audioTimer);
  };
  return {
    session: body.session,
    sent: () => sent,
    received: sinks.received,
    audioChunksReceived: sinks.audioChunks,
    messages,
    settings: (change) =>
      new Promise((resolve) => {
        waiters.push(resolve);
        channel.send(JSON.stringify({ type: 'settings', ...change }));
      }),
    pause,
    close() {
      if (closed) return;
      closed = true;
      pause();
      sinks.stop();
      track.stop();
      audioTrack?.stop();
      pc.close();
    },
  };
}

/** Waits for the data channel to be open (the server greets with "hello"). */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * @roamhq/wrtc 0.10 crashes the process at exit (SIGSEGV in N-API cleanup) while a video or
 * audio source object is still alive; once collected, exit is clean. Call after closing every
 * peer and server.
 */
export async function collectWrtcGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // N-API finalizers run on a later tick than the collection itself.
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
  await new Promise((r) => setTimeout(r, 20));
}
