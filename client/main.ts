// The image page: pick a model, upload or drop an image, see the cartoon beside it.
import { el } from './shared/dom';

interface ModelCard {
  name: string;
  style: string;
  kind: 'fast' | 'hq';
  description: string;
  params: number;
  gflopsAt256: number;
}

interface ModelsResponse {
  defaultModel: string | null;
  models: ModelCard[];
}

interface Health {
  status: 'ok' | 'no-model';
  models: string[];
  device: string;
  message?: string;
}

const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'];
const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };


const ui = {
  status: el<HTMLDivElement>('status'),
  model: el<HTMLSelectElement>('model'),
  modelInfo: el<HTMLParagraphElement>('model-info'),
  drop: el<HTMLLabelElement>('drop'),
  file: el<HTMLInputElement>('file'),
  error: el<HTMLDivElement>('error'),
  original: el<HTMLImageElement>('original'),
  cartoon: el<HTMLImageElement>('cartoon'),
  spinner: el<HTMLDivElement>('spinner'),
  timing: el<HTMLSpanElement>('timing'),
  download: el<HTMLAnchorElement>('download'),
};

let cards: ModelCard[] = [];
let currentFile: File | undefined;
let originalUrl: string | undefined;
let cartoonUrl: string | undefined;
let busy = false;

function showError(message: string | undefined): void {
  ui.error.hidden = message === undefined;
  ui.error.textContent = message ?? '';
}

function showNoModel(message: string): void {
  ui.status.hidden = false;
  ui.status.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = 'No model is installed';
  const body = document.createElement('span');
  body.textContent = message;
  ui.status.append(title, body);
  ui.drop.classList.add('disabled');
  ui.file.disabled = true;
  ui.model.replaceChildren(new Option('no model installed', ''));
  ui.model.disabled = true;
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to the status line
  }
  return `${response.status} ${response.statusText}`;
}

function describe(card: ModelCard): string {
  const params =
    card.params >= 1e6 ? `${(card.params / 1e6).toFixed(2)}M` : card.params >= 1e3 ? `${Math.round(card.params / 1e3)}k` : String(card.params);
  return `${card.style} · ${card.kind} · ${params} params · ${card.gflopsAt256 < 0.1 ? card.gflopsAt256.toPrecision(2) : card.gflopsAt256.toFixed(1)} GFLOPs@256 — ${card.description}`;
}

async function loadModels(): Promise<void> {
  const [healthRes, modelsRes] = await Promise.all([fetch('/healthz'), fetch('/api/models')]);
  if (!healthRes.ok || !modelsRes.ok) throw new Error(await errorText(healthRes.ok ? modelsRes : healthRes));
  const health = (await healthRes.json()) as Health;
  const list = (await modelsRes.json()) as ModelsResponse;
  cards = list.models;
  if (health.status === 'no-model' || cards.length === 0) {
    showNoModel(health.message ?? 'Add a model to the models directory and restart the server.');
    return;
  }
  ui.model.replaceChildren(...cards.map((c) => new Option(`${c.name} (${c.style})`, c.name, false, c.name === list.defaultModel)));
  ui.model.disabled = false;
  updateModelInfo();
}

function updateModelInfo(): void {
  const card = cards.find((c) => c.name === ui.model.value);
  ui.modelInfo.textContent = card ? describe(card) : '';
}

function setBusy(value: boolean): void {
  busy = value;
  ui.spinner.hidden = !value;
  ui.drop.classList.toggle('disabled', value);
}

async function cartoonize(): Promise<void> {
  const file = currentFile;
  if (!file || busy || !ui.model.value) return;
  showError(undefined);
  setBusy(true);
  ui.timing.textContent = '';
  try {
    const started = performance.now();
    const response = await fetch(`/api/cartoonize?model=${encodeURIComponent(ui.model.value)}`, {
      method: 'POST',
      headers: { 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    if (!response.ok) throw new Error(await errorText(response));
    const blob = await response.blob();
    if (cartoonUrl) URL.revokeObjectURL(cartoonUrl);
    cartoonUrl = URL.createObjectURL(blob);
    ui.cartoon.src = cartoonUrl;
    ui.cartoon.alt = `Cartoon of ${file.name}`;
    ui.cartoon.hidden = false;
    const base = file.name.replace(/\.[^.]+$/, '') || 'image';
    ui.download.href = cartoonUrl;
    ui.download.download = `${base}-cartoon.${EXTENSION[blob.type] ?? 'jpg'}`;
    ui.download.hidden = false;
    const inference = /inference;dur=([0-9.]+)/.exec(response.headers.get('server-timing') ?? '');
    const total = Math.round(performance.now() - started);
    ui.timing.textContent = inference ? `${total} ms (model ${Math.round(Number(inference[1]))} ms)` : `${total} ms`;
  } catch (error) {
    showError(`Could not cartoonize ${file.name}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    setBusy(false);
  }
}

function accept(file: File | undefined): void {
  if (!file || ui.file.disabled) return;
  if (file.type && !ACCEPTED.includes(file.type)) {
    showError(`${file.name} is ${file.type}; choose a JPEG, PNG or WebP image.`);
    return;
  }
  currentFile = file;
  if (originalUrl) URL.revokeObjectURL(originalUrl);
  originalUrl = URL.createObjectURL(file);
  ui.original.src = originalUrl;
  ui.original.alt = file.name;
  ui.original.hidden = false;
  ui.cartoon.hidden = true;
  ui.download.hidden = true;
  void cartoonize();
}

ui.file.addEventListener('change', () => accept(ui.file.files?.[0]));
ui.model.addEventListener('change', () => {
  updateModelInfo();
  void cartoonize();
});
ui.drop.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    ui.file.click();
  }
});
for (const type of ['dragenter', 'dragover'] as const) {
  ui.drop.addEventListener(type, (event) => {
    event.preventDefault();
    ui.drop.classList.add('over');
  });
}
for (const type of ['dragleave', 'drop'] as const) {
  ui.drop.addEventListener(type, () => ui.drop.classList.remove('over'));
}
ui.drop.addEventListener('drop', (event) => {
  event.preventDefault();
  accept(event.dataTransfer?.files[0]);
});

loadModels().catch((error: unknown) => {
  showError(`Could not reach the server: ${error instanceof Error ? error.message : String(error)}`);
});
