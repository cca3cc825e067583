import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config';
import type { Engine } from '../engine';
import type { Logger } from '../logging';
import type { Registry } from '../metrics';
import type { Pipeline } from '../pipeline';

/** What every route plugin receives as its options. */
export interface ServerContext {
  readonly config: Config;
  readonly engine: Engine;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * The process's one frame pipeline (one batcher per model), shared by uploads, live sessions
   * and WHIP; buildServer owns it. Absent when a plugin is registered on its own (bench, tests).
   */
  readonly pipeline?: Pipeline;
}

/** A route module: `app.register(plugin, ctx)` in server.ts. */
export type RoutePlugin = FastifyPluginAsync<ServerContext>;
