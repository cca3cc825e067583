import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors';
import { admitSession } from '../admit';
import type { LiveSession } from '../sessions';
import { checkSettings, SettingsError, type LiveSettings } from '../settings';
import type { WebRtcDeps } from '../webrtc/session';
import { bearerAuth } from './auth';
import { allowCrossOrigin, preflight } from './cors';
import { PublicationDirectory } from './directory';
import { DecoderUnavailableError, h264DecoderBinary } from './h264/decoder';
import { H264Ingest } from './h264/ingest';
import type { IngestFactory } from './ingest';
import { WhipPublication } from './publication';
import { checkOffer, ingestKindFor, MAX_SDP_BYTES, type IngestKind } from './sdp';
import { WhepViewer } from './viewer';
import { WrtcIngest } from './wrtc-ingest';

export interface WhipRouteDeps extends WebRtcDeps {
  readonly defaults: () => LiveSettings;
}

type Query = Record<string, string | undefined>;

const RESOURCE_METHODS = 'DELETE, PATCH, OPTIONS';

/** 415 before the body is read, unless it is SDP. */
async function requireSdp(request: FastifyRequest): Promise<void> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/sdp') throw new HttpError(415, 'send the SDP offer with Content-Type: application/sdp');
}

/** Trickle ICE and ICE restarts are not offered: every candidate is in the first answer. */
async function noPatch(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('Allow', RESOURCE_METHODS);
  throw new HttpError(405, 'trickle ICE and ICE restarts are not supported: all candidates are in the answer');
}

function settingsFrom(query: Query, deps: WhipRouteDeps): LiveSettings {
  try {
    const passthrough = query.passthrough === undefined ? undefined : query.passthrough === 'true' || query.passthrough === '1';
    return { ...deps.defaults(), ...checkSettings({ model: query.model, strength: query.strength, passthrough }, deps.hasModel) };
  } catch (error) {
    if (error instanceof SettingsError) throw new HttpError(error.message.startsWith('unknown model') ? 404 : 400, error.message);
    throw error;
  }
}

/** The ingest for an offer's codecs; 503 when H.264 would need an ffmpeg the server lacks. */
function ingestFactory(kind: IngestKind, deps: WhipRouteDeps): IngestFactory {
  const { iceServers, iceGatheringTimeoutMs } = deps.config;
  if (kind === 'libwebrtc') return (events) => new WrtcIngest(events, iceServers, iceGatheringTimeoutMs);
  let ffmpeg: string;
  try {
    ffmpeg = h264DecoderBinary();
  } catch (error) {
    if (error instanceof DecoderUnavailableError) throw new HttpError(503, error.message);
    throw error;
  }
  return (events) => new H264Ingest(events, { ffmpeg, iceServers });
}

/** Registers a new session (503 when the live limit is reached), answers its offer, or frees it. */
async function negotiate(session: LiveSession & { answer(sdp: string): Promise<string> }, sdp: string, deps: WhipRouteDeps, request: FastifyRequest): Promise<string> {
  admitSession(deps.sessions, session);
  try {
    return await session.answer(sdp);
  } catch (error) {
    session.close('negotiation failed');
    request.log.info({ err: error }, 'whip/whep negotiation failed');
    throw new HttpError(400, `could not use the offer: ${(error as Error).message}`);
  }
}

/**
 * WHIP ingest (RFC 9725) and WHEP egress: POST /whip takes a publisher's offer and cartoonizes
 * its video; POST /whep[/:stream] (or ?stream=) lets players pull that cartoon. Answers are
 * 201 application/sdp with every candidate (no trickle) and a Location to DELETE. Everything
 * but OPTIONS needs the bearer token.
 */
export async function whipRoutes(app: FastifyInstance, deps: WhipRouteDeps): Promise<void> {
  const publications = new PublicationDirectory<WhipPublication>();

  await app.register(async (scope) => {
    if (!scope.hasContentTypeParser('application/sdp')) {
      scope.addContentTypeParser('application/sdp', { parseAs: 'string', bodyLimit: MAX_SDP_BYTES }, (_req, body, done) => done(null, body));
    }
    allowCrossOrigin(scope);
    scope.addHook('onRequest', bearerAuth(deps.config.whipToken));

    preflight(scope, '/whip', 'POST, OPTIONS');
    preflight(scope, '/whip/:id', RESOURCE_METHODS);
    preflight(scope, '/whep', 'POST, OPTIONS');
    preflight(scope, '/whep/:stream', 'POST, OPTIONS');
    preflight(scope, '/whep/:stream/:viewer', RESOURCE_METHODS);
    scope.patch('/whip/:id', { onRequest: noPatch }, async () => undefined);
    scope.patch('/whep/:stream/:viewer', { onRequest: noPatch }, async () => undefined);

    scope.post<{ Body: unknown; Querystring: Query }>('/whip', { onRequest: requireSdp }, async (request, reply) => {
      const settings = settingsFrom(request.query, deps);
      const offer = checkOffer(request.body, 'publish');
      const ingest = ingestKindFor(offer.videoCodecs);
      const publication = new WhipPublication(randomUUID(), settings, deps, ingestFactory(ingest, deps));
      const answer = await negotiate(publication, offer.sdp, deps, request);
      request.log.info({ session: publication.id, ingest, codecs: offer.videoCodecs }, 'whip publication started');
      publications.add(publication);
      publication.onClose(() => publications.remove(publication));
      return reply.code(201).header('Location', `/whip/${publication.id}`).type('application/sdp').send(answer);
    });

    scope.delete<{ Params: { id: string } }>('/whip/:id', async (request, reply) => {
      const publication = publications.get(request.params.id);
      if (!publication) throw new HttpError(404, 'no WHIP publication with that id');
      publication.close('deleted');
      return reply.code(200).send();
    });

    type Play = { Body: unknown; Params: { stream?: string }; Querystring: Query };
    const play = async (request: FastifyRequest<Play>, reply: FastifyReply): Promise<FastifyReply> => {
      const wanted = request.params.stream ?? request.query.stream ?? 'latest';
      const publication = wanted === 'latest' ? publications.latest() : publications.get(wanted);
      if (!publication) throw new HttpError(404, wanted === 'latest' ? 'no WHIP publication is live' : `no live WHIP publication "${wanted}"`);
      const { sdp } = checkOffer(request.body, 'play');
      const viewer = new WhepViewer(randomUUID(), publication, deps);
      const answer = await negotiate(viewer, sdp, deps, request);
      return reply.code(201).header('Location', `/whep/${publication.id}/${viewer.id}`).type('application/sdp').send(answer);
    };
    scope.post<Play>('/whep', { onRequest: requireSdp }, play);
    scope.post<Play>('/whep/:stream', { onRequest: requireSdp }, play);

    scope.delete<{ Params: { stream: string; viewer: string } }>('/whep/:stream/:viewer', async (request, reply) => {
      const viewer = deps.sessions.get(request.params.viewer);
      if (!(viewer instanceof WhepViewer) || viewer.publication.id !== request.params.stream) throw new HttpError(404, 'no WHEP viewer with that URL');
      viewer.close('deleted');
      return reply.code(200).send();
    });
  });
}
