import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../http/context';
import { HttpError } from '../http/errors';
import { createPipeline, type Pipeline } from '../pipeline';
import { loadLiveConfig, type LiveConfig } from './config';
import { sessionRoutes } from './routes';
import { SessionRegistry } from './sessions';
import type { LiveSettings } from './settings';
import { webrtcRoutes } from './webrtc/routes';
import { whipRoutes } from './whip';
import { liveWsRoutes } from './ws/routes';

export type { LiveConfig, IceServer } from './config';
export { loadLiveConfig, resolveWhipToken, LIVE_DEFAULTS } from './config';
export type { LiveSessionInfo, TransportKind } from './sessions';
export type { LiveStats } from './live-stream';
export type { LiveSettings } from './settings';

export interface LiveRoutesOptions {
  /** Overrides the environment (tests, bench). */
  readonly config?: Partial<LiveConfig>;
  /** A pipeline owned by the caller; by default the server's (ctx.pipeline), else the plugin's own. */
  readonly pipeline?: Pipeline;
}

/** The live feature as one server plugin: WebRTC signalling, /ws/live, WHIP/WHEP, sessions API. */
export function createLiveRoutes(options: LiveRoutesOptions = {}): FastifyPluginAsync<ServerContext> {
  return async (app, ctx) => {
    const config: LiveConfig = { ...loadLiveConfig(), ...options.config };
    const shared = options.pipeline ?? ctx.pipeline;
    const pipeline = shared ?? createPipeline(ctx.engine, { logger: ctx.logger, metrics: ctx.registry });
    const sessions = new SessionRegistry(config.maxSessions, ctx.registry);
    const hasModel = (name: string): boolean => ctx.engine.has(name);
    const defaults = (): LiveSettings => {
      const model = ctx.engine.defaultModel();
      if (!model) throw new HttpError(503, 'no model is installed on the server');
      return { model, strength: 1, passthrough: false };
    };
    const deps = { pipeline, sessions, config, hasModel, logger: ctx.logger, defaults };
    app.addHook('preClose', async () => sessions.closeAll('server closing'));
    app.addHook('onClose', async () => {
      if (!shared) await pipeline.close();
    });
    await app.register(websocket, { options: { maxPayload: 8 * 1024 * 1024 } });
    await webrtcRoutes(app, deps);
    await liveWsRoutes(app, deps);
    await whipRoutes(app, deps);
    if (config.whipTokenGenerated) {
      ctx.logger.warn({ token: config.whipToken }, 'TOONSTREAM_WHIP_TOKEN is not set: /whip and /whep take this generated bearer token until the server restarts');
    }
    await sessionRoutes(app, sessions);
  };
}

/** Registered in src/http/server.ts. */
export const liveRoutes: FastifyPluginAsync<ServerContext> = createLiveRoutes();
