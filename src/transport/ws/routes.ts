import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BusyError } from '../sessions';
import { checkSettings, type LiveSettings } from '../settings';
import { WsSession, type WsDeps } from './session';

/** Refused before the session starts: try-again-later (busy) and policy (bad settings). */
const CLOSE_BUSY = 1013;
const CLOSE_BAD_SETTINGS = 1008;

/** /ws/live?model=&strength=&passthrough= — see docs/PROTOCOL.md. */
export async function liveWsRoutes(app: FastifyInstance, deps: WsDeps & { readonly defaults: () => LiveSettings }): Promise<void> {
  app.get<{ Querystring: Record<string, string | undefined> }>('/ws/live', { websocket: true }, (socket, request) => {
    const q = request.query;
    let settings: LiveSettings;
    try {
      const passthrough = q.passthrough === undefined ? undefined : q.passthrough === 'true' || q.passthrough === '1';
      settings = { ...deps.defaults(), ...checkSettings({ model: q.model, strength: q.strength, passthrough }, deps.hasModel) };
    } catch (error) {
      const message = error instanceof Error ? error.message : 'bad settings';
      socket.send(JSON.stringify({ type: 'error', code: 'settings', error: message }));
      socket.close(CLOSE_BAD_SETTINGS, message.slice(0, 120));
      return;
    }
    try {
      deps.sessions.reserve();
    } catch (error) {
      const message = error instanceof BusyError ? error.message : 'server busy';
      socket.send(JSON.stringify({ type: 'error', code: 'busy', error: message }));
      socket.close(CLOSE_BUSY, 'server busy');
      return;
    }
    deps.sessions.add(new WsSession(randomUUID(), socket, settings, deps));
  });
}
