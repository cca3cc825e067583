import type { RoutePlugin } from '../context';

/** GET /metrics in Prometheus text format. */
export const metricsRoutes: RoutePlugin = async (app, { registry }) => {
  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
