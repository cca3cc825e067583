import type { Logger } from 'pino';
import pino from 'pino';
import { defaultRegistry, type Registry } from '../metrics';
import type { RuntimeLogLevel } from '../ort/remote-session';
import { UnknownModelError } from './errors';
import { loadModels, type LoadedModel, type SkippedModel } from './loader';
import { engineMetrics } from './metrics';
import { executionProviders } from './providers';
import type { Device, Engine, FrameBatch, ModelCard } from './types';

export interface EngineOptions {
  readonly modelsDir: string;
  readonly device?: Device;
  /** ONNX Runtime intra-op threads; 0 (default) lets ONNX Runtime choose. */
  readonly intraOpThreads?: number;
  readonly interOpThreads?: number;
  /**
   * ONNX Runtime sessions per model (default 1), each on its own thread; batches of one model run
   * on up to this many at once. With `intraOpThreads: 1`, as many as the cores get more frames
   * through a small CPU than one session with all of them (at more latency per frame).
   */
  readonly sessionsPerModel?: number;
  /** Preferred default model; otherwise the first 'fast' model by name, else the first. */
  readonly defaultModel?: string;
  /** Load only these models (by card name); default: every model in modelsDir. */
  readonly onlyModels?: readonly string[];
  readonly logger?: Logger;
  readonly registry?: Registry;
  /**
   * ONNX Runtime's own stderr logging. Default 'fatal': load failures are caught and reported
   * through `logger` by model name, so the runtime's raw error lines would only repeat them.
   */
  readonly runtimeLogLevel?: RuntimeLogLevel;
}

/** The ONNX Runtime engine: Engine plus what operators need to see about loading. */
export interface OnnxEngine extends Engine {
  readonly modelsDir: string;
  /** Models found in the models directory that failed to load, with reasons. */
  skipped(): SkippedModel[];
  /** The .onnx file loaded for a model (fp16 on GPUs when available). */
  modelPath(model: string): string | undefined;
  /** Batches queued or running on each of a model's sessions ([] for an unknown model). */
  sessionDepths(model: string): number[];
}

class OrtEngine implements OnnxEngine {
  private readonly byName: Map<string, LoadedModel>;
  private readonly metrics;
  private closed = false;

  constructor(
    readonly device: Device,
    readonly modelsDir: string,
    loaded: LoadedModel[],
    private readonly skippedModels: SkippedModel[],
    private readonly preferred: string | undefined,
    registry: Registry,
    readonly sessionsPerModel: number,
  ) {
    this.byName = new Map(loaded.map((m) => [m.card.name, m]));
    this.metrics = engineMetrics(registry);
  }

  models(): ModelCard[] {
    return [...this.byName.values()].map((m) => m.card);
  }

  has(model: string): boolean {
    return this.byName.has(model);
  }

  defaultModel(): string | undefined {
    return pickDefaultModel(this.models(), this.preferred);
  }

  skipped(): SkippedModel[] {
    return [...this.skippedModels];
  }

  modelPath(model: string): string | undefined {
    return this.byName.get(model)?.path;
  }

  sessionDepths(model: string): number[] {
    return this.byName.get(model)?.session.depths ?? [];
  }

  async run(model: string, batch: FrameBatch): Promise<FrameBatch> {
    if (this.closed) throw new Error('the engine is closed');
    const loaded = this.byName.get(model);
    if (!loaded) throw new UnknownModelError(model, [...this.byName.keys()]);
    return loaded.session.run(batch, (seconds) => this.metrics.observe(model, batch.n, seconds));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.byName.values()].map((m) => m.session.close()));
  }
}

/** The preferred model when it is among `cards`, else the first fast one by name, else the first. */
export function pickDefaultModel(cards: readonly ModelCard[], preferred: string | undefined): string | undefined {
  if (preferred !== undefined && cards.some((c) => c.name === preferred)) return preferred;
  // By card name, not file name: "toon-fast" must come before "toon-fast-scenery".
  const sorted = [...cards].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return (sorted.find((c) => c.kind === 'fast') ?? sorted[0])?.name;
}

/**
 * Loads and warms up every model in options.modelsDir (or those of options.onlyModels). Resolves even when no model loads
 * (engine.models() is then empty); rejects only for setup errors that affect every model,
 * such as a GPU device whose execution provider is not installed.
 */
export async function createEngine(options: EngineOptions): Promise<OnnxEngine> {
  const device = options.device ?? 'cpu';
  const logger = options.logger ?? pino({ level: 'silent' });
  const runtimeLogLevel = options.runtimeLogLevel ?? 'fatal';
  const sessionOptions = {
    runtimeLogLevel,
    executionProviders: executionProviders(device),
    intraOpThreads: options.intraOpThreads ?? 0,
    interOpThreads: options.interOpThreads ?? 1,
  };
  const sessionsPerModel = options.sessionsPerModel ?? 1;
  const { loaded, skipped } = await loadModels(options.modelsDir, device, sessionOptions, logger, sessionsPerModel, options.onlyModels);
  if (options.defaultModel !== undefined && !loaded.some((m) => m.card.name === options.defaultModel)) {
    logger.warn({ model: options.defaultModel }, 'configured default model is not loaded; picking another');
  }
  return new OrtEngine(
    device,
    options.modelsDir,
    loaded,
    skipped,
    options.defaultModel,
    options.registry ?? defaultRegistry,
    sessionsPerModel,
  );
}
