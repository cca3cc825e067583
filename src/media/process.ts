import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Keeps the last few KiB of a child's stderr for error messages. */
export class StderrTail {
  private buf = '';
  constructor(stream: Readable | null, private readonly max = 16 * 1024) {
    stream?.setEncoding('utf8');
    stream?.on('data', (s: string) => {
      this.buf = (this.buf + s).slice(-this.max);
    });
  }
  text(): string {
    return this.buf;
  }
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

/** Resolves once the process has exited and its stdio has closed; never rejects. */
export function waitForExit(proc: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    proc.once('error', (spawnError) => resolve({ code: null, signal: null, spawnError }));
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
}
