import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { validateCard } from './card';
import { ProviderUnavailableError } from './errors';
import { asProviderError } from './providers';
import type { ModelSession, SessionOptions } from './session';
import { SessionPool } from './session-pool';
import type { Device, ModelCard } from './types';

export interface LoadedModel {
  readonly card: ModelCard;
  /** The .onnx file actually loaded (fp16 on GPUs when the card lists one). */
  readonly path: string;
  readonly session: SessionPool;
}

/** A model that was found but could not be loaded, with the reason. */
export interface SkippedModel {
  readonly name: string;
  readonly reason: string;
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // ONNX Runtime messages can span lines and carry source paths; one line is enough for a log.
  return message.split('\n')[0].replace(/\s+/g, ' ').slice(0, 300);
}

/** Runs one small frame so the first real request doesn't pay for lazy allocations. */
async function warmUp(session: ModelSession, card: ModelCard): Promise<void> {
  const m = card.input.multipleOf;
  const side = Math.max(m, Math.ceil(Math.min(card.input.workingShortSide, 256) / m) * m);
  await session.run({ data: new Uint8Array(side * side * 3), n: 1, height: side, width: side });
}

function readCard(dir: string, cardFile: string): ModelCard {
  const name = basename(cardFile, '.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, cardFile), 'utf8'));
  } catch (error) {
    throw new Error(`${cardFile} is not valid JSON: ${errorMessage(error)}`);
  }
  return validateCard(parsed, cardFile, name);
}

function cardFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** The valid model cards in `dir`, without loading any model (cheap: JSON files only). */
export function readCards(dir: string): ModelCard[] {
  const cards: ModelCard[] = [];
  for (const file of cardFiles(dir)) {
    try {
      cards.push(readCard(dir, file));
    } catch {
      // loadModels reports it when the model is loaded
    }
  }
  return cards;
}

async function loadOne(
  dir: string,
  cardFile: string,
  device: Device,
  options: SessionOptions,
  sessionsPerModel: number,
): Promise<LoadedModel> {
  const card = readCard(dir, cardFile);
  const file = device !== 'cpu' && card.files.fp16 ? card.files.fp16 : card.files.fp32;
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`model file ${file} is missing`);
  let session: SessionPool;
  try {
    session = await SessionPool.open(path, options, sessionsPerModel);
  } catch (error) {
    // A missing GPU provider is a setup problem for every model, not this model's fault.
    const providerError = asProviderError(device, error);
    if (providerError) throw providerError;
    throw new Error(`cannot load ${file}: ${errorMessage(error)}`);
  }
  try {
    await session.each((s) => warmUp(s, card));
  } catch (error) {
    await session.close();
    throw new Error(`warm-up run of ${file} failed: ${errorMessage(error)}`);
  }
  return { card, path, session };
}

/**
 * Loads every models/<name>.json with its .onnx. A model that fails (bad card, missing or
 * corrupt file, wrong input contract) is logged by name and skipped; the rest still load.
 * ProviderUnavailableError propagates, since no model can load without the provider.
 */
export async function loadModels(
  dir: string,
  device: Device,
  options: SessionOptions,
  logger: Logger,
  sessionsPerModel = 1,
  only?: readonly string[],
): Promise<{ loaded: LoadedModel[]; skipped: SkippedModel[] }> {
  const loaded: LoadedModel[] = [];
  const skipped: SkippedModel[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    logger.warn({ modelsDir: dir }, 'models directory does not exist');
    return { loaded, skipped };
  }
  for (const cardFile of cardFiles(dir)) {
    const name = basename(cardFile, '.json');
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    try {
      const model = await loadOne(dir, cardFile, device, options, sessionsPerModel);
      loaded.push(model);
      logger.info({ model: name, file: model.path, device, ms: Date.now() - started }, 'model loaded');
    } catch (error) {
      if (error instanceof ProviderUnavailableError) {
        await Promise.all(loaded.map((m) => m.session.close()));
        throw error;
      }
      const reason = errorMessage(error);
      skipped.push({ name, reason });
      logger.error({ model: name, reason }, `model ${name} skipped: ${reason}`);
    }
  }
  return { loaded, skipped };
}
