import type { Engine } from '../engine/types';
import { CRF_RANGE } from '../media/encoder';
import { MAX_OUTPUT_HEIGHT, MIN_OUTPUT_HEIGHT } from '../media/geometry';
import type { OutputFormat } from '../media/types';
import type { JobOptions } from './types';

export type ModelCatalog = Pick<Engine, 'has' | 'defaultModel' | 'models'>;

export class OptionError extends Error {
  override readonly name = 'OptionError';
}

/** Raw option values as they arrive from form fields or CLI flags. */
export interface RawJobOptions {
  readonly model?: string;
  readonly height?: string;
  readonly strength?: string;
  readonly format?: string;
  readonly crf?: string;
}

export const OPTION_NAMES: ReadonlyArray<keyof RawJobOptions> = ['model', 'height', 'strength', 'format', 'crf'];

function intIn(name: string, raw: string, min: number, max: number): number {
  const t = raw.trim();
  const v = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new OptionError(`${name} must be a whole number ${min}-${max}, got ${JSON.stringify(raw)}`);
  return v;
}

/** Checks one option on its own (so a form can be refused before its file has arrived). */
export function checkOption(name: keyof RawJobOptions, raw: string, models: ModelCatalog): void {
  // The CRF range depends on the format, which may arrive later: check the widest range here.
  const alone: RawJobOptions = name === 'crf' ? { crf: raw, format: 'webm' } : { [name]: raw };
  parseJobOptions(alone, models, { partial: true });
}

/** Validates and defaults job options; throws OptionError with a message fit for users. */
export function parseJobOptions(raw: RawJobOptions, models: ModelCatalog, opts: { partial?: boolean } = {}): JobOptions {
  const empty = (s: string | undefined): boolean => s === undefined || s.trim() === '';
  let model = empty(raw.model) ? undefined : (raw.model as string).trim();
  if (model !== undefined && !models.has(model)) {
    const known = models.models().map((m) => m.name);
    throw new OptionError(`unknown model ${JSON.stringify(model)}; available: ${known.join(', ') || 'none'}`);
  }
  model ??= models.defaultModel();
  if (model === undefined && !opts.partial) throw new OptionError('no model is loaded on this server');
  let format: OutputFormat = 'mp4';
  if (!empty(raw.format)) {
    const f = (raw.format as string).trim().toLowerCase();
    if (f !== 'mp4' && f !== 'webm') throw new OptionError(`format must be mp4 or webm, got ${JSON.stringify(raw.format)}`);
    format = f;
  }
  const height = empty(raw.height) ? undefined : intIn('height', raw.height as string, MIN_OUTPUT_HEIGHT, MAX_OUTPUT_HEIGHT);
  let strength = 1;
  if (!empty(raw.strength)) {
    const s = Number((raw.strength as string).trim());
    if (!Number.isFinite(s) || s < 0 || s > 1) throw new OptionError(`strength must be a number 0-1, got ${JSON.stringify(raw.strength)}`);
    strength = s;
  }
  const [lo, hi] = CRF_RANGE[format];
  const crf = empty(raw.crf) ? undefined : intIn('crf', raw.crf as string, lo, hi);
  return { model: model ?? '', height, strength, format, crf };
}
