// The video page: choose options, drop a video, watch the upload (XHR progress) and the
// processing (server-sent events), compare before/after, download the cartoon.
import { el } from './shared/dom';

interface ModelCard {
  name: string;
  style: string;
  kind: 'fast' | 'hq';
  description: string;
}

interface ModelsResponse {
  defaultModel: string | null;
  models: ModelCard[];
}

type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

interface JobView {
  id: string;
  state: JobState;
  filename: string;
  options: { model: string; height?: number; strength: number; format: 'mp4' | 'webm' };
  input: { width: number; height: number; fps: number; durationS: number; hasAudio: boolean; bytes: number };
  progress: { framesDone: number; framesTotal: number; fps?: number; etaS?: number; percent: number };
  error?: string;
  result?: { url: string; bytes: number; contentType: string; filename: string };
}


const ui = {
  status: el<HTMLDivElement>('status'),
  model: el<HTMLSelectElement>('model'),
  height: el<HTMLSelectElement>('height'),
  format: el<HTMLSelectElement>('format'),
  strength: el<HTMLInputElement>('strength'),
  strengthValue: el<HTMLOutputElement>('strength-value'),
  drop: el<HTMLLabelElement>('drop'),
  file: el<HTMLInputElement>('file'),
  error: el<HTMLDivElement>('error'),
  progress: el<HTMLElement>('progress'),
  uploadBar: el<HTMLDivElement>('upload-bar'),
  uploadText: el<HTMLSpanElement>('upload-text'),
  processBar: el<HTMLDivElement>('process-bar'),
  processText: el<HTMLSpanElement>('process-text'),
  cancel: el<HTMLButtonElement>('cancel'),
  download: el<HTMLAnchorElement>('download'),
  sync: el<HTMLButtonElement>('sync'),
  before: el<HTMLVideoElement>('before'),
  beforeInfo: el<HTMLSpanElement>('before-info'),
  after: el<HTMLVideoElement>('after'),
  afterInfo: el<HTMLSpanElement>('after-info'),
};

