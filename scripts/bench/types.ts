import type { Config } from '../../src/config';
import type { OnnxEngine } from '../../src/engine';

export interface BenchContext {
  readonly config: Config;
  /** Engine with every model under test loaded (one shared instance). */
  readonly engine: OnnxEngine;
  /** Names of the models to measure. */
  readonly models: readonly string[];
  /** True when the models dir had no model and the test fixture stands in. */
  readonly usingFixture: boolean;
  /** Timed repetitions per measurement (after warm-up). */
  readonly runs: number;
  /** Progress lines (stderr), so the table on stdout stays clean. */
  log(line: string): void;
}

/** One table of results. `data` is what --json writes for this section. */
export interface BenchResult {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string>>;
  readonly notes?: readonly string[];
  readonly data: unknown;
}

/** A bench section: add a file under scripts/bench/ and one line in registry.ts. */
export interface BenchSection {
  /** Used by `npm run bench -- --only NAME`. */
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
