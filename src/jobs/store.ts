import Database from 'better-sqlite3';
import type { MediaInfo } from '../media/types';
import type { JobOptions, JobProgress, JobRecord, JobState, NewJob } from './types';

interface Row {
  id: string;
  state: JobState;
  filename: string;
  input_path: string;
  input_bytes: number;
  options: string;
  media: string;
  output_path: string | null;
  output_bytes: number | null;
  frames_done: number;
  frames_total: number;
  fps: number | null;
  eta_s: number | null;
  error: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expired_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id           TEXT PRIMARY KEY,
  state        TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','cancelled')),
  filename     TEXT NOT NULL,
  input_path   TEXT NOT NULL,
  input_bytes  INTEGER NOT NULL,
  options      TEXT NOT NULL,
  media        TEXT NOT NULL,
  output_path  TEXT,
  output_bytes INTEGER,
  frames_done  INTEGER NOT NULL DEFAULT 0,
  frames_total INTEGER NOT NULL,
  fps          REAL,
  eta_s        REAL,
  error        TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  expired_at   INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_finish ON jobs (finished_at);
`;

function toRecord(r: Row): JobRecord {
  const progress: JobProgress = {
    framesDone: r.frames_done,
    framesTotal: r.frames_total,
    fps: r.fps ?? undefined,
    etaS: r.eta_s ?? undefined,
  };
  return {
    id: r.id,
    state: r.state,
    filename: r.filename,
    inputPath: r.input_path,
    inputBytes: r.input_bytes,
    options: JSON.parse(r.options) as JobOptions,
    media: JSON.parse(r.media) as MediaInfo,
    outputPath: r.output_path ?? undefined,
    outputBytes: r.output_bytes ?? undefined,
    progress,
    error: r.error ?? undefined,
    attempts: r.attempts,
    createdAt: r.created_at,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
    expiredAt: r.expired_at ?? undefined,
  };
}

/**
 * The persistent queue. WAL journal: every committed state change survives the process being
 * killed, which is what restart recovery relies on.
 */
export class JobStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  insert(job: NewJob, now = Date.now()): JobRecord {
    this.db
      .prepare(
        `INSERT INTO jobs (id, state, filename, input_path, input_bytes, options, media, frames_total, created_at)
         VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(job.id, job.filename, job.inputPath, job.inputBytes, JSON.stringify(job.options), JSON.stringify(job.media), job.media.video.frameCount, now);
    return this.get(job.id) as JobRecord;
  }

  get(id: string): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Newest first. */
  list(limit: number, state?: JobState): JobRecord[] {
    const rows = state
      ? (this.db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(state, limit) as Row[])
      : (this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as Row[]);
    return rows.map(toRecord);
  }

  countByState(state: JobState): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE state = ?').get(state) as { n: number }).n;
  }

  /** Atomically moves the oldest queued job to running and returns it. */
  claimNext(now = Date.now()): JobRecord | undefined {
    const claim = this.db.transaction((): JobRecord | undefined => {
      const row = this.db.prepare("SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, rowid LIMIT 1").get() as
        | { id: string }
        | undefined;
      if (!row) return undefined;
      this.db
        .prepare(
          `UPDATE jobs SET state = 'running', started_at = ?, attempts = attempts + 1,
             frames_done = 0, fps = NULL, eta_s = NULL, error = NULL WHERE id = ?`,
        )
        .run(now, row.id);
      return this.get(row.id);
    });
    return claim();
  }

  updateProgress(id: string, p: JobProgress): void {
    this.db
      .prepare("UPDATE jobs SET frames_done = ?, frames_total = ?, fps = ?, eta_s = ? WHERE id = ? AND state = 'running'")
      .run(p.framesDone, p.framesTotal, p.fps ?? null, p.etaS ?? null, id);
  }

  markDone(id: string, outputPath: string, outputBytes: number, frames: number, now = Date.now()): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'done', output_path = ?, output_bytes = ?, frames_done = ?, frames_total = ?,
           eta_s = 0, finished_at = ? WHERE id = ?`,
      )
      .run(outputPath, outputBytes, frames, frames, now, id);
  }

  markFailed(id: string, error: string, now = Date.now()): void {
    this.db.prepare("UPDATE jobs SET state = 'failed', error = ?, eta_s = NULL, finished_at = ? WHERE id = ?").run(error, now, id);
  }

  /** Cancels a queued or running job; returns false when it had already finished. */
  markCancelled(id: string, now = Date.now()): boolean {
    const res = this.db
      .prepare("UPDATE jobs SET state = 'cancelled', eta_s = NULL, finished_at = ? WHERE id = ? AND state IN ('queued','running')")
      .run(now, id);
    return res.changes > 0;
  }

  /** Puts a running job back in the queue (graceful shutdown, or recovery after a crash). */
  requeue(id: string): void {
    this.db
      .prepare("UPDATE jobs SET state = 'queued', frames_done = 0, fps = NULL, eta_s = NULL, started_at = NULL WHERE id = ? AND state = 'running'")
      .run(id);
  }

  /** Jobs left 'running' by a process that died. */
  orphanedRunning(): JobRecord[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE state = 'running'").all() as Row[]).map(toRecord);
  }

  /** Finished jobs whose files are due for removal. */
  finishedBefore(cutoff: number): JobRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM jobs WHERE state IN ('done','failed','cancelled') AND expired_at IS NULL AND finished_at < ?")
        .all(cutoff) as Row[]
    ).map(toRecord);
  }

  markExpired(id: string, now = Date.now()): void {
    this.db.prepare('UPDATE jobs SET expired_at = ? WHERE id = ?').run(now, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }

  /** Every file path a job row still refers to (orphan sweep). */
  referencedPaths(): Set<string> {
    const rows = this.db.prepare('SELECT input_path, output_path FROM jobs WHERE expired_at IS NULL').all() as Array<{
      input_path: string;
      output_path: string | null;
    }>;
    const set = new Set<string>();
    for (const r of rows) {
      set.add(r.input_path);
      if (r.output_path) set.add(r.output_path);
    }
    return set;
  }
}
