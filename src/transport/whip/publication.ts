import { LiveStream, liveStreamBase, type LiveResult } from '../live-stream';
import { describeSession, type LiveSession, type LiveSessionInfo } from '../sessions';
import type { LiveSettings } from '../settings';
import { i420ToRgb } from '../webrtc/color';
import { FrameSender } from '../webrtc/frame-sender';
import type { WebRtcDeps } from '../webrtc/session';
import { MediaStream, nonstandard, type I420Frame } from '../webrtc/wrtc';
import type { Ingest, IngestFactory, Track } from './ingest';

type Stream = InstanceType<typeof MediaStream>;

/** What a publication needs from each of its viewers. */
export interface Viewer {
  close(reason: string): void;
}

const TICK_MS = 1000;

/**
 * One WHIP publisher (OBS, GStreamer, a browser): its ingest (libwebrtc, or werift + ffmpeg
 * for H.264) turns the video into I420 frames, a LiveStream cartoonizes them on the shared
 * pipeline, and the cartoon goes on one track that every WHEP viewer's peer sends (libwebrtc
 * encodes per viewer). The publisher's audio, when the ingest relays it, is one shared track.
 * Frames are cartoonized only while someone watches.
 */
export class WhipPublication implements LiveSession {
  readonly transport = 'whip' as const;
  /** Video (and audio) of the cartoon, under one stream id so players keep them in sync. */
  readonly stream: Stream = new MediaStream();
  readonly video: Track;
  private readonly ingest: Ingest;
  private readonly live: LiveStream<I420Frame>;
  private readonly source = new nonstandard.RTCVideoSource();
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
    makeIngest: IngestFactory,
  ) {
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
    this.ingest = makeIngest({
      frame: (frame) => this.receive(frame),
      gone: (reason) => this.close(reason),
      trouble: (reason) => deps.logger.warn({ session: id, reason }, 'whip publication trouble'),
      videoDelayMs: () => this.live.stats().latencyMedianMs,
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** The publisher's audio, delayed to match the cartoon; null when none is relayed. */
  get audio(): Track | null {
    return this.ingest.audio;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Takes the publisher's offer (checked by checkOffer) and returns the answer with all candidates. */
  async answer(offerSdp: string): Promise<string> {
    const answer = await this.ingest.answer(offerSdp);
    if (this.ingest.audio) this.stream.addTrack(this.ingest.audio);
    return answer;
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
    this.ingest.close();
    this.video.stop();
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
