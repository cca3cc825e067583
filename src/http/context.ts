import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config';
import type { Engine } from '../engine';
import type { Logger } from '../logging';
import type { Registry } from '../metrics';

/** What every route plugin receives as its options. */
export interface ServerContext {
  readonly config: Config;
  readonly engine: Engine;
  readonly logger: Logger;
  readonly registry: Registry;
}

/** A route module: `app.register(plugin, ctx)` in server.ts. */
export type RoutePlugin = FastifyPluginAsync<ServerContext>;
