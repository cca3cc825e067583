import { noModelMessage } from '../../engine';
import { cartoonizeImage, MIME, negotiateFormat, sniffFormat } from '../../image';
import type { RoutePlugin } from '../context';
import { HttpError } from '../errors';

interface CartoonizeQuery {
  readonly model?: string;
}

/**
 * POST /api/cartoonize?model=NAME with a raw JPEG/PNG/WebP body -> the cartoon, same size, same
 * format unless Accept names another of the three. The body's bytes decide the format, not its
 * Content-Type, so application/octet-stream (or a mislabelled upload) works.
 */
export const cartoonizeRoutes: RoutePlugin = async (app, { config, engine }) => {
  // This plugin's scope reads every body as bytes; sniffing then accepts or rejects it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.post<{ Querystring: CartoonizeQuery }>(
    '/api/cartoonize',
    {
      bodyLimit: config.maxBodyBytes,
      schema: {
        querystring: {
          type: 'object',
          properties: { model: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new HttpError(400, 'empty body: send a JPEG, PNG or WebP image as the request body');
      }
      const model = request.query.model ?? engine.defaultModel();
      if (model === undefined) throw new HttpError(503, noModelMessage(config.modelsDir));
      if (!engine.has(model)) {
        const names = engine.models().map((m) => m.name);
        throw new HttpError(404, `unknown model "${model}"${names.length ? `; installed: ${names.join(', ')}` : ''}`);
      }
      const inputFormat = sniffFormat(body);
      const format = inputFormat ? negotiateFormat(request.headers.accept, inputFormat) : undefined;
      const result = await cartoonizeImage(engine, body, {
        model,
        maxPixels: config.maxPixels,
        maxInferPixels: config.maxInferPixels,
        format,
      });
      const t = result.timings;
      return reply
        .type(MIME[result.format])
        .header('x-toonstream-model', model)
        .header('x-toonstream-inference-size', `${result.inferenceWidth}x${result.inferenceHeight}`)
        .header(
          'server-timing',
          `decode;dur=${t.decodeMs.toFixed(2)}, inference;dur=${t.inferenceMs.toFixed(2)}, encode;dur=${t.encodeMs.toFixed(2)}`,
        )
        .send(result.data);
    },
  );
};
