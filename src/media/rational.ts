import type { Rational } from './types';

export function parseRational(text: unknown): Rational | undefined {
  if (typeof text === 'number' && Number.isFinite(text) && text > 0) return { num: text, den: 1 };
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+)(?:[/:](\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (!(num > 0) || !(den > 0)) return undefined;
  return { num, den };
}

export function rationalValue(r: Rational): number {
  return r.num / r.den;
}

export function formatRational(r: Rational): string {
  return `${r.num}/${r.den}`;
}
