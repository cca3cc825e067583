import { rationalValue } from '../media/rational';
import { resultFilename } from './filename';
import type { JobRecord, JobView } from './types';

export const CONTENT_TYPES = { mp4: 'video/mp4', webm: 'video/webm' } as const;

const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

export function toView(job: JobRecord): JobView {
  const { progress, media } = job;
  const percent = progress.framesTotal > 0 ? Math.min(100, (100 * progress.framesDone) / progress.framesTotal) : 0;
  const hasResult = job.state === 'done' && job.outputPath !== undefined && job.expiredAt === undefined;
  return {
    id: job.id,
    state: job.state,
    filename: job.filename,
    options: job.options,
    input: {
      width: media.video.displayWidth,
      height: media.video.displayHeight,
      fps: Math.round(rationalValue(media.video.frameRate) * 1000) / 1000,
      durationS: media.durationS,
      hasAudio: media.audio !== undefined,
      bytes: job.inputBytes,
    },
    progress: {
      ...progress,
      fps: progress.fps === undefined ? undefined : Math.round(progress.fps * 10) / 10,
      etaS: progress.etaS === undefined ? undefined : Math.round(progress.etaS * 10) / 10,
      percent: Math.round(percent * 10) / 10,
    },
    error: job.error,
    result: hasResult
      ? {
          url: `/api/jobs/${job.id}/result`,
          bytes: job.outputBytes ?? 0,
          contentType: CONTENT_TYPES[job.options.format],
          filename: resultFilename(job.filename, job.options.format),
        }
      : undefined,
    expired: job.expiredAt !== undefined,
    attempts: job.attempts,
    createdAt: iso(job.createdAt) as string,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}
