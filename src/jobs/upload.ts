import { createWriteStream, type WriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors';
import { formatBytes } from './disk';
import { sanitizeFilename } from './filename';
import type { DataLayout } from './layout';
import { OPTION_NAMES, OptionError, checkOption, type ModelCatalog, type RawJobOptions } from './options';

export interface ReceivedUpload {
  readonly path: string;
  readonly bytes: number;
  readonly filename: string;
  readonly options: RawJobOptions;
}

/** How long the parser may take to finish after the request body has ended. */
const STALL_GRACE_MS = 2000;

function isOptionName(name: string): name is keyof RawJobOptions {
  return (OPTION_NAMES as readonly string[]).includes(name);
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'FST_REQ_FILE_TOO_LARGE';
}

/**
 * Streams the multipart `video` field to `layout.uploadInProgress(id)` (never buffered whole)
 * and collects the option fields. Options sent before the file are checked as they arrive, so
 * a bad option is refused before the video is transferred.
 */
export async function receiveUpload(
  request: FastifyRequest,
  id: string,
  layout: DataLayout,
  models: ModelCatalog,
  maxBytes: number,
): Promise<ReceivedUpload> {
  if (!request.isMultipart()) {
    throw new HttpError(415, 'send the video as multipart/form-data in a field named "video"');
  }
  const tmp = layout.uploadInProgress(id);
  const options: Partial<Record<keyof RawJobOptions, string>> = {};
  let file: { bytes: number; filename: string } | undefined;
  let current: Readable | undefined;
  let sink: WriteStream | undefined;

  const readForm = async (): Promise<void> => {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!isOptionName(part.fieldname)) continue;
        const value = typeof part.value === 'string' ? part.value : String(part.value);
        checkOption(part.fieldname, value, models);
        options[part.fieldname] = value;
        continue;
      }
      if (part.fieldname !== 'video') {
        part.file.resume();
        continue;
      }
      if (file) throw new HttpError(400, 'send one video per request (the "video" field appeared twice)');
      current = part.file;
      sink = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(part.file, sink);
      current = undefined;
      if (part.file.truncated) throw Object.assign(new Error('too large'), { code: 'FST_REQ_FILE_TOO_LARGE' });
      file = { bytes: (await stat(tmp)).size, filename: sanitizeFilename(part.filename) };
    }
  };

  // A body cut short (client gone, or a form without its closing boundary) leaves the multipart
  // parser waiting for data that never comes: once the request has ended, give the parser a
  // moment to finish, then give up instead of holding the request and its temp file forever.
  const raw = request.raw;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const incomplete = new HttpError(400, 'the upload ended before the form was complete (connection closed or body cut short)');
  const stalled = new Promise<never>((_, reject) => {
    const arm = (): void => {
      timer ??= setTimeout(() => {
        if (settled) return;
        current?.destroy(incomplete);
        reject(incomplete);
      }, STALL_GRACE_MS);
    };
    raw.once('end', arm);
    raw.once('close', arm);
  });
  stalled.catch(() => undefined);
  try {
    await Promise.race([readForm(), stalled]);
  } catch (err) {
    // The file is created when the write stream's open completes, which can be after the
    // failure: close the stream first, or the unlink can come before the file exists.
    if (sink && !sink.closed) {
      const closed = new Promise<void>((resolve) => sink?.once('close', () => resolve()));
      sink.destroy();
      await closed;
    }
    await unlink(tmp).catch(() => undefined);
    if (isTooLarge(err)) throw new HttpError(413, `the file is larger than the upload limit (${formatBytes(maxBytes)})`);
    if (err instanceof OptionError || err instanceof HttpError) throw err instanceof OptionError ? new HttpError(400, err.message) : err;
    // The parser's own complaints (no boundary, malformed part headers) are the client's fault;
    // anything else (a full disk) is not.
    const e = err as NodeJS.ErrnoException;
    if (e.syscall === undefined && /multipart|boundary|part header|end of (form|multipart)/i.test(e.message)) {
      throw new HttpError(400, `malformed multipart form: ${e.message}`);
    }
    throw err;
  } finally {
    settled = true;
    if (timer) clearTimeout(timer);
  }
  if (!file) throw new HttpError(400, 'no video: send the file in a multipart field named "video"');
  return { path: tmp, bytes: file.bytes, filename: file.filename, options };
}
