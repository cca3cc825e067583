import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { JobView } from '../../src/jobs';
import { fixtureModelsDir, repo, tempDir } from '../support/fixtures';
import { facts, makeClip } from './media-helpers';
import { getJson, post, readEvents, waitFor } from './jobs-helpers';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The real server process, as `npm start` runs it. */
async function serve(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repo, 'bin', 'toonstream.js'), 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      TOONSTREAM_MODELS_DIR: fixtureModelsDir,
      TOONSTREAM_DATA_DIR: dataDir,
      TOONSTREAM_THREADS: '1',
      TOONSTREAM_MIN_FREE_DISK: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await waitFor('the server to listen', async () => {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    return ok ? true : undefined;
  }, 30_000, 100);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

test('a job running when the server is killed (SIGKILL) finishes after a restart, never served half-written', async () => {
  const dataDir = tempDir('toonstream-restart-');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const input = makeClip({ width: 640, height: 360, fps: 30, seconds: 4, audio: true });
  let server = await serve(port, dataDir);
  try {
    const up = await post(base, { path: input, filename: 'restart.mp4' });
    expect(up.status).toBe(202);
    const id = up.json.id as string;
    const before = await waitFor('the job to be part-way', async () => {
      const j = (await getJson(`${base}/api/jobs/${id}`)).json as unknown as JobView;
      return j.state === 'running' && j.progress.framesDone >= 15 ? j : undefined;
    }, 60_000, 20);
    expect(before.progress.framesDone).toBeLessThan(before.progress.framesTotal);

    server.kill('SIGKILL');
    await exited(server);
    // Only a hidden temporary name can exist for the unfinished result.
    const visible = readdirSync(join(dataDir, 'results')).filter((f) => !f.startsWith('.'));
    expect(visible).toEqual([]);

    server = await serve(port, dataDir);
    const after = (await getJson(`${base}/api/jobs/${id}`)).json as unknown as JobView;
    expect(['queued', 'running']).toContain(after.state);
    expect(after.attempts).toBeGreaterThanOrEqual(1);
    if (after.state !== 'done') expect((await getJson(`${base}/api/jobs/${id}/result`)).status).toBe(409);

    const events = await readEvents(base, id);
    const last = events[events.length - 1]?.job as JobView;
    expect(last.state).toBe('done');
    expect(last.attempts).toBe(2);

    const res = await fetch(`${base}/api/jobs/${id}/result`);
    expect(res.status).toBe(200);
    const out = join(dataDir, 'downloaded.mp4');
    writeFileSync(out, Buffer.from(await res.arrayBuffer()));
    const i = facts(input);
    const o = facts(out);
    expect([o.width, o.height, o.frames, o.hasAudio]).toEqual([640, 360, i.frames, true]);
    expect(Math.abs(o.durationS - i.durationS)).toBeLessThanOrEqual(1 / 30 + 1e-3);
    // Leftover temporary files of the killed run are gone.
    expect(readdirSync(join(dataDir, 'results'))).toEqual([`${id}.mp4`]);
  } finally {
    server.kill('SIGTERM');
    await exited(server);
  }
}, 180_000);

test('SIGTERM mid-job shuts down cleanly and the job is queued again, then finishes', async () => {
  const dataDir = tempDir('toonstream-sigterm-');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const input = makeClip({ width: 640, height: 360, fps: 30, seconds: 4, audio: true });
  let server = await serve(port, dataDir);
  try {
    const id = (await post(base, { path: input })).json.id as string;
    await waitFor('the job to be part-way', async () => {
      const j = (await getJson(`${base}/api/jobs/${id}`)).json as unknown as JobView;
      return j.state === 'running' && j.progress.framesDone >= 10 ? j : undefined;
    }, 60_000, 20);
    server.kill('SIGTERM');
    await exited(server);
    expect(server.exitCode).toBe(0);
    server = await serve(port, dataDir);
    const last = (await readEvents(base, id)).pop()?.job as JobView;
    expect(last.state).toBe('done');
    expect(last.progress.framesDone).toBe(facts(input).frames);
  } finally {
    server.kill('SIGTERM');
    await exited(server);
  }
}, 180_000);
