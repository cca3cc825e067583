import { LiveStream, liveStreamBase, type LiveResult } from '../live-stream';
import { describeSession, type LiveSession, type LiveSessionInfo } from '../sessions';
import type { LiveSettings } from '../settings';
import { AudioRelay } from '../webrtc/audio-relay';
import { i420ToRgb } from '../webrtc/color';
import { FrameSender } from '../webrtc/frame-sender';
import { iceGatheringComplete, serverPeer } from '../webrtc/ice';
import type { WebRtcDeps } from '../webrtc/session';
import { watchPeer } from './peer-state';
import { MediaStream, nonstandard, type I420Frame, type PeerConnection } from '../webrtc/wrtc';

export type Track = ConstructorParameters<typeof nonstandard.RTCVideoSink>[0];
type Stream = InstanceType<typeof MediaStream>;

/** What a publication needs from each of its viewers. */
export interface Viewer {
  close(reason: string): void;
}

const TICK_MS = 1000;

/**
 * One WHIP publisher (OBS, GStreamer, a browser): receives its video through an RTCVideoSink,
 * cartoonizes it with a LiveStream on the shared pipeline, and puts the cartoon on one track
 * that every WHEP viewer's peer sends (libwebrtc encodes per viewer). The publisher's audio
 * goes through an AudioRelay (delayed by the video latency) onto one shared audio track.
 * Frames are cartoonized only while someone watches.
 */
export class WhipPublication implements LiveSession {
  readonly transport = 'whip' as const;
  /** Video (and audio) of the cartoon, under one stream id so players keep them in sync. */
  readonly stream: Stream = new MediaStream();
  readonly video: Track;
  private readonly pc: PeerConnection;
  private readonly live: LiveStream<I420Frame>;
  private readonly source = new nonstandard.RTCVideoSource();
  private sink: InstanceType<typeof nonstandard.RTCVideoSink> | null = null;
  private relay: AudioRelay | null = null;
  private readonly viewers = new Set<Viewer>();
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = new Date();
  private readonly closeListeners: Array<() => void> = [];
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
    this.video = this.source.createTrack();
    this.stream.addTrack(this.video);
    this.live = new LiveStream<I420Frame>({
      id: `whip-${id}`,
      ...liveStreamBase(deps.pipeline, deps.config),
      settings,
      toRgb: i420ToRgb,
      onResult: (r) => this.send(r),
      onError: (error) => deps.logger.warn({ err: error, session: id }, 'whip frame failed'),
    });
    watchPeer(this.pc, (reason) => this.close(reason));
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** The publisher's audio, delayed to match the cartoon; null when it sends none. */
  get audio(): Track | null {
    return this.relay?.track ?? null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Takes the publisher's offer (checked by checkOffer) and returns the answer with all candidates. */
  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const transceivers = this.pc.getTransceivers();
    const video = transceivers.find((t) => t.receiver.track?.kind === 'video');
    if (!video) throw new Error('the offer has no video track');
    this.sink = new nonstandard.RTCVideoSink(video.receiver.track);
    this.sink.onframe = ({ frame }: { frame: I420Frame }) => this.receive(frame);
    const audio = transceivers.find((t) => t.receiver.track?.kind === 'audio');
    if (audio) {
      this.relay = new AudioRelay(audio.receiver.track, () => this.live.stats().latencyMedianMs);
      this.stream.addTrack(this.relay.track);
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await iceGatheringComplete(this.pc, this.deps.config.iceGatheringTimeoutMs);
    const local = this.pc.localDescription;
    if (!local) throw new Error('no local description after setLocalDescription');
    return local.sdp;
  }

  addViewer(viewer: Viewer): void {
    if (this.closed) throw new Error('the publication has ended');
    this.viewers.add(viewer);
  }

  removeViewer(viewer: Viewer): void {
    this.viewers.delete(viewer);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  info(): LiveSessionInfo {
    return { ...describeSession({ id: this.id, transport: this.transport, startedAt: this.startedAt, size: this.size, live: this.live }), viewers: this.viewers.size };
  }

  /** Settings and counters of the cartoon stream (shown on the viewers' rows too). */
  get liveState(): { readonly current: LiveSettings; stats(): ReturnType<LiveStream<I420Frame>['stats']> } {
    return this.live;
  }

  /** Ends the publication; its viewers are closed with it (they could only show a frozen frame). */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const viewer of [...this.viewers]) viewer.close('publisher left');
    this.live.close();
    this.sender.stop();
    this.sink?.stop();
    this.relay?.stop();
    this.video.stop();
    this.pc.close();
    this.deps.sessions.remove(this, reason);
    for (const listener of this.closeListeners) listener();
    this.deps.logger.info({ session: this.id, reason, stats: this.live.stats() }, 'whip publication closed');
  }

  private receive(frame: I420Frame): void {
    if (this.closed) return;
    this.lastFrameAt = performance.now();
    this.size = { width: frame.width, height: frame.height };
    if (this.viewers.size > 0) this.live.push(frame);
  }

  private send(result: LiveResult<I420Frame>): void {
    if (result.kind === 'dropped' || this.closed) return;
    this.deps.sessions.observeLatency(this.transport, result.doneAt - result.receivedAt);
    this.sender.send(result);
  }

  private tick(): void {
    if (performance.now() - this.lastFrameAt > this.deps.config.idleTimeoutS * 1000) this.close('no frames');
  }
}
