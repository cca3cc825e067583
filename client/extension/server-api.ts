// The toonstream server's HTTP API, as the service worker calls it (its host permissions make
// these requests independent of the meeting site's CORS and Private Network Access rules).
import type { HealthResult, ModelChoice, ModelsResult, OfferResult } from './messages';
import type { ExtensionSettings } from './settings';

const TIMEOUT_MS = 10_000;

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    throw new Error(`cannot reach ${url} (${(error as Error).message})`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body };
}

const failed = (error: unknown): { ok: false; error: string } => ({ ok: false, error: (error as Error).message });

export async function postOffer(settings: ExtensionSettings, sdp: string): Promise<OfferResult> {
  try {
    const offer = { type: 'offer', sdp, strength: settings.strength, passthrough: false, ...(settings.model ? { model: settings.model } : {}) };
    const { status, body } = await call(`${settings.serverUrl}/api/webrtc/offer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(offer),
    });
    if (status !== 200 || typeof body.sdp !== 'string' || typeof body.session !== 'string') {
      return { ok: false, error: `the server refused the offer (${status}${typeof body.error === 'string' ? `: ${body.error}` : ''})` };
    }
    return { ok: true, sdp: body.sdp, session: body.session };
  } catch (error) {
    return failed(error);
  }
}

export async function listModels(serverUrl: string): Promise<ModelsResult> {
  try {
    const { status, body } = await call(`${serverUrl}/api/models`);
    if (status !== 200 || !Array.isArray(body.models)) return { ok: false, error: `the server answered ${status} for its model list` };
    const models: ModelChoice[] = (body.models as { name?: unknown; style?: unknown }[])
      .filter((m) => typeof m.name === 'string')
      .map((m) => ({ name: m.name as string, style: typeof m.style === 'string' ? m.style : '' }));
    return { ok: true, models, defaultModel: typeof body.defaultModel === 'string' ? body.defaultModel : null };
  } catch (error) {
    return failed(error);
  }
}

export async function health(serverUrl: string): Promise<HealthResult> {
  try {
    const { status, body } = await call(`${serverUrl}/healthz`);
    if (status !== 200 || body.status !== 'ok') return { ok: false, error: `the server answered ${status} to /healthz` };
    return { ok: true, device: typeof body.device === 'string' ? body.device : '?', models: Array.isArray(body.models) ? body.models.length : 0 };
  } catch (error) {
    return failed(error);
  }
}
