import { readdir, stat, unlink } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import { join } from 'node:path';
import { MediaError } from '../media/errors';
import type { TranscodeProgress } from '../media/transcode';
import type { JobsConfig } from './config';
import { formatBytes, freeBytes } from './disk';
import { DataLayout } from './layout';
import { RateMeter } from './rate';
import type { JobRunner } from './runner';
import { jobMetrics, type JobMetrics } from './metrics';
import { JobStore } from './store';
import { TERMINAL_STATES, type JobEvent, type JobProgress, type JobRecord, type JobState, type JobView, type NewJob } from './types';
import { toView } from './view';

export interface JobLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silent: JobLogger = { info() {}, warn() {}, error() {} };

interface Active {
  readonly controller: AbortController;
  readonly meter: RateMeter;
  progress: JobProgress;
  lastEmit: number;
  lastSave: number;
  readonly pids: Set<number>;
  /** Why it is being stopped: a user cancel, or the server shutting down (requeue). */
  stopReason?: 'cancel' | 'shutdown';
  finished?: Promise<void>;
}

const EMIT_EVERY_MS = 250;
const SAVE_EVERY_MS = 1000;
/** Leftover files (no job row) are removed once older than this. */
const ORPHAN_AGE_MS = 3600_000;

export type JobListener = (event: JobEvent) => void;

/**
 * The job queue: persistence, scheduling up to `concurrency` jobs, progress events, cancel,
 * crash recovery and retention. The work itself is the injected runner.
 */
export class JobManager {
  private readonly active = new Map<string, Active>();
  private readonly listeners = new Map<string, Set<JobListener>>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private started = false;
  readonly layout: DataLayout;
  private readonly store: JobStore;

  private readonly metrics: JobMetrics | undefined;

  constructor(
    readonly config: JobsConfig,
    private readonly runner: JobRunner,
    private readonly log: JobLogger = silent,
    registry?: Registry,
  ) {
    this.layout = new DataLayout(config.dataDir);
    this.layout.ensure();
    this.store = new JobStore(this.layout.database);
    this.metrics = registry ? jobMetrics(registry, (state) => (this.closed ? 0 : this.store.countByState(state))) : undefined;
  }

  /** Recovers from a previous process, then starts processing and the retention sweep. */
  async start(): Promise<void> {
    await this.recover();
    await this.sweep();
    this.started = true;
    const every = Math.min(Math.max(this.config.retentionS * 100, 1000), 10 * 60_000);
    this.sweepTimer = setInterval(() => void this.sweep().catch((err: unknown) => this.log.error({ err }, 'retention sweep failed')), every);
    this.sweepTimer.unref();
    this.pump();
  }

  get(id: string): JobView | undefined {
    const job = this.store.get(id);
    return job ? this.viewOf(job) : undefined;
  }

  record(id: string): JobRecord | undefined {
    return this.store.get(id);
  }

  list(limit = 50, state?: JobState): JobView[] {
    return this.store.list(limit, state).map((j) => this.viewOf(j));
  }

  /** Process ids of the ffmpeg children of a running job (diagnostics, tests). */
  processIds(id: string): number[] {
    return [...(this.active.get(id)?.pids ?? [])];
  }

  submit(job: NewJob): JobView {
    if (this.closed) throw new Error('the job queue is shut down');
    const rec = this.store.insert(job);
    this.log.info({ job: job.id, file: job.filename }, 'job queued');
    this.emit(rec, 'queued');
    this.pump();
    return toView(rec);
  }

  /**
   * Cancels a queued or running job. Resolves once its ffmpeg processes are gone.
   * Returns undefined for an unknown id, the unchanged view for a finished job.
   */
  async cancel(id: string): Promise<JobView | undefined> {
    const job = this.store.get(id);
    if (!job) return undefined;
    if (TERMINAL_STATES.has(job.state)) return toView(job);
    this.store.markCancelled(id);
    const running = this.active.get(id);
    if (running) {
      running.stopReason = 'cancel';
      running.controller.abort();
      await running.finished;
    } else {
      this.metrics?.finished('cancelled', 0, 0, 0);
      this.emit(this.store.get(id) as JobRecord, 'cancelled');
    }
    await this.removeFiles(this.store.get(id) as JobRecord, { upload: true, output: false });
    this.log.info({ job: id }, 'job cancelled');
    return this.get(id);
  }

  /** Deletes a finished job and its files. Returns false when unknown or still active. */
  async remove(id: string): Promise<boolean> {
    const job = this.store.get(id);
    if (!job || !TERMINAL_STATES.has(job.state)) return false;
    await this.removeFiles(job, { upload: true, output: true });
    this.store.delete(id);
    return true;
  }

  subscribe(id: string, listener: JobListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Stops taking work; running jobs are stopped and put back in the queue for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const running = [...this.active.values()];
    for (const a of running) {
      a.stopReason = 'shutdown';
      a.controller.abort();
    }
    await Promise.allSettled(running.map((a) => a.finished));
    this.store.close();
  }

  /** Removes files of jobs finished longer ago than the retention time, and orphaned files. */
  async sweep(now = Date.now()): Promise<number> {
    const due = this.store.finishedBefore(now - this.config.retentionS * 1000);
    for (const job of due) {
      await this.removeFiles(job, { upload: true, output: true });
      this.store.markExpired(job.id, now);
    }
    if (due.length) this.log.info({ jobs: due.length }, 'retention: removed files of finished jobs');
    await this.removeOrphans(now);
    return due.length;
  }

