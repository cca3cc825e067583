import { frameChunks } from '../../../media/frame-chunks';
import { AudioRelay } from '../../webrtc/audio-relay';
import { nonstandard } from '../../webrtc/wrtc';
import type { Track } from '../ingest';
import { FfmpegPipe } from './ffmpeg-pipe';
import { OggOpusWriter } from './ogg-opus';
import { SequenceReorder } from './reorder';

const SAMPLE_RATE = 48_000;
const CHANNELS = 2;
/** libwebrtc audio sources take 10 ms chunks. */
const FRAMES_PER_CHUNK = SAMPLE_RATE / 100;
const CHUNK_BYTES = FRAMES_PER_CHUNK * CHANNELS * 2;
/** Audio is not worth waiting for long: a lost packet is left to the Opus decoder's concealment. */
const AUDIO_REORDER = { window: 10, maxWaitMs: 60 };
/** Ogg needs each page's end position; RTP says where a packet starts, 20 ms is the usual length. */
const USUAL_PACKET_SAMPLES = 960;

/** ffmpeg: Ogg Opus on stdin → 48 kHz stereo s16le on stdout, started at the first page. */
export function opusDecodeArgs(): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-probesize', '32', '-analyzeduration', '0',
    '-f', 'ogg', '-i', 'pipe:0',
    '-map', '0:a:0', '-ac', String(CHANNELS), '-ar', String(SAMPLE_RATE),
    '-flush_packets', '1', '-f', 's16le', 'pipe:1',
  ];
}

export interface OpusRtp {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

/**
 * The publisher's Opus audio of an H.264 publication, as a libwebrtc track for the viewers:
 * RTP packets in sequence order → Ogg pages → ffmpeg → 10 ms PCM chunks → an RTCAudioSource,
 * whose track goes through the same AudioRelay as the libwebrtc ingest's audio (delayed to
 * match the cartoon).
 */
export class OpusAudio {
  private readonly source = new nonstandard.RTCAudioSource();
  private readonly input = this.source.createTrack();
  private readonly relay: AudioRelay;
  private readonly decoder: FfmpegPipe;
  private readonly ogg = new OggOpusWriter();
  private readonly reorder: SequenceReorder<OpusRtp>;
  private firstTimestamp: number | null = null;
  private stopped = false;

  constructor(ffmpeg: string, targetDelayMs: () => number, failed: (reason: string) => void) {
    this.relay = new AudioRelay(this.input, targetDelayMs);
    this.decoder = new FfmpegPipe(ffmpeg, opusDecodeArgs(), 'the Opus decoder', failed);
    this.decoder.write(this.ogg.start(CHANNELS));
    this.reorder = new SequenceReorder(AUDIO_REORDER, { packet: (p) => this.decode(p), gap: () => undefined });
    void this.play();
  }

  get track(): Track {
    return this.relay.track;
  }

  push(packet: OpusRtp): void {
    if (!this.stopped) this.reorder.push(packet);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.decoder.close();
    this.relay.stop();
    this.input.stop();
  }

  private decode(packet: OpusRtp): void {
    this.firstTimestamp ??= packet.timestamp;
    const start = (packet.timestamp - this.firstTimestamp) >>> 0;
    // Dropped while ffmpeg is far behind: the sound skips, nothing queues up.
    this.decoder.write(this.ogg.page(packet.payload, start + USUAL_PACKET_SAMPLES));
  }

  private async play(): Promise<void> {
    for await (const chunk of frameChunks(this.decoder.output, CHUNK_BYTES)) {
      if (this.stopped) return;
      const samples = new Int16Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
      this.source.onData({ samples, sampleRate: SAMPLE_RATE, channelCount: CHANNELS, numberOfFrames: FRAMES_PER_CHUNK });
    }
  }
}
