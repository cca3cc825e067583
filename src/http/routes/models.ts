import type { RoutePlugin } from '../context';

/** GET /api/models: the model cards of the loaded models, default first flagged. */
export const modelRoutes: RoutePlugin = async (app, { engine }) => {
  app.get('/api/models', async () => {
    const defaultModel = engine.defaultModel();
    return { defaultModel: defaultModel ?? null, models: engine.models() };
  });
};
