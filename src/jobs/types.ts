import type { MediaInfo, OutputFormat } from '../media/types';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

export interface JobOptions {
  readonly model: string;
  /** Output height; undefined keeps the input's size (short side at most 1080). */
  readonly height?: number;
  /** 0..1 blend of cartoon over the original. */
  readonly strength: number;
  readonly format: OutputFormat;
  readonly crf?: number;
}

export interface JobProgress {
  readonly framesDone: number;
  readonly framesTotal: number;
  /** Frames per second over the last few seconds; undefined until measurable. */
  readonly fps?: number;
  readonly etaS?: number;
}

/** One row of the queue, as stored. Times are Unix milliseconds. */
export interface JobRecord {
  readonly id: string;
  readonly state: JobState;
  /** The uploaded file's name, sanitised; shown to people, never used as a path. */
  readonly filename: string;
  readonly inputPath: string;
  readonly inputBytes: number;
  readonly options: JobOptions;
  readonly media: MediaInfo;
  readonly outputPath?: string;
  readonly outputBytes?: number;
  readonly progress: JobProgress;
  readonly error?: string;
  /** How many times processing started (restarts after a crash count). */
  readonly attempts: number;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Set when retention removed the files. */
  readonly expiredAt?: number;
}

export interface NewJob {
  readonly id: string;
  readonly filename: string;
  readonly inputPath: string;
  readonly inputBytes: number;
  readonly options: JobOptions;
  readonly media: MediaInfo;
}

/** What the API returns for a job. */
export interface JobView {
  readonly id: string;
  readonly state: JobState;
  readonly filename: string;
  readonly options: JobOptions;
  readonly input: {
    readonly width: number;
    readonly height: number;
    readonly fps: number;
    readonly durationS: number;
    readonly hasAudio: boolean;
    readonly bytes: number;
  };
  readonly progress: JobProgress & { readonly percent: number };
  readonly error?: string;
  readonly result?: { readonly url: string; readonly bytes: number; readonly contentType: string; readonly filename: string };
  readonly expired: boolean;
  readonly attempts: number;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export type JobEventType = 'queued' | 'running' | 'progress' | JobState;

export interface JobEvent {
  readonly type: JobEventType;
  readonly job: JobView;
}
