import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../errors';

/** Serves the built browser client (dist/client) at "/". */
export const staticRoutes: FastifyPluginAsync<{ clientDir: string }> = async (app, { clientDir }) => {
  if (!existsSync(join(clientDir, 'index.html'))) {
    app.log.warn({ clientDir }, 'client is not built; run `npm run build`');
    app.get('/', async () => {
      throw new HttpError(404, 'the web client is not built: run `npm run build`');
    });
    return;
  }
  await app.register(fastifyStatic, { root: clientDir, prefix: '/', index: ['index.html'] });
};
