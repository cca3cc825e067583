import { createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
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
  try {
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
      await pipeline(part.file, createWriteStream(tmp, { flags: 'wx' }));
      if (part.file.truncated) throw Object.assign(new Error('too large'), { code: 'FST_REQ_FILE_TOO_LARGE' });
      file = { bytes: (await stat(tmp)).size, filename: sanitizeFilename(part.filename) };
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (isTooLarge(err)) throw new HttpError(413, `the file is larger than the upload limit (${formatBytes(maxBytes)})`);
    if (err instanceof OptionError) throw new HttpError(400, err.message);
    throw err;
  }
  if (!file) throw new HttpError(400, 'no video: send the file in a multipart field named "video"');
  return { path: tmp, bytes: file.bytes, filename: file.filename, options };
}