let xhr: XMLHttpRequest | undefined;
let events: EventSource | undefined;
let jobId: string | undefined;
let beforeUrl: string | undefined;

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MB`;

function clock(s: number): string {
  const t = Math.max(0, Math.round(s));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

function showError(message: string | undefined): void {
  ui.error.hidden = message === undefined;
  ui.error.textContent = message ?? '';
}

function setBar(bar: HTMLDivElement, fraction: number | undefined, failed = false): void {
  bar.classList.toggle('indeterminate', fraction === undefined);
  bar.classList.toggle('failed', failed);
  if (fraction !== undefined) bar.style.width = `${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%`;
}

function busy(on: boolean): void {
  ui.drop.classList.toggle('disabled', on);
  ui.file.disabled = on;
  ui.cancel.hidden = !on;
}

async function loadModels(): Promise<void> {
  try {
    const res = await fetch('/api/models');
    const body = (await res.json()) as ModelsResponse;
    ui.model.replaceChildren();
    for (const card of body.models) {
      const option = new Option(`${card.name} · ${card.style}`, card.name, false, card.name === body.defaultModel);
      option.title = card.description;
      ui.model.append(option);
    }
    if (body.models.length === 0) {
      ui.status.hidden = false;
      ui.status.textContent = 'No model is installed on this server, so videos cannot be processed yet.';
      ui.model.append(new Option('no model installed', ''));
      ui.drop.classList.add('disabled');
      ui.file.disabled = true;
      return;
    }
    ui.model.disabled = false;
  } catch {
    showError('Could not reach the server to list the models.');
  }
}

function renderJob(job: JobView): void {
  const p = job.progress;
  ui.afterInfo.textContent = '';
  switch (job.state) {
    case 'queued':
      setBar(ui.processBar, 0);
      ui.processText.textContent = 'queued: waiting for a free worker';
      break;
    case 'running': {
      setBar(ui.processBar, p.framesTotal ? p.framesDone / p.framesTotal : undefined);
      const fps = p.fps === undefined ? '' : ` · ${p.fps.toFixed(1)} fps`;
      const eta = p.etaS === undefined ? '' : ` · ${clock(p.etaS)} left`;
      ui.processText.textContent = `${p.percent.toFixed(0)}% · frame ${p.framesDone} of ${p.framesTotal}${fps}${eta}`;
      break;
    }
    case 'done':
      setBar(ui.processBar, 1);
      ui.processText.textContent = `done · ${p.framesDone} frames${job.result ? ` · ${mib(job.result.bytes)}` : ''}`;
      if (job.result) showResult(job);
      busy(false);
      break;
    case 'failed':
      setBar(ui.processBar, p.framesTotal ? p.framesDone / p.framesTotal : 1, true);
      ui.processText.textContent = 'failed';
      showError(`Processing failed: ${job.error ?? 'unknown error'}`);
      busy(false);
      break;
    case 'cancelled':
      setBar(ui.processBar, 0, true);
      ui.processText.textContent = 'cancelled';
      busy(false);
      break;
  }
}

function showResult(job: JobView): void {
  if (!job.result) return;
  ui.after.src = `${job.result.url}?inline=1`;
  ui.after.hidden = false;
  ui.download.href = job.result.url;
  ui.download.download = job.result.filename;
  ui.download.hidden = false;
  ui.sync.hidden = ui.before.hidden;
  const size = job.options.height ? `${job.options.height}p` : `${job.input.height}p`;
  ui.afterInfo.textContent = `${size} · ${job.options.format.toUpperCase()}${job.input.hasAudio ? ' · with sound' : ''}`;
}

function follow(id: string): void {
  jobId = id;
  events?.close();
  const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
  events = source;
  const handle = (e: MessageEvent<string>): void => {
    const job = JSON.parse(e.data) as JobView;
    renderJob(job);
    if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') source.close();
  };
  for (const type of ['progress', 'done', 'failed', 'cancelled']) source.addEventListener(type, handle as EventListener);
  source.onerror = () => {
    // EventSource reconnects by itself; say so instead of looking frozen.
    if (source.readyState === EventSource.CONNECTING) ui.processText.textContent = 'connection lost, reconnecting…';
  };
}

function responseError(request: XMLHttpRequest): string {
  try {
    const body = JSON.parse(request.responseText) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return request.status ? `${request.status} ${request.statusText}` : 'the upload was interrupted (network error)';
}

function start(file: File): void {
  showError(undefined);
  events?.close();
  jobId = undefined;
  ui.after.removeAttribute('src');
  ui.after.hidden = true;
  ui.download.hidden = true;
  ui.sync.hidden = true;
  if (beforeUrl) URL.revokeObjectURL(beforeUrl);
  beforeUrl = URL.createObjectURL(file);
  ui.before.src = beforeUrl;
  ui.before.hidden = false;
  ui.beforeInfo.textContent = `${file.name} · ${mib(file.size)}`;
  ui.progress.hidden = false;
  setBar(ui.uploadBar, 0);
  setBar(ui.processBar, 0);
  ui.processText.textContent = 'waiting for the upload';
  busy(true);

  const form = new FormData();
  // Options first: the server checks them before the video arrives.
  if (ui.model.value) form.append('model', ui.model.value);
  if (ui.height.value) form.append('height', ui.height.value);
  form.append('strength', ui.strength.value);
  form.append('format', ui.format.value);
  form.append('video', file, file.name);

  const request = new XMLHttpRequest();
  xhr = request;
  const started = performance.now();
  request.upload.onprogress = (e) => {
    if (!e.lengthComputable) return setBar(ui.uploadBar, undefined);
    setBar(ui.uploadBar, e.loaded / e.total);
    const rate = e.loaded / Math.max(0.001, (performance.now() - started) / 1000);
    ui.uploadText.textContent = `${Math.round((100 * e.loaded) / e.total)}% · ${mib(e.loaded)} of ${mib(e.total)} · ${mib(rate)}/s`;
  };
  request.upload.onload = () => {
    setBar(ui.uploadBar, 1);
    ui.processText.textContent = 'checking the video…';
  };
  request.onload = () => {
    xhr = undefined;
    if (request.status !== 202) {
      setBar(ui.uploadBar, 1, true);
      ui.uploadText.textContent = 'refused';
      ui.processText.textContent = '';
      showError(responseError(request));
      busy(false);
      return;
    }
    ui.uploadText.textContent = `done · ${mib(file.size)}`;
    const { id } = JSON.parse(request.responseText) as { id: string };
    history.replaceState(null, '', `?job=${encodeURIComponent(id)}`);
    follow(id);
  };
  request.onerror = () => {
    xhr = undefined;
    setBar(ui.uploadBar, 1, true);
    showError(responseError(request));
    busy(false);
  };
  request.onabort = () => {
    xhr = undefined;
    ui.uploadText.textContent = 'cancelled';
    busy(false);
  };
  request.open('POST', '/api/jobs');
  request.send(form);
}

async function cancel(): Promise<void> {
  if (xhr) return xhr.abort();
  if (!jobId) return;
  const res = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`, { method: 'DELETE' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    showError(body.error ?? `${res.status} ${res.statusText}`);
  }
}

/** Resumes a job from ?job=ID (after a reload); the original is not kept by the browser then. */
async function resume(id: string): Promise<void> {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}`);
  if (!res.ok) return;
  const job = (await res.json()) as JobView;
  ui.progress.hidden = false;
  setBar(ui.uploadBar, 1);
  ui.uploadText.textContent = `${job.filename} · ${mib(job.input.bytes)}`;
  ui.beforeInfo.textContent = `${job.filename} (choose it again to compare)`;
  busy(job.state === 'queued' || job.state === 'running');
  renderJob(job);
  if (job.state === 'queued' || job.state === 'running') follow(id);
}

function pick(files: FileList | null | undefined): void {
  const file = files?.[0];
  if (!file || ui.file.disabled) return;
  start(file);
}

ui.file.addEventListener('change', () => pick(ui.file.files));
ui.drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') ui.file.click();
});
ui.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  pick(e.dataTransfer?.files);
});
ui.strength.addEventListener('input', () => {
  ui.strengthValue.textContent = `${Math.round(Number(ui.strength.value) * 100)}%`;
});
ui.cancel.addEventListener('click', () => void cancel());
ui.sync.addEventListener('click', () => {
  ui.before.currentTime = 0;
  ui.after.currentTime = 0;
  void ui.before.play();
  void ui.after.play();
});
// Keep the two players together when the cartoon is seeked or paused.
ui.after.addEventListener('seeked', () => {
  if (!ui.before.hidden) ui.before.currentTime = ui.after.currentTime;
});
ui.after.addEventListener('pause', () => ui.before.pause());

void loadModels();
const resumeId = new URLSearchParams(location.search).get('job');
if (resumeId) void resume(resumeId);

// A module, so its names do not collide with the other page scripts in the client type check.
export {};
