// The package's programmatic door: what an embedding application or another module needs.
export { loadConfig, ConfigError } from './config';
export type { Config, ConfigFlags, LogLevel } from './config';
export { createEngine } from './engine';
export type { Engine, EngineOptions, FrameBatch, Frame, ModelCard, OnnxEngine } from './engine';
export { buildServer } from './http';
export type { RoutePlugin, ServerContext, ServerOptions } from './http';
export { cartoonizeImage } from './image';
export { createLogger } from './logging';
