// The options page: server, style, strength, real camera, switches; saved in chrome.storage.sync.
import { el } from '../shared/dom';
import type { HealthResult, ModelsResult, WorkerRequest } from './messages';
import { normalizeServerUrl, permissionPattern, readSettings, type ExtensionSettings } from './settings';

const form = el<HTMLFormElement>('form');
const serverUrl = el<HTMLInputElement>('server-url');
const style = el<HTMLSelectElement>('style');
const strength = el<HTMLInputElement>('strength');
const camera = el<HTMLSelectElement>('camera');
const enabled = el<HTMLInputElement>('enabled');
const useForAll = el<HTMLInputElement>('use-for-all');
const connection = el('connection');
const status = el('status');

const ask = <T>(request: WorkerRequest): Promise<T> => chrome.runtime.sendMessage<T>(request);

function say(target: HTMLElement, text: string, ok: boolean): void {
  target.textContent = text;
  target.dataset.ok = String(ok);
}

function setOptions(select: HTMLSelectElement, first: string, entries: readonly { value: string; text: string }[], chosen: string): void {
  const all = [{ value: '', text: first }, ...entries];
  if (chosen && !all.some((e) => e.value === chosen)) all.push({ value: chosen, text: `${chosen} (not available now)` });
  select.replaceChildren(...all.map((e) => new Option(e.text, e.value, false, e.value === chosen)));
}

async function loadModels(url: string, chosen: string): Promise<void> {
  const result = await ask<ModelsResult>({ kind: 'models', serverUrl: url });
  const models = result.ok ? result.models.map((m) => ({ value: m.name, text: m.style ? `${m.name} (${m.style})` : m.name })) : [];
  const first = result.ok && result.defaultModel ? `server default (${result.defaultModel})` : 'server default';
  setOptions(style, first, models, chosen);
}

async function loadCameras(chosen: string): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  // Labels only: ids differ per site (see ExtensionSettings.cameraLabel). Hidden until the camera is allowed here.
  const labels = devices.filter((d) => d.kind === 'videoinput' && d.label !== '').map((d) => ({ value: d.label, text: d.label }));
  setOptions(camera, 'default camera', labels, chosen);
  el('camera-names').hidden = labels.length > 0;
}

function showStrength(): void {
  el('strength-value').textContent = `${Math.round(Number(strength.value) * 100)}%`;
}

async function testConnection(): Promise<void> {
  const url = normalizeServerUrl(serverUrl.value);
  if (!url) return say(connection, 'That is not an http(s) URL.', false);
  say(connection, `Connecting to ${url}…`, true);
  const result = await ask<HealthResult>({ kind: 'health', serverUrl: url });
  if (result.ok) say(connection, `Connected to ${url}: ${result.models} model(s), running on ${result.device}.`, true);
  else say(connection, `Cannot use ${url}: ${result.error}. Is the server running, and allowed (Save asks for access)?`, false);
  await loadModels(url, style.value);
}

async function save(url: string): Promise<void> {
  const settings: ExtensionSettings = {
    serverUrl: url,
    model: style.value,
    strength: Number(strength.value),
    enabled: enabled.checked,
    useForAll: useForAll.checked,
    cameraLabel: camera.value,
  };
  await chrome.storage.sync.set({ ...settings });
  say(status, 'Saved', true);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const url = normalizeServerUrl(serverUrl.value);
  if (!url) return say(status, 'The server URL must be an http(s) URL.', false);
  serverUrl.value = url;
  say(status, '', true);
  // Asked at once, while the click still counts as a user gesture; granted already for localhost.
  chrome.permissions
    .request({ origins: [permissionPattern(url)] })
    .then((granted) => (granted ? save(url) : say(status, `Not saved: access to ${new URL(url).host} was refused.`, false)))
    .catch((error: unknown) => say(status, `Not saved: ${(error as Error).message}`, false));
});
el('test').addEventListener('click', () => void testConnection());
el('camera-names').addEventListener('click', () => {
  navigator.mediaDevices
    .getUserMedia({ video: true })
    .then((stream) => {
      for (const track of stream.getTracks()) track.stop();
      return loadCameras(camera.value);
    })
    .catch((error: unknown) => say(status, `Camera not allowed: ${(error as Error).message}`, false));
});
strength.addEventListener('input', showStrength);

async function start(): Promise<void> {
  const settings = readSettings(await chrome.storage.sync.get(null));
  serverUrl.value = settings.serverUrl;
  strength.value = String(settings.strength);
  enabled.checked = settings.enabled;
  useForAll.checked = settings.useForAll;
  showStrength();
  setOptions(style, 'server default', [], settings.model);
  await Promise.all([loadCameras(settings.cameraLabel), loadModels(settings.serverUrl, settings.model)]);
  document.body.dataset.ready = 'true';
}

void start();
