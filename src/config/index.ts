export { loadConfig, DEFAULTS } from './load';
export { ConfigError } from './types';
export type { Config, ConfigFlags, LogLevel } from './types';
