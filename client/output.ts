import { RESOLUTIONS, type Resolution } from './live/camera';
import { LiveController, type TransportChoice } from './live/controller';
import { fetchModels } from './live/models';
import { playWhep, WhepError, type WhepSession } from './live/whep';

// The cartoon alone, full-window: settings come from the query string, e.g.
// output.html?model=toon-fast&strength=0.8&res=720p&camera=DEVICE_ID&transport=ws&audio=1
// or, to show the cartoon of a WHIP publication (OBS, GStreamer) instead of this machine's
// camera: output.html?whep=latest&token=TOKEN (or whep=<publication id>).

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const query = new URLSearchParams(location.search);

function showError(message: string | null): void {
  $('error').hidden = message === null;
  $('error').textContent = message ?? '';
}

const WHEP_RETRY_MS = 2000;

/** Plays /whep (or /whep/<id>) and comes back after any loss or refusal worth retrying. */
function mainWhep(stream: string): void {
  const endpoint = stream === 'latest' ? '/whep' : `/whep/${encodeURIComponent(stream)}`;
  const token = query.get('token');
  const video = $<HTMLVideoElement>('cartoon');
  video.muted = query.get('audio') !== '1';
  video.hidden = false;
  document.body.dataset.transport = 'whep';
  let framesShown = 0;
  let session: WhepSession | null = null;
  Object.defineProperty(window, '__live', {
    value: {
      get framesShown() {
        return framesShown;
      },
      get transport() {
        return session ? 'whep' : null;
      },
    },
  });
  window.addEventListener('pagehide', () => session?.close());
  const retry = (message: string): void => {
    session = null;
    document.body.dataset.state = 'connecting';
    showError(message);
    window.setTimeout(connect, WHEP_RETRY_MS);
  };
  const connect = async (): Promise<void> => {
    document.body.dataset.state = 'connecting';
    try {
      session = await playWhep(endpoint, token, video, {
        frame: () => void framesShown++,
        lost: (reason) => retry(`The stream stopped (${reason}); reconnecting…`),
      });
      document.body.dataset.state = 'live';
      showError(null);
    } catch (error) {
      if (error instanceof WhepError && error.retry) retry(error.message);
      else {
        document.body.dataset.state = 'error';
        showError(error instanceof Error ? error.message : String(error));
      }
    }
  };
  void connect();
}

async function main(): Promise<void> {
  const whep = query.get('whep');
  if (whep !== null) return mainWhep(whep.trim() || 'latest');
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
