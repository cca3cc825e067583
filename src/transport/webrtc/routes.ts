import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors';
import { admitSession } from '../admit';
import { checkSettings, SettingsError, type LiveSettings } from '../settings';
import { OfferError, WebRtcSession, type WebRtcDeps } from './session';

interface OfferBody {
  readonly sdp?: unknown;
  readonly type?: unknown;
  readonly model?: unknown;
  readonly strength?: unknown;
  readonly passthrough?: unknown;
}

const MAX_SDP_BYTES = 64 * 1024;

/**
 * POST /api/webrtc/offer: the browser's SDP offer in, the server peer's answer out, in one round
 * trip (WHIP-shaped). JSON {sdp, type: "offer", model?, strength?, passthrough?} answers JSON
 * {type: "answer", sdp, session}; a raw application/sdp body (WHIP clients; settings in the query)
 * answers 201 application/sdp with a Location to DELETE.
 */
export async function webrtcRoutes(app: FastifyInstance, deps: WebRtcDeps & { readonly defaults: () => LiveSettings }): Promise<void> {
  app.addContentTypeParser('application/sdp', { parseAs: 'string', bodyLimit: MAX_SDP_BYTES }, (_req, body, done) => done(null, body));

  app.post<{ Body: OfferBody | string; Querystring: Record<string, string | undefined> }>('/api/webrtc/offer', async (request, reply) => {
    const raw = request.body;
    const whip = typeof raw === 'string';
    const body: OfferBody = typeof raw === 'string' ? { sdp: raw, type: 'offer', ...request.query } : (raw ?? {});
    if (typeof body !== 'object') throw new HttpError(400, 'send JSON {"sdp": "...", "type": "offer"}');
    if (body.type !== 'offer') throw new HttpError(400, 'type must be "offer"');
    if (typeof body.sdp !== 'string' || !body.sdp.startsWith('v=0') || body.sdp.length > MAX_SDP_BYTES) {
      throw new HttpError(400, 'sdp must be an SDP offer (text starting with "v=0")');
    }
    let settings: LiveSettings;
    try {
      const passthrough = typeof body.passthrough === 'string' ? body.passthrough === 'true' : body.passthrough;
      settings = { ...deps.defaults(), ...checkSettings({ model: body.model, strength: body.strength, passthrough }, deps.hasModel) };
    } catch (error) {
      if (error instanceof SettingsError) throw new HttpError(error.message.startsWith('unknown model') ? 404 : 400, error.message);
      throw error;
    }
    const session = new WebRtcSession(randomUUID(), settings, deps);
    admitSession(deps.sessions, session);
    try {
      const answer = await session.answer({ type: 'offer', sdp: body.sdp });
      const location = `/api/live/sessions/${session.id}`;
      reply.header('Location', location);
      if (whip) return reply.code(201).type('application/sdp').send(answer.sdp);
      return { type: answer.type, sdp: answer.sdp, session: session.id };
    } catch (error) {
      session.close('negotiation failed');
      if (error instanceof OfferError) throw new HttpError(400, error.message);
      request.log.info({ err: error }, 'webrtc negotiation failed');
      throw new HttpError(400, `could not use the offer: ${(error as Error).message}`);
    }
  });
}
