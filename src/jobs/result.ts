import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, sendError } from '../http/errors';
import { contentDisposition, resultFilename } from './filename';
import { parseRange } from './range';
import type { JobRecord } from './types';
import { CONTENT_TYPES } from './view';

/** Sends a finished job's video, honouring single byte ranges (seeking in players, resumed downloads). */
export async function sendResult(request: FastifyRequest, reply: FastifyReply, job: JobRecord): Promise<FastifyReply> {
  if (job.expiredAt !== undefined) throw new HttpError(410, 'the result was removed by the retention policy');
  if (job.state !== 'done' || !job.outputPath) {
    const why = job.state === 'failed' ? `the job failed: ${job.error ?? 'unknown error'}` : `the job is ${job.state}; the result is not ready yet`;
    throw new HttpError(409, why);
  }
  const st = await stat(job.outputPath).catch(() => undefined);
  if (!st) throw new HttpError(410, 'the result file is gone');
  const size = st.size;
  const range = parseRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${size}`);
    return sendError(reply, 416, `the range is outside the file (${size} bytes)`);
  }
  const inline = (request.query as { inline?: string } | undefined)?.inline;
  const name = resultFilename(job.filename, job.options.format);
  reply
    .type(CONTENT_TYPES[job.options.format])
    .header('Accept-Ranges', 'bytes')
    .header('Content-Disposition', contentDisposition(name, inline === '1' ? 'inline' : 'attachment'))
    .header('ETag', `"${job.id}-${size}-${Math.floor(st.mtimeMs)}"`)
    .header('Last-Modified', st.mtime.toUTCString())
    .header('Cache-Control', 'private, max-age=3600');
  if (!range) {
    reply.header('Content-Length', size);
    return reply.send(createReadStream(job.outputPath));
  }
  return reply
    .code(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
    .header('Content-Length', range.end - range.start + 1)
    .send(createReadStream(job.outputPath, { start: range.start, end: range.end }));
}
