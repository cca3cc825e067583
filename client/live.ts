import { listCameras, RESOLUTIONS, type Resolution } from './live/camera';
import { LiveController, type TransportChoice } from './live/controller';
import { fetchModels } from './live/models';
import { startOverlay } from './live/overlay';
import type { Settings } from './live/types';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const query = new URLSearchParams(location.search);
const choice = ((): TransportChoice => {
  const t = query.get('transport');
  return t === 'ws' || t === 'websocket' ? 'websocket' : t === 'webrtc' ? 'webrtc' : 'auto';
})();

const cameraSelect = $<HTMLSelectElement>('camera');
const resolutionSelect = $<HTMLSelectElement>('resolution');
const styleSelect = $<HTMLSelectElement>('style');
const strength = $<HTMLInputElement>('strength');
const passthrough = $<HTMLInputElement>('passthrough');
const cartoonOnly = $<HTMLInputElement>('cartoon-only');
const errorBox = $('error');
const cartoonVideo = $<HTMLVideoElement>('cartoon');
const cartoonCanvas = $<HTMLCanvasElement>('cartoon-canvas');

function showError(message: string | null): void {
  errorBox.hidden = message === null;
  errorBox.textContent = message ?? '';
}

let controller: LiveController | null = null;

function outputLink(settings: Settings): void {
  const params = new URLSearchParams({ model: settings.model, strength: String(settings.strength), res: resolutionSelect.value });
  if (cameraSelect.value) params.set('camera', cameraSelect.value);
  $<HTMLAnchorElement>('output-link').href = `output.html?${params}`;
}

async function fillCameras(): Promise<void> {
  const cameras = await listCameras().catch(() => []);
  const selected = cameraSelect.value;
  cameraSelect.replaceChildren(...cameras.map((c, i) => new Option(c.label || `camera ${i + 1}`, c.deviceId)));
  if (cameras.some((c) => c.deviceId === selected)) cameraSelect.value = selected;
}

async function main(): Promise<void> {
  const res = query.get('res');
  if (res && res in RESOLUTIONS) resolutionSelect.value = res;
  let settings: Settings;
  try {
    const { models, defaultModel } = await fetchModels();
    styleSelect.replaceChildren(...models.map((m) => new Option(`${m.name} (${m.style})`, m.name)));
    const wanted = query.get('model');
    styleSelect.value = wanted && models.some((m) => m.name === wanted) ? wanted : defaultModel;
    styleSelect.disabled = false;
    settings = { model: styleSelect.value, strength: Number(strength.value), passthrough: passthrough.checked };
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
    document.body.dataset.state = 'error';
    return;
  }

  controller = new LiveController(
    {
      original: $<HTMLVideoElement>('original'),
      cartoonVideo,
      cartoonCanvas,
      status(text, state) {
        $('status').textContent = text;
        document.body.dataset.state = state;
      },
      error: showError,
      transport(kind) {
        document.body.dataset.transport = kind ?? '';
        $('transport').textContent = kind === 'webrtc' ? 'WebRTC' : kind === 'websocket' ? 'WebSocket' : '—';
        cartoonVideo.hidden = kind !== 'webrtc';
        cartoonCanvas.hidden = kind !== 'websocket';
      },
      server(msg) {
        if (msg.type === 'error' && msg.error) showError(`Server: ${msg.error}`);
        if (msg.type === 'settings') showError(null);
      },
    },
    settings,
    choice,
  );
  exposeForTests(controller);
  startOverlay({ fps: $('fps'), latency: $('latency'), chart: $<HTMLCanvasElement>('chart') }, () => controller?.current ?? null);

  const restart = async (): Promise<void> => {
    await controller!.start(cameraSelect.value || undefined, resolutionSelect.value as Resolution);
    await fillCameras();
    outputLink(settings);
  };
  cameraSelect.addEventListener('change', () => void restart());
  resolutionSelect.addEventListener('change', () => void restart());
  styleSelect.addEventListener('change', () => {
    settings = { ...settings, model: styleSelect.value };
    controller!.update({ model: settings.model });
    outputLink(settings);
  });
  strength.addEventListener('input', () => {
    settings = { ...settings, strength: Number(strength.value) };
    $('strength-value').textContent = `${Math.round(settings.strength * 100)}%`;
    controller!.update({ strength: settings.strength });
    outputLink(settings);
  });
  passthrough.addEventListener('change', () => {
    settings = { ...settings, passthrough: passthrough.checked };
    controller!.update({ passthrough: settings.passthrough });
  });
  cartoonOnly.addEventListener('change', () => document.body.classList.toggle('cartoon-only', cartoonOnly.checked));
  await restart();
}

/** Read-only hooks for the end-to-end tests. */
function exposeForTests(c: LiveController): void {
  Object.defineProperty(window, '__live', {
    value: {
      get framesShown() {
        return c.framesShown;
      },
      get transport() {
        return c.current?.kind ?? null;
      },
      get session() {
        return c.current?.session ?? null;
      },
    },
  });
}

void main();
