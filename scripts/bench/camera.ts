import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessor, probeSource, runCamera, type CameraSummary, type SourceSpec } from '../../src/camera';
import { makeCameraClip } from '../make-camera-clip';
import { benchPipeline, pipelineModel } from './pipeline-common';
import { ms } from './stats';
import type { BenchSection } from './types';

const WIDTH = 640;
const HEIGHT = 360;
const RATES = (process.env.CAMERA_BENCH_FPS ?? '30,15').split(',').map(Number);
const SECONDS = Number(process.env.CAMERA_BENCH_SECONDS ?? 12);

interface Row {
  readonly fps: number;
  readonly summary: CameraSummary;
}

/**
 * `toonstream camera` in-process: a 640x360 file (a slow pan over a photo) read at its native
 * rate (-re) like a camera → live pipeline → H.264 MKV. Latency is the route's own: frame read
 * from ffmpeg's stdout → cartoon handed to the encoder's stdin, over every fresh cartoon.
 */
export const cameraSection: BenchSection = {
  name: 'camera',
  description: `toonstream camera: ${WIDTH}x${HEIGHT} file at ${RATES.join(' / ')} fps → live pipeline → MKV; latency the route adds`,
  async run(ctx) {
    const model = pipelineModel(ctx);
    const rows: Row[] = [];
    for (const fps of RATES) {
      const clip = await makeCameraClip(join(tmpdir(), `toonstream-camera-bench-${WIDTH}x${HEIGHT}-${fps}-${SECONDS}.y4m`), {
        width: WIDTH,
        height: HEIGHT,
        fps,
        seconds: SECONDS,
      });
      const source: SourceSpec = { kind: 'file', path: clip, loop: false };
      const info = await probeSource(source);
      const out = join(tmpdir(), `toonstream-camera-bench-${process.pid}.mkv`);
      const pipeline = benchPipeline(ctx);
      ctx.log(`camera: ${model}, ${WIDTH}x${HEIGHT} at ${fps} fps, ${SECONDS} s`);
      try {
        await pipeline.warmUp();
        const summary = await runCamera({
          source,
          info,
          size: { width: WIDTH, height: HEIGHT },
          sink: { kind: 'file', path: out, container: 'mkv' },
          bitrate: '2500k',
          stdout: process.stdout,
          keepLatencySamples: true,
          openProcessor: async (onCartoon) => {
            const local = new LocalProcessor({ pipeline, model, size: { width: WIDTH, height: HEIGHT }, onCartoon });
            await local.warmUp();
            return local;
          },
        });
        rows.push({ fps, summary });
      } finally {
        await pipeline.close();
        rmSync(out, { force: true });
      }
    }
    return {
      title: `toonstream camera (${model}, ${WIDTH}x${HEIGHT} file read at its rate with -re, ${SECONDS} s, to H.264 MKV)`,
      columns: ['input fps', 'frames in', 'frames out', 'new cartoons/s', 'latency median ms', 'p95 ms', 'dropped %', 'repeated %'],
      rows: rows.map(({ fps, summary: s }) => [
        String(fps),
        String(s.sourceFrames),
        String(s.written),
        ((s.fresh * fps) / Math.max(1, s.sourceFrames)).toFixed(1),
        ms(s.latencyMedianMs),
        ms(s.latencyP95Ms),
        ((100 * s.dropped) / Math.max(1, s.sourceFrames)).toFixed(0),
        ((100 * s.repeated) / Math.max(1, s.written)).toFixed(0),
      ]),
      notes: [
        'latency = source frame read from the decoding ffmpeg → its cartoon written to the encoding ffmpeg (resize, inference, smoothing, guided upsampling, queueing), over every fresh cartoon',
        'new cartoons/s over the clip\'s duration; output frames = source frames (the pacer repeats the latest cartoon when the model is slower than the source); dropped = source frames replaced by a newer one while the model was busy',
        'the decoding and encoding ffmpeg processes share the CPU with inference',
      ],
      data: rows.map(({ fps, summary: s }) => ({
        model,
        inputFps: fps,
        sourceFrames: s.sourceFrames,
        written: s.written,
        fresh: s.fresh,
        repeated: s.repeated,
        dropped: s.dropped,
        elapsedS: s.elapsedS,
        latencyMedianMs: s.latencyMedianMs,
        latencyP95Ms: s.latencyP95Ms,
      })),
    };
  },
};
