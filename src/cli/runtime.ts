import { availableParallelism } from 'node:os';
import { loadConfig, type Config, type LogLevel } from '../config';
import { createEngine, noModelMessage, pickDefaultModel, readCards, type OnnxEngine } from '../engine';
import { createLogger, type Logger } from '../logging';
import type { CommandArgs, CommandIO } from './command';
import { CliError } from './command';

/** Config from the environment with the engine flags (--models, --device, ...) on top. */
export function configFrom(args: CommandArgs, io: CommandIO, extra: { port?: string; host?: string } = {}): Config {
  return loadConfig(io.env, {
    models: args.options.models,
    device: args.options.device,
    threads: args.options.threads,
    sessions: args.options.sessions,
    logLevel: args.options['log-level'],
    ...extra,
  });
}

/** One-shot commands log to stderr, at 'warn' unless a level was asked for. */
export function oneShotLogger(config: Config, args: CommandArgs, io: CommandIO): Logger {
  const explicit = args.options['log-level'] !== undefined || (io.env.LOG_LEVEL ?? '') !== '';
  const level: LogLevel = explicit ? config.logLevel : 'warn';
  return createLogger(level, 2);
}

/**
 * How a command's frames should be run. 'latency' (the server, live commands): one session per
 * model using every core, the shortest time per frame. 'throughput' (`process`: only its own
 * frames, nobody waiting on one): on a CPU, unless threads or sessions are set, one
 * single-thread session per core (up to 4): a 2-core machine got 4–8% more upload frames through
 * than with one two-thread session (docs/BENCHMARKS.md, "Video files").
 */
export type EngineProfile = 'latency' | 'throughput';

export function engineThreads(config: Config, profile: EngineProfile): { intraOpThreads: number; sessionsPerModel: number } {
  const auto = config.intraOpThreads === 0 && config.sessionsPerModel === 0;
  if (profile === 'throughput' && config.device === 'cpu' && auto) {
    return { intraOpThreads: 1, sessionsPerModel: Math.min(4, Math.max(1, availableParallelism())) };
  }
  return { intraOpThreads: config.intraOpThreads, sessionsPerModel: config.sessionsPerModel || 1 };
}

export function openEngine(
  config: Config,
  logger: Logger,
  profile: EngineProfile = 'latency',
  onlyModels?: readonly string[],
): Promise<OnnxEngine> {
  return createEngine({
    onlyModels,
    modelsDir: config.modelsDir,
    device: config.device,
    ...engineThreads(config, profile),
    interOpThreads: config.interOpThreads,
    defaultModel: config.defaultModel,
    logger,
    runtimeLogLevel: config.logLevel === 'debug' || config.logLevel === 'trace' ? 'warning' : 'fatal',
  });
}

/** The model a one-shot command uses: --model, else the engine's default; fails readably. */
export function chooseModel(engine: OnnxEngine, requested: string | undefined): string {
  const skipped = engine.skipped().find((s) => s.name === requested);
  if (skipped) throw new CliError(`model ${skipped.name} could not be loaded: ${skipped.reason}`);
  const names = engine.models().map((m) => m.name);
  if (names.length === 0) throw new CliError(noModelMessage(engine.modelsDir));
  const model = requested ?? engine.defaultModel();
  if (model === undefined || !engine.has(model)) {
    throw new CliError(`unknown model "${requested}"; installed: ${names.join(', ')}`);
  }
  return model;
}

/**
 * An engine with only the model a one-shot command uses (--model, else the default one), chosen
 * from the model cards before any model is loaded: loading the others would cost seconds and
 * hundreds of MB for nothing.
 */
export async function openEngineForModel(
  config: Config,
  logger: Logger,
  requested: string | undefined,
  profile: EngineProfile = 'latency',
): Promise<{ engine: OnnxEngine; model: string }> {
  const cards = readCards(config.modelsDir);
  if (cards.length === 0) throw new CliError(noModelMessage(config.modelsDir));
  const wanted = requested ?? pickDefaultModel(cards, config.defaultModel);
  if (wanted === undefined || !cards.some((c) => c.name === wanted)) {
    throw new CliError(`unknown model "${requested}"; installed: ${cards.map((c) => c.name).join(', ')}`);
  }
  const engine = await openEngine(config, logger, profile, [wanted]);
  try {
    return { engine, model: chooseModel(engine, wanted) };
  } catch (error) {
    await engine.close();
    throw error;
  }
}
