import { isAbsolute, normalize } from 'node:path';
import { CardError } from './errors';
import type { ModelCard } from './types';

type Obj = Readonly<Record<string, unknown>>;

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** Field accessors that throw a CardError naming the card and the dotted field path. */
class Reader {
  constructor(private readonly source: string) {}

  fail(path: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'missing' : `got ${JSON.stringify(got)?.slice(0, 60)}`;
    throw new CardError(`${this.source}: ${path} must be ${expected} (${shown})`);
  }

  obj(value: unknown, path: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Obj;
  }

  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') this.fail(`${path}${key}`, 'a non-empty string', v);
    return v;
  }

  num(o: Obj, key: string, path: string, min = 0): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.fail(`${path}${key}`, `a number >= ${min}`, v);
    return v;
  }

  int(o: Obj, key: string, path: string, min: number): number {
    const v = this.num(o, key, path, min);
    if (!Number.isInteger(v)) this.fail(`${path}${key}`, `an integer >= ${min}`, v);
    return v;
  }

  literal<T extends string | number>(o: Obj, key: string, path: string, choices: readonly T[]): T {
    const v = o[key];
    const found = choices.find((c) => c === v);
    if (found === undefined) this.fail(`${path}${key}`, `one of ${choices.map((c) => JSON.stringify(c)).join('|')}`, v);
    return found;
  }

  /** A file name inside the models directory (no absolute paths, no escaping with ".."). */
  file(o: Obj, key: string, path: string): string {
    const v = this.str(o, key, path);
    const n = normalize(v);
    if (isAbsolute(v) || n.startsWith('..')) this.fail(`${path}${key}`, 'a path inside the models directory', v);
    return v;
  }
}

/**
 * Validates a parsed models/<name>.json. `source` (the file name) prefixes every error message.
 * Unknown extra fields are kept, so cards can carry more than toonstream reads.
 */
export function validateCard(value: unknown, source: string, expectedName?: string): ModelCard {
  const r = new Reader(source);
  const card = r.obj(value, 'card');
  const name = r.str(card, 'name', '');
  if (!NAME_RE.test(name)) r.fail('name', 'letters, digits, ".", "_" or "-" (max 64, URL-safe)', name);
  if (expectedName !== undefined && name !== expectedName) {
    throw new CardError(`${source}: name "${name}" does not match the file name (expected "${expectedName}")`);
  }
  const files = r.obj(card.files, 'files');
  const fp16 = files.fp16 === undefined ? undefined : r.file(files, 'fp16', 'files.');
  const input = r.obj(card.input, 'input');
  const training = r.obj(card.training, 'training');
  if (!Array.isArray(training.data)) r.fail('training.data', 'an array', training.data);
  const data = (training.data as unknown[]).map((item, i) => {
    const d = r.obj(item, `training.data[${i}]`);
    const p = `training.data[${i}].`;
    return { name: r.str(d, 'name', p), licence: r.str(d, 'licence', p), images: r.int(d, 'images', p, 0) };
  });
  const metricsObj = r.obj(card.metrics, 'metrics');
  const metrics: Record<string, number> = {};
  for (const key of Object.keys(metricsObj)) metrics[key] = r.num(metricsObj, key, 'metrics.', -Infinity);

  return {
    ...card,
    name,
    style: r.str(card, 'style', ''),
    kind: r.literal(card, 'kind', '', ['fast', 'hq'] as const),
    description: r.str(card, 'description', ''),
    files: { fp32: r.file(files, 'fp32', 'files.'), ...(fp16 !== undefined ? { fp16 } : {}) },
    input: {
      layout: r.literal(input, 'layout', 'input.', ['NHWC'] as const),
      dtype: r.literal(input, 'dtype', 'input.', ['uint8'] as const),
      channels: r.literal(input, 'channels', 'input.', [3] as const),
      multipleOf: r.int(input, 'multipleOf', 'input.', 1),
      workingShortSide: r.int(input, 'workingShortSide', 'input.', 1),
    },
    params: r.int(card, 'params', '', 0),
    gflopsAt256: r.num(card, 'gflopsAt256', ''),
    training: {
      ...training,
      data,
      steps: r.int(training, 'steps', 'training.', 0),
      imagesSeen: r.int(training, 'imagesSeen', 'training.', 0),
      hardware: r.str(training, 'hardware', 'training.'),
      wallClockMinutes: r.num(training, 'wallClockMinutes', 'training.'),
    },
    metrics,
  };
}
