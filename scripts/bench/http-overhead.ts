import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { buildServer } from '../../src/http';
import { BENCH_PHOTO } from './photo';
import { ms, summarize, timeRuns } from './stats';
import type { BenchSection } from './types';

const GOAL = 1.3;

/**
 * POST /api/cartoonize end-to-end time (client send -> full response read, over a real socket)
 * against pure inference on the same decoded 640x427 photo, measured alternately in one run.
 */
export const httpOverheadSection: BenchSection = {
  name: 'http',
  description: `POST /api/cartoonize end-to-end vs pure inference on a 640x427 photo (goal <= ${GOAL})`,
  async run(ctx) {
    const jpeg = readFileSync(BENCH_PHOTO);
    const { data: frame, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const logger = pino({ level: 'silent' });
    // A private data dir: the server's other plugins (jobs) must not touch the real one.
    const config = { ...ctx.config, dataDir: mkdtempSync(join(tmpdir(), 'toonstream-bench-')) };
    const app = buildServer({ config, engine: ctx.engine, logger, registry: new Registry() });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const rows: string[][] = [];
    const data: unknown[] = [];
    try {
      for (const model of ctx.models) {
        ctx.log(`http: ${model} ${info.width}x${info.height}`);
        const post = async (): Promise<void> => {
          const res = await fetch(`${base}/api/cartoonize?model=${encodeURIComponent(model)}`, {
            method: 'POST',
            headers: { 'content-type': 'image/jpeg' },
            body: jpeg,
          });
          if (res.status !== 200) throw new Error(`POST /api/cartoonize answered ${res.status}: ${await res.text()}`);
          await res.arrayBuffer();
        };
        const infer = (): Promise<unknown> => ctx.engine.run(model, { data: frame, n: 1, height: info.height, width: info.width });
        // Alternate blocks so drift on a shared machine hits both measurements alike.
        const e2e: number[] = [];
        const pure: number[] = [];
        const block = Math.max(1, Math.round(ctx.runs / 5));
        await timeRuns(post, 0, 3);
        await timeRuns(infer, 0, 3);
        for (let done = 0; done < ctx.runs; done += block) {
          e2e.push(...(await timeRuns(post, block, 0)));
          pure.push(...(await timeRuns(infer, block, 0)));
        }
        const e = summarize(e2e);
        const p = summarize(pure);
        const ratio = e.median / p.median;
        data.push({ model, width: info.width, height: info.height, endToEnd: e, inference: p, ratio, goal: GOAL });
        rows.push([
          model,
          `${info.width}x${info.height}`,
          ms(e.median),
          ms(p.median),
          ms(e.median - p.median),
          ratio.toFixed(2),
          ratio <= GOAL ? 'yes' : 'no',
        ]);
      }
    } finally {
      await app.close();
    }
    return {
      title: 'POST /api/cartoonize end-to-end vs pure inference (JPEG in, JPEG out, localhost)',
      columns: ['model', 'photo', 'e2e median ms', 'inference median ms', 'overhead ms', 'ratio', `<= ${GOAL}`],
      rows,
      notes: [
        'overhead = JPEG decode + EXIF/colour handling + JPEG encode + HTTP on localhost; it is roughly fixed per image,',
        'so the ratio is high for a tiny model and approaches 1 as the model gets heavier.',
      ],
      data,
    };
  },
};
