import type { OutputFormat } from '../media/types';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A display name from an uploaded file's name: the last path component only (so `../` and
 * `C:\` go), no control or bidi-override characters, no leading dots, at most 120 characters.
 * It is only ever shown and used in Content-Disposition; files are stored under random ids.
 */
export function sanitizeFilename(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base
    .replace(CONTROL, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+/, '')
    .trim()
    .slice(0, 120);
  return clean || 'video';
}

/** "holiday.mov" -> "holiday-cartoon.mp4". */
export function resultFilename(uploadName: string, format: OutputFormat): string {
  const stem = uploadName.replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'video';
  return `${stem}-cartoon.${format}`;
}

/** RFC 6266 attachment header with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(name: string, disposition: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
