export interface ModelChoice {
  readonly name: string;
  readonly style: string;
}

/** The server's models, default first; throws a readable error when there are none. */
export async function fetchModels(): Promise<{ models: ModelChoice[]; defaultModel: string }> {
  const res = await fetch('/api/models');
  if (!res.ok) throw new Error(`The server answered ${res.status} for its model list.`);
  const body = (await res.json()) as { defaultModel: string | null; models: ModelChoice[] };
  if (!body.defaultModel || body.models.length === 0) throw new Error('No model is installed on the server, so there is nothing to cartoonize with.');
  return { models: body.models, defaultModel: body.defaultModel };
}
