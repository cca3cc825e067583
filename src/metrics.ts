import { Counter, Histogram, register, type Registry } from 'prom-client';

/**
 * Metrics live in a prom-client Registry (the process-wide default unless one is passed).
 * The get-or-create helpers let several engines/servers in one process (tests, the bench) share
 * a registry without "metric already registered" errors.
 */
export type { Registry };
export const defaultRegistry: Registry = register;

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}

export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}
