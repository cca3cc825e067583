import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobManager, JobStore, loadJobsConfig, type JobEvent, type JobRecord, type JobRunner, type JobsConfig, type NewJob } from '../../src/jobs';
import { DataLayout } from '../../src/jobs/layout';
import { MediaError, type MediaInfo } from '../../src/media';
import { tempDir } from '../support/fixtures';

const MEDIA: MediaInfo = {
  formatName: 'mp4', durationS: 1, sizeBytes: 10,
  video: {
    codec: 'h264', width: 64, height: 64, displayWidth: 64, displayHeight: 64, rotation: 0, sar: { num: 1, den: 1 },
    frameRate: { num: 10, den: 1 }, variableFrameRate: false, frameCount: 10, frameCountExact: true, durationS: 1,
  },
};

interface Controlled {
  readonly job: JobRecord;
  readonly signal: AbortSignal;
  progress(done: number): void;
  finish(): void;
  fail(err: Error): void;
}

/** A runner the test drives by hand: the queue logic is under test here, not the media. */
function controlledRunner(): { runner: JobRunner; started: Controlled[]; next(): Promise<Controlled> } {
  const started: Controlled[] = [];
  const waiters: Array<(c: Controlled) => void> = [];
  const runner: JobRunner = (job, ctx) =>
    new Promise((resolve, reject) => {
      const c: Controlled = {
        job,
        signal: ctx.signal,
        progress: (done) => ctx.onProgress({ framesDone: done, framesTotal: 10, elapsedS: done / 10 }),
        finish: () => {
          writeFileSync(ctx.outputPath, 'video');
          resolve({ outputPath: ctx.outputPath, outputBytes: 5, frames: 10 });
        },
        fail: reject,
      };
      ctx.signal.addEventListener('abort', () => reject(new MediaError('cancelled', 'cancelled')));
      started.push(c);
      waiters.shift()?.(c);
    });
  let seen = 0;
  return {
    runner,
    started,
    next: () => (started.length > seen ? Promise.resolve(started[seen++] as Controlled) : new Promise((r) => waiters.push((c) => (seen++, r(c))))),
  };
}

function config(dataDir: string, over: Partial<JobsConfig> = {}): JobsConfig {
  return { ...loadJobsConfig(dataDir, {}), minFreeBytes: 0, ...over };
}

let n = 0;
function newJob(m: JobManager): NewJob {
  return fileJob(m.layout);
}

