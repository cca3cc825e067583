import type { FastifyReply } from 'fastify';
import type { JobManager } from './manager';
import { TERMINAL_STATES, type JobEvent, type JobView } from './types';

const HEARTBEAT_MS = 15_000;

function frame(event: string, data: JobView): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Server-sent events for one job: the current state first (`progress` while queued or
 * running, else its final state), then `progress` about four times a second and one of
 * `done`, `failed` or `cancelled`, after which the stream ends.
 */
export function streamJobEvents(reply: FastifyReply, jobs: JobManager, job: JobView): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  if (TERMINAL_STATES.has(job.state)) {
    res.end(frame(job.state, job));
    return;
  }
  res.write(frame('progress', job));
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    res.end();
  };
  const unsubscribe = jobs.subscribe(job.id, (event: JobEvent) => {
    if (closed) return;
    const terminal = TERMINAL_STATES.has(event.type as JobView['state']);
    res.write(frame(terminal ? event.type : 'progress', event.job));
    if (terminal) close();
  });
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  // The response's 'close' fires when the client goes away (the request's may fire as soon as it is read).
  res.on('close', close);
  res.on('error', close);
}
