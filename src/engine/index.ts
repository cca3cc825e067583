export { createEngine, pickDefaultModel } from './engine';
export { readCards } from './loader';
export type { EngineOptions, OnnxEngine } from './engine';
export type { SkippedModel } from './loader';
export { validateCard } from './card';
export { CardError, InvalidBatchError, ProviderUnavailableError, UnknownModelError } from './errors';
export { GPU_INSTALL_HINT, providerInstalled } from './providers';
export { noModelMessage } from './messages';
export type { Device, Engine, Frame, FrameBatch, ModelCard, ModelKind } from './types';