function fileJob(layout: DataLayout): NewJob {
  const id = `job${String(++n).padStart(13, '0')}`;
  const inputPath = layout.upload(id);
  writeFileSync(inputPath, 'upload');
  return { id, filename: `clip${n}.mp4`, inputPath, inputBytes: 6, media: MEDIA, options: { model: 'm', strength: 1, format: 'mp4' } };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('JobManager', () => {
  test('runs jobs in order, at most `concurrency` at once, and reports done', async () => {
    const dir = tempDir();
    const r = controlledRunner();
    const m = new JobManager(config(dir, { concurrency: 2 }), r.runner);
    await m.start();
    const ids = [newJob(m), newJob(m), newJob(m)].map((j) => m.submit(j).id);
    const a = await r.next();
    const b = await r.next();
    expect([a.job.id, b.job.id]).toEqual(ids.slice(0, 2));
    expect(r.started).toHaveLength(2);
    expect(m.get(ids[2] as string)?.state).toBe('queued');
    a.finish();
    const c = await r.next();
    expect(c.job.id).toBe(ids[2]);
    b.finish();
    c.finish();
    await tick();
    for (const id of ids) expect(m.get(id)).toMatchObject({ state: 'done', progress: { framesDone: 10, percent: 100 } });
    expect(m.get(ids[0] as string)?.result?.url).toBe(`/api/jobs/${ids[0]}/result`);
    await m.close();
  });

  test('progress events with fps and ETA, then a final event', async () => {
    const dir = tempDir();
    const r = controlledRunner();
    const m = new JobManager(config(dir), r.runner);
    await m.start();
    const id = m.submit(newJob(m)).id;
    const events: JobEvent[] = [];
    m.subscribe(id, (e) => events.push(e));
    const c = await r.next();
    for (let i = 1; i <= 5; i++) {
      c.progress(i);
      await new Promise((res) => setTimeout(res, 260));
    }
    expect(m.get(id)?.progress.framesDone).toBe(5);
    c.finish();
    await tick();
    const types = events.map((e) => e.type);
    expect(types[types.length - 1]).toBe('done');
    const last = events.filter((e) => e.type === 'progress').pop();
    expect(last?.job.progress.fps).toBeGreaterThan(2);
    expect(last?.job.progress.etaS).toBeGreaterThan(0);
    await m.close();
  });

  test('failures: a MediaError message as is, anything else prefixed', async () => {
    const dir = tempDir();
    const r = controlledRunner();
    const m = new JobManager(config(dir), r.runner);
    await m.start();
    const a = m.submit(newJob(m)).id;
    const b = m.submit(newJob(m)).id;
    (await r.next()).fail(new MediaError('truncated', 'the video stopped after 3 of 10 frames'));
    (await r.next()).fail(new Error('boom'));
    await tick();
    expect(m.get(a)).toMatchObject({ state: 'failed', error: 'the video stopped after 3 of 10 frames' });
    expect(m.get(b)).toMatchObject({ state: 'failed', error: 'processing failed: boom' });
    await m.close();
  });

  test('cancel: running jobs are aborted, queued ones never start; uploads are removed', async () => {
    const dir = tempDir();
    const r = controlledRunner();
    const m = new JobManager(config(dir), r.runner);
    await m.start();
    const running = newJob(m);
    const queued = newJob(m);
    m.submit(running);
    m.submit(queued);
    const c = await r.next();
    expect((await m.cancel(queued.id))?.state).toBe('cancelled');
    expect((await m.cancel(running.id))?.state).toBe('cancelled');
    expect(c.signal.aborted).toBe(true);
    await tick();
    expect(r.started).toHaveLength(1);
    expect(existsSync(running.inputPath)).toBe(false);
    expect(await m.cancel('nope')).toBeUndefined();
    expect(await m.remove(running.id)).toBe(true);
    expect(m.get(running.id)).toBeUndefined();
    await m.close();
  });

  test('restart: a job left running is queued again and finishes; repeated crashes fail it', async () => {
    const dir = tempDir();
    // The state a killed process leaves: rows saying running, leftovers under temporary names.
    const layout = new DataLayout(dir);
    layout.ensure();
    const job = fileJob(layout);
    const doomed = fileJob(layout);
    const store = new JobStore(layout.database);
    store.insert(job);
    store.claimNext();
    store.insert(doomed);
    store.claimNext();
    for (let i = 0; i < 2; i++) {
      store.requeue(doomed.id);
      store.claimNext();
    }
    store.close();
    writeFileSync(join(layout.results, `.${job.id}.mp4.partial-1234`), 'half');
    writeFileSync(join(layout.uploads, '.abc.uploading'), 'half');

    const r = controlledRunner();
    const second = new JobManager(config(dir, { maxAttempts: 3 }), r.runner);
    await second.start();
    expect(second.get(job.id)?.state).toBe('running');
    const c = await r.next();
    expect(c.job.id).toBe(job.id);
    expect(c.job.attempts).toBe(2);
    expect(existsSync(join(layout.results, `.${job.id}.mp4.partial-1234`))).toBe(false);
    expect(existsSync(join(layout.uploads, '.abc.uploading'))).toBe(false);
    c.finish();
    await tick();
    expect(second.get(job.id)?.state).toBe('done');
    expect(second.get(doomed.id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/interrupted 3 times/) });
    await second.close();
  });

  test('close() puts a running job back in the queue', async () => {
    const dir = tempDir();
    const r = controlledRunner();
    const m = new JobManager(config(dir), r.runner);
    await m.start();
    const id = m.submit(newJob(m)).id;
    await r.next();
    await m.close();
    const again = new JobManager(config(dir), controlledRunner().runner);
    expect(again.get(id)?.state).toBe('queued');
    await again.close();
  });

  test('retention removes the files of finished jobs and orphans, and marks them expired', async () => {
    const dir = tempDir();
    const r = controlledRunner();
    const m = new JobManager(config(dir, { retentionS: 60 }), r.runner);
    await m.start();
    const job = newJob(m);
    m.submit(job);
    (await r.next()).finish();
    await tick();
    const out = m.record(job.id)?.outputPath as string;
    expect(existsSync(out)).toBe(true);
    expect(await m.sweep(Date.now() + 30_000)).toBe(0);
    const orphan = join(m.layout.results, 'stray.mp4');
    writeFileSync(orphan, 'x');
    const old = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(orphan, old, old);
    expect(await m.sweep(Date.now() + 61_000)).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(job.inputPath)).toBe(false);
    expect(existsSync(orphan)).toBe(false);
    expect(m.get(job.id)).toMatchObject({ state: 'done', expired: true, result: undefined });
    await m.close();
  });

  test('the disk guard fails a job that would not fit', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const r = controlledRunner();
    const m = new JobManager(config(dir, { minFreeBytes: Number.MAX_SAFE_INTEGER }), r.runner);
    await m.start();
    const id = m.submit(newJob(m)).id;
    await new Promise((res) => setTimeout(res, 50));
    expect(m.get(id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/not enough free disk space/) });
    expect(r.started).toHaveLength(0);
    await m.close();
  });
});
