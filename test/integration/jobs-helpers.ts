import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { JobView } from '../../src/jobs';

export interface Upload {
  readonly path?: string;
  /** Filename sent in the part header; defaults to the file's own name. */
  readonly filename?: string;
  readonly field?: string;
  readonly fields?: Record<string, string>;
}

/** A raw multipart body, so tests control every byte (odd filenames, missing fields). */
export function multipart(upload: Upload): { body: Buffer; contentType: string } {
  const boundary = `----toonstream${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(upload.fields ?? {})) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (upload.path) {
    const name = upload.filename ?? basename(upload.path);
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${upload.field ?? 'video'}"; filename="${name}"\r\nContent-Type: video/mp4\r\n\r\n`, 'utf8'),
      readFileSync(upload.path),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: Headers;
}

export async function post(base: string, upload: Upload): Promise<Answer> {
  const { body, contentType } = multipart(upload);
  const res = await fetch(`${base}/api/jobs`, { method: 'POST', body: Uint8Array.from(body), headers: { 'content-type': contentType } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export async function getJson(url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export interface SseEvent {
  readonly event: string;
  readonly job: JobView;
}

/** Reads a job's event stream until it ends; returns every event. */
export async function readEvents(base: string, id: string, timeoutMs = 120_000): Promise<SseEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(`${base}/api/jobs/${id}/events`, { signal: ac.signal });
    if (res.status !== 200 || !res.body) throw new Error(`events: HTTP ${res.status}`);
    expectHeader(res.headers.get('content-type'), 'text/event-stream');
    const text = await res.text();
    const events: SseEvent[] = [];
    for (const block of text.split('\n\n')) {
      const ev = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (ev && data) events.push({ event: ev, job: JSON.parse(data) as JobView });
    }
    return events;
  } finally {
    clearTimeout(timer);
  }
}

function expectHeader(value: string | null, prefix: string): void {
  if (!value?.startsWith(prefix)) throw new Error(`expected ${prefix}, got ${value}`);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
