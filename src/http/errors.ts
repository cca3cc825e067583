import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidBatchError, ProviderUnavailableError, UnknownModelError } from '../engine';
import { ImageError } from '../image';

/** Throw from a handler to answer `status` with {"error": message}. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The one shape of every error response. */
export interface ErrorBody {
  readonly error: string;
}

export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  const body: ErrorBody = { error: message };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

function fastifyStatus(error: unknown): number | undefined {
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

/** Maps any thrown error to a status and a message that is safe to show. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ImageError) return new HttpError(error.status, error.message);
  if (error instanceof UnknownModelError) return new HttpError(404, error.message);
  if (error instanceof InvalidBatchError) return new HttpError(400, error.message);
  if (error instanceof ProviderUnavailableError) return new HttpError(503, error.message);
  const status = fastifyStatus(error);
  if (status !== undefined && status < 500) {
    const code = (error as FastifyError).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new HttpError(413, 'request body is larger than the limit (TOONSTREAM_MAX_BODY_BYTES)');
    if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new HttpError(400, 'empty body');
    return new HttpError(status, (error as Error).message);
  }
  return new HttpError(500, 'internal server error');
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const http = toHttpError(error);
  if (http.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status: http.status, reason: http.message }, 'request rejected');
  return sendError(reply, http.status, http.message);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`);
}
