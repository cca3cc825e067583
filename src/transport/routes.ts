import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors';
import type { SessionRegistry } from './sessions';

/** GET /api/live/sessions (counters per session), DELETE /api/live/sessions/:id, and the page shortcuts. */
export async function sessionRoutes(app: FastifyInstance, sessions: SessionRegistry): Promise<void> {
  app.get('/api/live/sessions', async () => ({ maxSessions: sessions.maxSessions, sessions: sessions.list() }));

  app.get<{ Params: { id: string } }>('/api/live/sessions/:id', async (request) => {
    const session = sessions.get(request.params.id);
    if (!session) throw new HttpError(404, 'no live session with that id');
    return session.info();
  });

  app.delete<{ Params: { id: string } }>('/api/live/sessions/:id', async (request, reply) => {
    const session = sessions.get(request.params.id);
    if (!session) throw new HttpError(404, 'no live session with that id');
    session.close('deleted');
    return reply.code(204).send();
  });

  for (const page of ['live', 'output'] as const) {
    app.get(`/${page}`, async (request, reply) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      return reply.redirect(`/${page}.html${query}`);
    });
  }
}
