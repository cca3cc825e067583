import type { FastifyInstance } from 'fastify';
import { counter, histogram, type Registry } from '../metrics';

/** Counts and times every response by method, route pattern and status. */
export function instrument(app: FastifyInstance, registry: Registry): void {
  const requests = counter(registry, 'toonstream_http_requests_total', 'HTTP responses sent', [
    'method',
    'route',
    'status',
  ]);
  const duration = histogram(
    registry,
    'toonstream_http_request_duration_seconds',
    'HTTP request handling time, from request to response sent',
    ['method', 'route', 'status'],
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  app.addHook('onResponse', async (request, reply) => {
    // Route patterns keep label cardinality bounded; unmatched URLs share one label.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
