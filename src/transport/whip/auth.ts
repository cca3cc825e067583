import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function tokenMatches(given: string | null, expected: string): boolean {
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== null;
}

/**
 * onRequest hook for the WHIP/WHEP routes: 401 with `WWW-Authenticate: Bearer` unless the
 * request carries the token. CORS preflights (OPTIONS) cannot carry credentials and pass.
 */
export function bearerAuth(expected: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.method === 'OPTIONS') return;
    const given = bearerToken(request.headers.authorization);
    if (tokenMatches(given, expected)) return;
    if (given === null) {
      reply.header('WWW-Authenticate', 'Bearer realm="toonstream"');
      throw new HttpError(401, 'send "Authorization: Bearer <token>" (the token is TOONSTREAM_WHIP_TOKEN, or the one the server printed at start)');
    }
    reply.header('WWW-Authenticate', 'Bearer realm="toonstream", error="invalid_token"');
    throw new HttpError(401, 'wrong bearer token');
  };
}
