import { stat } from 'node:fs/promises';
import type { Pipeline } from '../pipeline/types';
import { transcode, type TranscodeProgress } from '../media/transcode';
import type { JobRecord } from './types';

export interface JobRunContext {
  /** Where the finished video must end up (written under a temporary name first). */
  readonly outputPath: string;
  readonly signal: AbortSignal;
  readonly onProgress: (p: TranscodeProgress) => void;
  readonly onSpawn?: (pid: number) => void;
}

export interface JobOutput {
  readonly outputPath: string;
  readonly outputBytes: number;
  readonly frames: number;
}

/** Does the work of one job; rejects with MediaError (readable) or another Error. */
export type JobRunner = (job: JobRecord, ctx: JobRunContext) => Promise<JobOutput>;

/** Runs jobs through the shared pipeline in offline mode (every frame, in order). */
export function pipelineRunner(pipeline: Pipeline, inFlight = 4): JobRunner {
  return async (job, ctx) => {
    const { outputPath } = ctx;
    const result = await transcode({
      input: job.inputPath,
      info: job.media,
      output: outputPath,
      format: job.options.format,
      height: job.options.height,
      crf: job.options.crf,
      inFlight,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      onSpawn: ctx.onSpawn,
      openStream: (width, height) =>
        pipeline.openStream({
          model: job.options.model,
          mode: 'offline',
          outputWidth: width,
          outputHeight: height,
          strength: job.options.strength,
        }),
    });
    const { size } = await stat(outputPath);
    return { outputPath, outputBytes: size, frames: result.frames };
  };
}
