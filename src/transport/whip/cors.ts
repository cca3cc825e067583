import type { FastifyInstance } from 'fastify';

/**
 * WHIP/WHEP clients can be web pages on other origins: every answer allows any origin and
 * exposes Location (the resource URL); preflights allow the auth and SDP headers. The bearer
 * token, not the origin, is what protects the endpoints.
 */
export function allowCrossOrigin(scope: FastifyInstance): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Expose-Headers', 'Location, ETag, Link, Accept-Patch, WWW-Authenticate');
    return payload;
  });
}

/** OPTIONS on an endpoint or resource URL (no auth: browsers send preflights without credentials). */
export function preflight(scope: FastifyInstance, url: string, methods: string): void {
  scope.options(url, async (_request, reply) => {
    reply.header('Access-Control-Allow-Methods', methods);
    reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match');
    reply.header('Access-Control-Max-Age', '86400');
    reply.header('Allow', methods);
    if (methods.includes('POST')) reply.header('Accept-Post', 'application/sdp');
    return reply.code(204).send();
  });
}
