import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config';
import type { Engine } from '../engine';
import type { Logger } from '../logging';
import { defaultRegistry, type Registry } from '../metrics';
import { clientDistDir } from '../paths';
import type { ServerContext } from './context';
import { errorHandler, notFoundHandler } from './errors';
import { instrument } from './metrics';
import { cartoonizeRoutes, healthRoutes, metricsRoutes, modelRoutes, staticRoutes } from './routes';
import { jobRoutes } from '../jobs/routes';
import { liveRoutes } from '../transport';
import { createPipeline, type Pipeline } from '../pipeline';

export interface ServerOptions {
  readonly config: Config;
  readonly engine: Engine;
  readonly logger: Logger;
  /** Metrics registry; the process-wide default unless given. */
  readonly registry?: Registry;
  /** The built client to serve at "/"; dist/client by default. */
  readonly clientDir?: string;
  /** The frame pipeline every stream shares; by default the server makes one and closes it. */
  readonly pipeline?: Pipeline;
}

/**
 * Builds the Fastify app without listening: call `app.listen({ port, host })`, or
 * `app.inject()` in tests. The caller owns the engine and closes it after `app.close()`.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { config, engine, logger } = options;
  const registry = options.registry ?? defaultRegistry;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.maxBodyBytes,
    // Uploads and answers travel as whole images; keep slow clients from holding sockets forever.
    requestTimeout: 120_000,
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  instrument(app, registry);

  const pipeline = options.pipeline ?? createPipeline(engine, { logger, metrics: registry });
  if (!options.pipeline) app.addHook('onClose', async () => pipeline.close());
  const ctx: ServerContext = { config, engine, logger, registry, pipeline };
  app.register(healthRoutes, ctx);
  app.register(modelRoutes, ctx);
  app.register(metricsRoutes, ctx);
  app.register(cartoonizeRoutes, ctx);

  // ── Feature route plugins ────────────────────────────────────────────────────────────
  // Each later module registers its routes here as one Fastify plugin taking ServerContext
  // (see ./context.ts), for example:
  //   app.register(jobRoutes, ctx);      // POST /api/jobs ... (src/jobs)
  //   app.register(webrtcRoutes, ctx);   // POST /api/webrtc/offer (src/transport)
  //   app.register(liveWsRoutes, ctx);   // /ws/live (src/transport, with @fastify/websocket)
  // Plugins that process frames use ctx.pipeline, so every stream shares one batcher per model.
  // ─────────────────────────────────────────────────────────────────────────────────────
  app.register(jobRoutes, ctx); // /api/jobs: uploaded videos (src/jobs)
  app.register(liveRoutes, ctx); // /api/webrtc/offer, /ws/live, /api/live/sessions (src/transport)

  app.register(staticRoutes, { clientDir: options.clientDir ?? clientDistDir });
  return app;
}
