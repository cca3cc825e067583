import { describeSession, type LiveSession, type LiveSessionInfo } from '../sessions';
import { iceGatheringComplete, serverPeer } from '../webrtc/ice';
import type { WebRtcDeps } from '../webrtc/session';
import type { PeerConnection } from '../webrtc/wrtc';
import { watchPeer } from './peer-state';
import type { WhipPublication } from './publication';

const TICK_MS = 1000;

/**
 * One WHEP viewer: a send-only peer carrying its publication's cartoon track (and audio). It
 * ends on DELETE, when the peer's connection fails or closes, when it is not connected for
 * the idle timeout, or when the publication ends.
 */
export class WhepViewer implements LiveSession {
  readonly transport = 'whep' as const;
  private readonly pc: PeerConnection;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = new Date();
  private notConnectedSince: number | null = performance.now();
  private closed = false;

  constructor(
    readonly id: string,
    readonly publication: WhipPublication,
    private readonly deps: WebRtcDeps,
  ) {
    this.pc = serverPeer(deps.config.iceServers);
    watchPeer(this.pc, (reason) => this.close(reason), (state) => {
      if (state === 'connected') this.notConnectedSince = null;
      else this.notConnectedSince ??= performance.now();
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    publication.addViewer(this);
  }

  /** Takes the player's offer (checked by checkOffer) and answers with the cartoon track on it. */
  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const { stream, video, audio } = this.publication;
    this.pc.addTrack(video, stream);
    const wantsAudio = this.pc.getTransceivers().some((t) => t.receiver.track?.kind === 'audio');
    if (audio && wantsAudio) this.pc.addTrack(audio, stream);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await iceGatheringComplete(this.pc, this.deps.config.iceGatheringTimeoutMs);
    const local = this.pc.localDescription;
    if (!local) throw new Error('no local description after setLocalDescription');
    return local.sdp;
  }

  info(): LiveSessionInfo {
    const row = describeSession({ id: this.id, transport: this.transport, startedAt: this.startedAt, size: this.publication.info(), live: this.publication.liveState });
    return { ...row, publication: this.publication.id };
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.publication.removeViewer(this);
    // Closing the peer removes its senders; the shared tracks stay with the publication.
    this.pc.close();
    this.deps.sessions.remove(this, reason);
    this.deps.logger.info({ session: this.id, publication: this.publication.id, reason }, 'whep viewer closed');
  }

  private tick(): void {
    const since = this.notConnectedSince;
    if (since !== null && performance.now() - since > this.deps.config.idleTimeoutS * 1000) this.close('not connected');
  }
}