  private async recover(): Promise<void> {
    for (const job of this.store.orphanedRunning()) {
      if (job.attempts >= this.config.maxAttempts) {
        this.store.markFailed(job.id, `processing was interrupted ${job.attempts} times (the server stopped); giving up`);
        this.log.warn({ job: job.id }, 'job failed after repeated interruptions');
      } else {
        this.store.requeue(job.id);
        this.log.info({ job: job.id }, 'job was running when the server stopped: queued again');
      }
    }
    // Nothing can be mid-write at startup: temporary files are leftovers of a killed process.
    for (const dir of [this.layout.uploads, this.layout.results]) {
      for (const name of await readdir(dir)) {
        if (name.startsWith('.')) await unlink(join(dir, name)).catch(() => undefined);
      }
    }
  }

  private async removeOrphans(now: number): Promise<void> {
    const referenced = this.store.referencedPaths();
    for (const dir of [this.layout.uploads, this.layout.results]) {
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        if (referenced.has(path)) continue;
        const st = await stat(path).catch(() => undefined);
        if (st && now - st.mtimeMs > ORPHAN_AGE_MS) await unlink(path).catch(() => undefined);
      }
    }
  }

  private async removeFiles(job: JobRecord, what: { upload: boolean; output: boolean }): Promise<void> {
    if (what.upload) await unlink(job.inputPath).catch(() => undefined);
    if (what.output && job.outputPath) await unlink(job.outputPath).catch(() => undefined);
  }

  private pump(): void {
    while (this.started && !this.closed && this.active.size < this.config.concurrency) {
      const job = this.store.claimNext();
      if (!job) return;
      this.run(job);
    }
  }

  private run(job: JobRecord): void {
    const a: Active = {
      controller: new AbortController(),
      meter: new RateMeter(),
      progress: job.progress,
      lastEmit: 0,
      lastSave: 0,
      pids: new Set(),
    };
    this.active.set(job.id, a);
    this.log.info({ job: job.id, attempt: job.attempts }, 'job started');
    this.emit(job, 'running');
    a.finished = this.execute(job, a).finally(() => {
      this.active.delete(job.id);
      this.pump();
    });
  }

  private async execute(job: JobRecord, a: Active): Promise<void> {
    const started = performance.now();
    try {
      await this.ensureDiskSpace(job);
      const out = await this.runner(job, {
        outputPath: this.layout.result(job.id, job.options.format),
        signal: a.controller.signal,
        onProgress: (p) => this.onProgress(job, a, p),
        onSpawn: (pid) => a.pids.add(pid),
      });
      if (a.stopReason) throw new MediaError('cancelled', 'cancelled');
      this.store.markDone(job.id, out.outputPath, out.outputBytes, out.frames);
      this.metrics?.finished('done', out.frames, (performance.now() - started) / 1000, job.media.durationS);
      this.log.info({ job: job.id, frames: out.frames, bytes: out.outputBytes }, 'job done');
      this.emit(this.store.get(job.id) as JobRecord, 'done');
    } catch (err) {
      if (a.stopReason === 'shutdown') {
        this.store.requeue(job.id);
        return;
      }
      if (a.stopReason === 'cancel') {
        this.metrics?.finished('cancelled', 0, 0, 0);
        this.emit(this.store.get(job.id) as JobRecord, 'cancelled');
        return;
      }
      const message = err instanceof MediaError ? err.message : `processing failed: ${(err as Error).message}`;
      this.store.markFailed(job.id, message);
      this.metrics?.finished('failed', 0, 0, 0);
      this.log.warn({ job: job.id, err: (err as Error).message }, 'job failed');
      this.emit(this.store.get(job.id) as JobRecord, 'failed');
    }
  }

  private async ensureDiskSpace(job: JobRecord): Promise<void> {
    if (this.config.minFreeBytes <= 0) return;
    const free = await freeBytes(this.layout.results);
    // The result is rarely larger than the upload; keep the configured reserve on top of it.
    if (free < this.config.minFreeBytes + job.inputBytes) {
      throw new MediaError('encode_failed', `not enough free disk space to write the result (${formatBytes(free)} free)`);
    }
  }

  private onProgress(job: JobRecord, a: Active, p: TranscodeProgress): void {
    const now = performance.now();
    a.meter.add(p.framesDone, now);
    a.progress = {
      framesDone: p.framesDone,
      framesTotal: p.framesTotal,
      fps: a.meter.fps(),
      etaS: a.meter.etaS(p.framesDone, p.framesTotal),
    };
    if (now - a.lastSave >= SAVE_EVERY_MS) {
      a.lastSave = now;
      this.store.updateProgress(job.id, a.progress);
    }
    if (now - a.lastEmit >= EMIT_EVERY_MS && this.listeners.has(job.id)) {
      a.lastEmit = now;
      this.emit({ ...job, state: 'running', progress: a.progress }, 'progress');
    }
  }

  /** Running jobs report their in-memory progress, fresher than the last saved row. */
  private viewOf(job: JobRecord): JobView {
    const a = this.active.get(job.id);
    return toView(a && job.state === 'running' ? { ...job, progress: a.progress } : job);
  }

  private emit(job: JobRecord, type: JobEvent['type']): void {
    const set = this.listeners.get(job.id);
    if (!set) return;
    const event: JobEvent = { type, job: this.viewOf(job) };
    for (const l of [...set]) {
      try {
        l(event);
      } catch (err) {
        this.log.error({ err }, 'job event listener failed');
      }
    }
  }
}
