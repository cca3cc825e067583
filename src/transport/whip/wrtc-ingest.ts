import type { IceServer } from '../config';
import { AudioRelay } from '../webrtc/audio-relay';
import { iceGatheringComplete, serverPeer } from '../webrtc/ice';
import { nonstandard, type I420Frame, type PeerConnection } from '../webrtc/wrtc';
import { localSdp, type Ingest, type IngestEvents, type Track } from './ingest';
import { watchPeer } from './peer-state';

/**
 * Ingest through libwebrtc (@roamhq/wrtc), which decodes VP8, VP9 and AV1 itself: the video
 * comes out of an RTCVideoSink as I420, the audio goes through an AudioRelay (delayed by the
 * video latency) onto a track the viewers send.
 */
export class WrtcIngest implements Ingest {
  private readonly pc: PeerConnection;
  private sink: InstanceType<typeof nonstandard.RTCVideoSink> | null = null;
  private relay: AudioRelay | null = null;
  private closed = false;

  constructor(
    private readonly events: IngestEvents,
    iceServers: readonly IceServer[],
    private readonly iceGatheringTimeoutMs: number,
  ) {
    this.pc = serverPeer(iceServers);
    watchPeer(this.pc, (reason) => events.gone(reason));
  }

  get audio(): Track | null {
    return this.relay?.track ?? null;
  }

  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const transceivers = this.pc.getTransceivers();
    const video = transceivers.find((t) => t.receiver.track?.kind === 'video');
    if (!video) throw new Error('the offer has no video track');
    this.sink = new nonstandard.RTCVideoSink(video.receiver.track);
    this.sink.onframe = ({ frame }: { frame: I420Frame }) => this.events.frame(frame);
    const audio = transceivers.find((t) => t.receiver.track?.kind === 'audio');
    if (audio) this.relay = new AudioRelay(audio.receiver.track, () => this.events.videoDelayMs());
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await iceGatheringComplete(this.pc, this.iceGatheringTimeoutMs);
    return localSdp(this.pc.localDescription);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink?.stop();
    this.relay?.stop();
    this.pc.close();
  }
}
