import multipart from '@fastify/multipart';
import { rename, unlink } from 'node:fs/promises';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../http/context';
import { HttpError } from '../http/errors';
import { createPipeline, type Pipeline } from '../pipeline';
import { checkOutputSize, outputGeometry } from '../media/geometry';
import { checkLimits } from '../media/limits';
import { MediaError } from '../media/errors';
import { probeVideo } from '../media/probe';
import { ConfigError } from '../config/types';
import { loadJobsConfig, type JobsConfig } from './config';
import { formatBytes, freeBytes } from './disk';
import { JOB_ID_PATTERN, newJobId } from './layout';
import { JobManager } from './manager';
import { OptionError, parseJobOptions, type ModelCatalog } from './options';
import { sendResult } from './result';
import { pipelineRunner } from './runner';
import { streamJobEvents } from './sse';
import type { JobState } from './types';
import { receiveUpload } from './upload';

export interface JobsApiOptions {
  readonly jobs: JobManager;
  readonly models: ModelCatalog;
}

const STATES: readonly JobState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];
/** Multipart framing and option fields around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

interface IdParams {
  readonly id: string;
}

function jobIdOf(params: IdParams, jobs: JobManager): string {
  if (!JOB_ID_PATTERN.test(params.id) || !jobs.record(params.id)) throw new HttpError(404, `no job with id ${JSON.stringify(params.id.slice(0, 64))}`);
  return params.id;
}

/** The /api/jobs routes over an existing JobManager. */
export async function jobsApi(app: FastifyInstance, { jobs, models }: JobsApiOptions): Promise<void> {
  const { config, layout } = jobs;
  await app.register(multipart, {
    limits: { fileSize: config.maxUploadBytes, files: 4, fields: 32, fieldSize: 4096, parts: 40 },
  });

  app.post('/api/jobs', async (request, reply) => {
    if (models.models().length === 0) throw new HttpError(503, 'no model is installed on this server (see /healthz)');
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (declared > config.maxUploadBytes + FORM_OVERHEAD_BYTES) {
      throw new HttpError(413, `the file is larger than the upload limit (${formatBytes(config.maxUploadBytes)})`);
    }
    if (config.minFreeBytes > 0) {
      const free = await freeBytes(layout.uploads);
      if (free < config.minFreeBytes + (Number.isFinite(declared) ? declared : 0)) {
        throw new HttpError(507, `the server is low on disk space (${formatBytes(free)} free); try again later`);
      }
    }
    const id = newJobId();
    const upload = await receiveUpload(request, id, layout, models, config.maxUploadBytes);
    try {
      const options = parseJobOptions(upload.options, models);
      const media = await probeVideo(upload.path);
      checkLimits(media, config.limits);
      checkOutputSize(outputGeometry(media, options.height));
      const inputPath = layout.upload(id);
      await rename(upload.path, inputPath);
      const job = jobs.submit({ id, filename: upload.filename, inputPath, inputBytes: upload.bytes, options, media });
      return reply.code(202).header('Location', `/api/jobs/${id}`).send({ id, state: job.state, url: `/api/jobs/${id}` });
    } catch (err) {
      await unlink(upload.path).catch(() => undefined);
      if (err instanceof OptionError) throw new HttpError(400, err.message);
      if (err instanceof MediaError) throw new HttpError(err.status, err.message);
      throw err;
    }
  });

  app.get<{ Querystring: { limit?: string; state?: string } }>('/api/jobs', async (request) => {
    const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit must be a whole number 1-500');
    const state = request.query.state;
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      throw new HttpError(400, `state must be one of ${STATES.join('|')}`);
    }
    return { jobs: jobs.list(limit, state as JobState | undefined) };
  });

  app.get<{ Params: IdParams }>('/api/jobs/:id', async (request) => jobs.get(jobIdOf(request.params, jobs)));

  app.get<{ Params: IdParams }>('/api/jobs/:id/events', async (request, reply) => {
    const view = jobs.get(jobIdOf(request.params, jobs));
    if (view) streamJobEvents(reply, jobs, view);
    return reply;
  });

  app.get<{ Params: IdParams }>('/api/jobs/:id/result', async (request, reply) => {
    const job = jobs.record(jobIdOf(request.params, jobs));
    if (!job) throw new HttpError(404, 'no such job');
    return sendResult(request, reply, job);
  });

  // Cancels a queued or running job (its ffmpeg processes are gone when this answers);
  // deletes a finished job together with its files.
  app.delete<{ Params: IdParams }>('/api/jobs/:id', async (request) => {
    const id = jobIdOf(request.params, jobs);
    const view = jobs.get(id);
    if (view && (view.state === 'queued' || view.state === 'running')) return jobs.cancel(id);
    await jobs.remove(id);
    return { id, deleted: true };
  });
}

export interface JobRoutesOptions {
  /** Overrides the environment (tests). */
  readonly config?: Partial<JobsConfig>;
  /**
   * A pipeline owned by the caller; by default the server's shared one (ctx.pipeline), so jobs
   * share one batcher per model with the live streams, else the plugin makes its own.
   */
  readonly pipeline?: Pipeline;
}

/**
 * The jobs feature as one server plugin: its queue (SQLite under TOONSTREAM_DATA_DIR) and a
 * pipeline stream per running job.
 */
export function createJobRoutes(options: JobRoutesOptions = {}): FastifyPluginAsync<ServerContext> {
  return async (app, ctx) => {
    const config: JobsConfig = { ...loadJobsConfig(ctx.config.dataDir), ...options.config };
    const shared = options.pipeline ?? ctx.pipeline;
    const pipeline = shared ?? createPipeline(ctx.engine, { logger: ctx.logger, metrics: ctx.registry });
    const ownPipeline = shared === undefined;
    let jobs: JobManager;
    try {
      jobs = new JobManager(config, pipelineRunner(pipeline), ctx.logger, ctx.registry);
    } catch (err) {
      if (ownPipeline) await pipeline.close();
      throw new ConfigError(`TOONSTREAM_DATA_DIR ${config.dataDir} is not usable: ${(err as Error).message}`);
    }
    app.addHook('onClose', async () => {
      await jobs.close();
      if (ownPipeline) await pipeline.close();
    });
    await jobsApi(app, { jobs, models: ctx.engine });
    // Node applies requestTimeout to the whole request body, server-wide: sized for images it would
    // cut off a large video upload mid-way (408). Raise it to the upload timeout; the header phase
    // stays bounded by headersTimeout.
    const uploadMs = config.uploadTimeoutS * 1000;
    if (app.server.requestTimeout > 0 && app.server.requestTimeout < uploadMs) app.server.requestTimeout = uploadMs;
    app.addHook('onReady', async () => {
      await jobs.start();
    });
  };
}

/** Registered in src/http/server.ts. */
export const jobRoutes: FastifyPluginAsync<ServerContext> = createJobRoutes();
