import { join } from 'node:path';
import { workingShape } from '../../src/pipeline/shapes';
import { benchPipeline, drive, fixed, photo, pipelineModel } from './pipeline-common';
import { PIPELINE_FIXTURES, gradientEnergy, loadRgb, psnr, resizeTo, ssim } from './pipeline-media';
import type { Frame } from '../../src/engine/types';
import type { BenchSection } from './types';

const W = 1280;
const H = 720;
const SECONDS = 8;

async function photoAt(path: string): Promise<Frame> {
  return resizeTo(await loadRgb(path), W, H);
}

/**
 * 1280x720 output: frames/s offline (3 in flight) and live from a 30 fps source; quality of
 * guided upsampling from the working size against running the net on the full 1280x720 frame
 * (PSNR/SSIM), with plain bilinear upsampling of the same low-resolution cartoon for reference.
 */
export const pipelineHdSection: BenchSection = {
  name: 'pipeline-hd',
  description: '1280x720 output frames/s (offline, live 30 fps source) and guided upsampling vs full-size net (PSNR/SSIM)',
  async run(ctx) {
    const model = pipelineModel(ctx);
    const card = ctx.engine.models().find((m) => m.name === model)!;
    const frame = await photo(W, H);
    const rows: string[][] = [];
    const data: Record<string, unknown> = { model };

    ctx.log(`pipeline-hd: ${model} offline throughput`);
    let pipeline = benchPipeline(ctx);
    await pipeline.warmUp();
    const offline = pipeline.openStream({ model, mode: 'offline', outputWidth: W, outputHeight: H });
    await drive([offline], frame, 500, 2);
    const off = await drive([offline], frame, SECONDS * 1000, 3);
    const offFps = (off.frames * 1000) / off.ms;
    rows.push(['offline, 3 in flight', fixed(offFps), fixed(offline.stats().latencyMedianMs, 0), fixed(offline.stats().latencyP95Ms, 0), '0']);
    data.offline = { fps: offFps, ...offline.stats() };
    await pipeline.close();

    // The same at a smaller working size: what the 2-core CPU trades for frame rate.
    ctx.log(`pipeline-hd: ${model} offline throughput, working short side 192`);
    pipeline = benchPipeline(ctx, { workingShortSide: 192 });
    await pipeline.warmUp();
    const small = pipeline.openStream({ model, mode: 'offline', outputWidth: W, outputHeight: H });
    await drive([small], frame, 500, 2);
    const sm = await drive([small], frame, SECONDS * 1000, 3);
    const smFps = (sm.frames * 1000) / sm.ms;
    rows.push(['offline, 3 in flight, working short side 192', fixed(smFps), fixed(small.stats().latencyMedianMs, 0), fixed(small.stats().latencyP95Ms, 0), '0']);
    data.offlineSmall = { fps: smFps, workingShortSide: 192, ...small.stats() };
    await pipeline.close();
    pipeline = benchPipeline(ctx);
    await pipeline.warmUp();

    ctx.log(`pipeline-hd: ${model} live 30 fps source`);
    const live = pipeline.openStream({ model, mode: 'live', outputWidth: W, outputHeight: H, deadlineMs: 200 });
    const started = performance.now();
    const results: Array<Promise<unknown>> = [];
    let sent = 0;
    while (performance.now() - started < SECONDS * 1000) {
      results.push(live.submit(frame));
      sent++;
      const next = started + (sent * 1000) / 30;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    await Promise.all(results);
    const ls = live.stats();
    const liveFps = (ls.processed * 1000) / (performance.now() - started);
    rows.push(['live, 30 fps source', fixed(liveFps), fixed(ls.latencyMedianMs, 0), fixed(ls.latencyP95Ms, 0), `${ls.dropped}/${ls.received}`]);
    data.live = { fps: liveFps, ...ls };
    await pipeline.close();

    ctx.log(`pipeline-hd: ${model} guided upsampling vs full-size net`);
    const quality: string[][] = [];
    const q: Array<Record<string, number | string>> = [];
    const ws = workingShape(W, H, card.input.workingShortSide, Math.max(pipeline.config.bucketMultiple, card.input.multipleOf));
    const classic = benchPipeline(ctx, { guidedDetail: 0 });
    const detail = benchPipeline(ctx, { guidedDetail: 1 });
    const upsample = async (p: typeof classic, img: Frame): Promise<Frame> => {
      const stream = p.openStream({ model, mode: 'offline', outputWidth: W, outputHeight: H, smoothing: 0 });
      const out = (await stream.submit(img))!.frame;
      stream.close();
      return out;
    };
    for (const [name, img] of [
      ['coffee', frame],
      ['astronaut', await photoAt(join(PIPELINE_FIXTURES, 'astronaut-512.jpg'))],
      ['chelsea', await photoAt(join(PIPELINE_FIXTURES, 'chelsea-451x300.jpg'))],
    ] as const) {
      const full = await ctx.engine.run(model, { data: img.data, n: 1, width: W, height: H });
      const fullFrame: Frame = { data: full.data, width: W, height: H };
      const g0 = await upsample(classic, img);
      const g1 = await upsample(detail, img);
      const low = await resizeTo(img, ws.width, ws.height);
      const lowOut = await ctx.engine.run(model, { data: low.data, n: 1, width: ws.width, height: ws.height });
      const bilinear = await resizeTo({ data: lowOut.data, width: ws.width, height: ws.height }, W, H);
      const sharpFull = gradientEnergy(fullFrame);
      const row = {
        image: name,
        guidedPsnr: psnr(g0, fullFrame), guidedSsim: ssim(g0, fullFrame), guidedSharpness: gradientEnergy(g0) / sharpFull,
        detailPsnr: psnr(g1, fullFrame), detailSsim: ssim(g1, fullFrame), detailSharpness: gradientEnergy(g1) / sharpFull,
        bilinearPsnr: psnr(bilinear, fullFrame), bilinearSsim: ssim(bilinear, fullFrame), bilinearSharpness: gradientEnergy(bilinear) / sharpFull,
      };
      q.push(row);
      quality.push([
        name,
        `${fixed(row.guidedPsnr, 2)} / ${fixed(row.guidedSsim, 3)} / ${fixed(row.guidedSharpness, 2)}`,
        `${fixed(row.detailPsnr, 2)} / ${fixed(row.detailSsim, 3)} / ${fixed(row.detailSharpness, 2)}`,
        `${fixed(row.bilinearPsnr, 2)} / ${fixed(row.bilinearSsim, 3)} / ${fixed(row.bilinearSharpness, 2)}`,
      ]);
    }
    await classic.close();
    await detail.close();
    data.quality = q;
    const notes = [
      `working size ${ws.width}x${ws.height}; smoothing and guided upsampling on; live deadline 200 ms`,
      'upsampling quality vs the net run on the full 1280x720 frame:',
      '  image | guided (Wu) PSNR dB / SSIM / sharpness | guided, detail b | bilinear',
      '  (sharpness = mean luma gradient relative to the full-size net output)',
      ...quality.map((r) => `  ${r.join(' | ')}`),
    ];
    return {
      title: `HD output, 1280x720 (${model})`,
      columns: ['mode', 'frames/s', 'latency median ms', 'latency p95 ms', 'dropped/received'],
      rows,
      notes,
      data,
    };
  },
};
