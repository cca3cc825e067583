import { noModelMessage } from '../../engine';
import type { RoutePlugin } from '../context';

interface Skipped {
  readonly name: string;
  readonly reason: string;
}

function skippedOf(engine: object): Skipped[] {
  const maybe = engine as { skipped?: () => Skipped[] };
  return typeof maybe.skipped === 'function' ? maybe.skipped() : [];
}

/**
 * GET /healthz. Always 200 while the process serves: a server without a model is alive (it
 * serves the page and says what is missing), so orchestrators should not restart it in a loop.
 * `status` is "ok" with at least one model, "no-model" otherwise.
 */
export const healthRoutes: RoutePlugin = async (app, { config, engine }) => {
  app.get('/healthz', async () => {
    const models = engine.models().map((m) => m.name);
    const skipped = skippedOf(engine);
    return {
      status: models.length > 0 ? 'ok' : 'no-model',
      models,
      device: engine.device,
      ...(models.length > 0 ? { defaultModel: engine.defaultModel() } : { message: noModelMessage(config.modelsDir) }),
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  });
};
