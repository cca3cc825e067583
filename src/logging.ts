import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/**
 * Structured JSON logs. Servers log to stdout; one-shot CLI commands pass fd 2 so their stdout
 * stays clean for results.
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1): Logger {
  return pino({ name: 'toonstream', level }, pino.destination({ fd, sync: fd === 2 }));
}
