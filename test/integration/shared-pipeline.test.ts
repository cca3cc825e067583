/**
 * @jest-environment ./test/integration/pipeline-environment.js
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../src/engine';
import { buildServer } from '../../src/http';
import { createPipeline, type FrameStream, type Pipeline, type StreamOptions } from '../../src/pipeline';
import { decodeServerFrame, encodeClientFrame, ImageFormat, MessageType, type ServerFrame } from '../../src/transport/ws/protocol';
import { freshRegistry, silentLogger, tempDir, testConfig } from '../support/fixtures';
import { waitFor } from '../../scripts/bench/live-client';
import { post, readEvents } from './jobs-helpers';
import { makeClip } from './media-helpers';
import { liveModelsDir } from './transport-helpers';

/** The server's pipeline, recording which streams each feature opens on it. */
class RecordingPipeline implements Pipeline {
  readonly opened: StreamOptions[] = [];
  constructor(private readonly inner: Pipeline) {}
  openStream(options: StreamOptions): FrameStream {
    this.opened.push(options);
    return this.inner.openStream(options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('one pipeline for every stream of the server', () => {
  let engine: Engine;
  let app: FastifyInstance;
  let pipeline: RecordingPipeline;
  let base: string;

  beforeAll(async () => {
    const modelsDir = liveModelsDir();
    const registry = freshRegistry();
    engine = await createEngine({ modelsDir, intraOpThreads: 1, registry });
    pipeline = new RecordingPipeline(createPipeline(engine, { metrics: registry }));
    const config = testConfig({ TOONSTREAM_MODELS_DIR: modelsDir, TOONSTREAM_DEFAULT_MODEL: 'tiny-test', TOONSTREAM_DATA_DIR: tempDir('toonstream-shared-') });
    app = buildServer({ config, engine, logger: silentLogger(), registry, pipeline });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await pipeline.close();
    await engine.close();
  });

  it('runs an upload job and a live WebSocket session through the pipeline the server was given', async () => {
    const clip = makeClip({ width: 320, height: 240, fps: 15, seconds: 1 });
    const upload = await post(base, { path: clip });
    expect(upload.status).toBe(202);

    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/live`);
    const frames: ServerFrame[] = [];
    ws.on('message', (data: Buffer, binary) => {
      if (binary) frames.push(decodeServerFrame(new Uint8Array(data)));
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const image = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: 200, g: 80, b: 40 } } }).jpeg().toBuffer();
    ws.send(encodeClientFrame({ format: ImageFormat.jpeg, frameId: 7, clientTimestampMs: 1, image }));
    await waitFor(() => frames.length === 1, 20_000, 'the live result');
    expect(frames[0]).toMatchObject({ type: MessageType.result, frameId: 7 });
    ws.close();

    const events = await readEvents(base, String(upload.json.id));
    expect(events[events.length - 1].job.state).toBe('done');

    const offline = pipeline.opened.filter((o) => o.mode === 'offline');
    const live = pipeline.opened.filter((o) => o.mode === 'live');
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatchObject({ outputWidth: 320, outputHeight: 240 });
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ model: 'tiny-test', outputWidth: 160, outputHeight: 120 });
  });
});
