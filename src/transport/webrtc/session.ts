import type { Logger } from '../../logging';
import type { Pipeline } from '../../pipeline';
import type { LiveConfig } from '../config';
import { LiveStream, liveStreamBase, type LiveResult } from '../live-stream';
import { describeSession, type LiveSession, type LiveSessionInfo, type SessionRegistry } from '../sessions';
import { parseControl, SettingsError, type LiveSettings } from '../settings';
import { AudioRelay } from './audio-relay';
import { i420ToRgb } from './color';
import { FrameSender } from './frame-sender';
import { iceGatheringComplete, serverPeer } from './ice';
import { nonstandard, type I420Frame, type PeerConnection } from './wrtc';

type DataChannel = Parameters<NonNullable<PeerConnection['ondatachannel']>>[0]['channel'];
type VideoSink = InstanceType<typeof nonstandard.RTCVideoSink>;
type Track = ConstructorParameters<typeof nonstandard.RTCVideoSink>[0];

export interface WebRtcDeps {
  readonly pipeline: Pipeline;
  readonly sessions: SessionRegistry;
  readonly config: LiveConfig;
  readonly hasModel: (name: string) => boolean;
  readonly logger: Logger;
}

export interface SessionDescription {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
}

export class OfferError extends Error {
  override readonly name = 'OfferError';
}

const STATS_INTERVAL_MS = 1000;

/**
 * The server peer of one browser: receives the webcam track through an RTCVideoSink, sends the
 * cartoon back on a new track from an RTCVideoSource, relays the audio, and takes settings on
 * the "control" data channel.
 */
export class WebRtcSession implements LiveSession {
  readonly transport = 'webrtc' as const;
  private readonly pc: PeerConnection;
  private readonly live: LiveStream<I420Frame>;
  private readonly source = new nonstandard.RTCVideoSource();
  private readonly videoOut: Track;
  private sink: VideoSink | null = null;
  private audio: AudioRelay | null = null;
  private channel: DataChannel | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = new Date();
  private lastFrameAt = performance.now();
  private size = { width: 0, height: 0 };
  private readonly sender: FrameSender;
  private closed = false;

  constructor(
    readonly id: string,
    settings: LiveSettings,
    private readonly deps: WebRtcDeps,
  ) {
    this.pc = serverPeer(deps.config.iceServers);
    this.sender = new FrameSender(this.source, (error) => deps.logger.warn({ err: error, session: id }, 'could not send a frame'));
    this.videoOut = this.source.createTrack();
    this.live = new LiveStream<I420Frame>({
      id: `webrtc-${id}`,
      ...liveStreamBase(deps.pipeline, deps.config),
      settings,
      toRgb: i420ToRgb,
      onResult: (r) => this.send(r),
      onError: (error) => deps.logger.warn({ err: error, session: id }, 'live frame failed'),
    });
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state === 'failed' || state === 'closed') this.close(`peer ${state}`);
    };
    this.pc.ondatachannel = (event) => this.attach(event.channel);
    this.timer = setInterval(() => this.tick(), STATS_INTERVAL_MS);
  }

  /** Takes the browser's offer and returns the answer with all our ICE candidates in it. */
  async answer(offer: SessionDescription): Promise<SessionDescription> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    const transceivers = this.pc.getTransceivers();
    const video = transceivers.find((t) => t.receiver.track?.kind === 'video');
    if (!video) throw new OfferError('the offer has no video track: send the camera with addTrack()');
    this.pc.addTrack(this.videoOut);
    this.sink = new nonstandard.RTCVideoSink(video.receiver.track);
    this.sink.onframe = ({ frame }: { frame: I420Frame }) => this.receive(frame);
    const audio = transceivers.find((t) => t.receiver.track?.kind === 'audio');
    if (audio) {
      this.audio = new AudioRelay(audio.receiver.track, () => this.live.stats().latencyMedianMs);
      this.pc.addTrack(this.audio.track);
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await iceGatheringComplete(this.pc, this.deps.config.iceGatheringTimeoutMs);
    const local = this.pc.localDescription;
    if (!local) throw new Error('no local description after setLocalDescription');
    return { type: 'answer', sdp: local.sdp };
  }

  info(): LiveSessionInfo {
    return describeSession({ id: this.id, transport: this.transport, startedAt: this.startedAt, size: this.size, live: this.live });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.live.close();
    this.sender.stop();
    this.sink?.stop();
    this.audio?.stop();
    this.videoOut.stop();
    try {
      this.channel?.close();
    } catch {
      // already closed by the peer
    }
    this.pc.close();
    this.deps.sessions.remove(this, reason);
    this.deps.logger.info({ session: this.id, reason, stats: this.live.stats() }, 'webrtc session closed');
  }

  private receive(frame: I420Frame): void {
    if (this.closed) return;
    this.lastFrameAt = performance.now();
    this.size = { width: frame.width, height: frame.height };
    this.live.push(frame);
  }

  private send(result: LiveResult<I420Frame>): void {
    if (result.kind === 'dropped' || this.closed) return;
    this.deps.sessions.observeLatency(this.transport, result.doneAt - result.receivedAt);
    this.sender.send(result);
  }

  private attach(channel: DataChannel): void {
    if (channel.label !== 'control') return;
    this.channel = channel;
    const hello = (): void => this.message({ type: 'hello', session: this.id, settings: this.live.current });
    // The channel may already be open when it is announced.
    if (channel.readyState === 'open') hello();
    else channel.onopen = hello;
    // The quickest sign that the tab closed: SCTP goes down at once, ICE takes seconds to notice.
    channel.onclose = () => this.close('peer left');
    channel.onmessage = (event: { data: string | ArrayBuffer }) => {
      const text = typeof event.data === 'string' ? event.data : Buffer.from(event.data).toString('utf8');
      try {
        const change = parseControl(text, this.deps.hasModel);
        this.message({ type: 'settings', settings: this.live.apply(change) });
      } catch (error) {
        const message = error instanceof SettingsError ? error.message : 'could not apply the settings';
        this.message({ type: 'error', error: message });
      }
    };
  }

  private message(body: object): void {
    if (this.channel?.readyState === 'open') this.channel.send(JSON.stringify(body));
  }

  private tick(): void {
    if (performance.now() - this.lastFrameAt > this.deps.config.idleTimeoutS * 1000) {
      this.close('no frames');
      return;
    }
    this.message({ type: 'stats', stats: this.live.stats() });
  }
}
