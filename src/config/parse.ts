import { ConfigError } from './types';

/** Parses a whole decimal integer within [min, max]; `what` names the setting in the error. */
export function parseIntInRange(what: string, raw: string, min: number, max: number): number {
  const trimmed = raw.trim();
  const value = /^[0-9]+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${what} must be an integer ${min}-${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Parses a byte size: "20971520", "20MB", "512k" (binary units: 1 MB = 1024 * 1024 bytes). */
export function parseByteSize(what: string, raw: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(
      `${what} must be a positive size in bytes (e.g. 20971520 or 20MB), got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Parses a count with an optional metric suffix: "40000000", "40M", "250k". */
export function parseCount(what: string, raw: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmM]?)\s*$/.exec(raw);
  const scale = match ? ({ '': 1, k: 1e3, m: 1e6 } as const)[match[2].toLowerCase() as '' | 'k' | 'm'] : NaN;
  const value = match ? Math.floor(Number(match[1]) * scale) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${what} must be a positive integer (e.g. 40000000 or 40M), got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function parseChoice<T extends string>(what: string, raw: string, choices: readonly T[]): T {
  const value = raw.trim().toLowerCase();
  const found = choices.find((c) => c === value);
  if (found === undefined) {
    throw new ConfigError(`${what} must be one of ${choices.join('|')}, got ${JSON.stringify(raw)}`);
  }
  return found;
}

export function parseNonEmpty(what: string, raw: string): string {
  const value = raw.trim();
  if (value === '') throw new ConfigError(`${what} must not be empty`);
  return value;
}
