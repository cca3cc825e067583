import { Gauge, type Registry } from 'prom-client';
import { counter, histogram } from '../metrics';
import type { JobState } from './types';

/** What the queue reports to /metrics. */
export interface JobMetrics {
  finished(state: JobState, frames: number, seconds: number, videoSeconds: number): void;
}

export function jobMetrics(registry: Registry, countByState: (state: JobState) => number): JobMetrics {
  const jobs = counter(registry, 'toonstream_jobs_finished_total', 'Video jobs that reached a final state', ['state']);
  const frames = counter(registry, 'toonstream_job_frames_total', 'Frames written by finished video jobs', []);
  const speed = histogram(registry, 'toonstream_job_realtime_factor', 'Video seconds processed per wall-clock second, per done job', [],
    [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 8]);
  if (!registry.getSingleMetric('toonstream_jobs')) {
    // Read from the database at scrape time, so it is right after a restart too.
    new Gauge({
      name: 'toonstream_jobs',
      help: 'Video jobs by current state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        for (const state of ['queued', 'running', 'done', 'failed', 'cancelled'] as const) this.set({ state }, countByState(state));
      },
    });
  }
  return {
    finished(state, n, seconds, videoSeconds) {
      jobs.inc({ state });
      if (state !== 'done') return;
      frames.inc(n);
      if (seconds > 0) speed.observe(videoSeconds / seconds);
    },
  };
}
