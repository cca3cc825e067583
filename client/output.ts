import { RESOLUTIONS, type Resolution } from './live/camera';
import { LiveController, type TransportChoice } from './live/controller';
import { fetchModels } from './live/models';

// The cartoon alone, full-window: settings come from the query string, e.g.
// output.html?model=toon-fast&strength=0.8&res=720p&camera=DEVICE_ID&transport=ws&audio=1

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const query = new URLSearchParams(location.search);

function showError(message: string | null): void {
  $('error').hidden = message === null;
  $('error').textContent = message ?? '';
}

async function main(): Promise<void> {
  let model: string;
  try {
    const { models, defaultModel } = await fetchModels();
    const wanted = query.get('model');
    model = wanted && models.some((m) => m.name === wanted) ? wanted : defaultModel;
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
    return;
  }
  const strength = Math.min(1, Math.max(0, Number(query.get('strength') ?? '1') || 0));
  const t = query.get('transport');
  const choice: TransportChoice = t === 'ws' || t === 'websocket' ? 'websocket' : t === 'webrtc' ? 'webrtc' : 'auto';
  const res = query.get('res');
  const resolution: Resolution = res && res in RESOLUTIONS ? (res as Resolution) : '720p';
  const cartoonVideo = $<HTMLVideoElement>('cartoon');
  // The microphone comes back with the cartoon (delayed to match it); play it only when asked,
  // e.g. for an OBS browser source, so a page in a normal tab does not echo the room.
  cartoonVideo.muted = query.get('audio') !== '1';
  const cartoonCanvas = $<HTMLCanvasElement>('cartoon-canvas');
  const controller = new LiveController(
    {
      original: $<HTMLVideoElement>('original'),
      cartoonVideo,
      cartoonCanvas,
      status: (_text, state) => void (document.body.dataset.state = state),
      error: showError,
      transport(kind) {
        document.body.dataset.transport = kind ?? '';
        cartoonVideo.hidden = kind !== 'webrtc';
        cartoonCanvas.hidden = kind !== 'websocket';
      },
      server: () => undefined,
    },
    { model, strength, passthrough: false },
    choice,
  );
  Object.defineProperty(window, '__live', {
    value: {
      get framesShown() {
        return controller.framesShown;
      },
      get transport() {
        return controller.current?.kind ?? null;
      },
    },
  });
  await controller.start(query.get('camera') ?? undefined, resolution);
}

void main();
