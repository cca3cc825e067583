import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident memory of a process and its descendants (Linux /proc), MiB; 0 once it has exited. */
function treeRssMiB(pid: number): number {
  let kib = 0;
  const visit = (p: number): void => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (rss) kib += Number(rss[1]);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
    } catch {
      // exited between the reads
    }
  };
  visit(pid);
  return kib / 1024;
}

export interface CommandRun {
  readonly wallS: number;
  /** Largest sum of the resident memory of the command and its children (ffmpeg), sampled every 50 ms. */
  readonly peakTreeRssMiB: number;
}

/** Runs a command to completion (a non-zero exit rejects with its stderr), sampling its memory. */
export function runSampled(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let peak = 0;
    const timer = setInterval(() => {
      if (child.pid) peak = Math.max(peak, treeRssMiB(child.pid));
    }, 50);
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      const wallS = (performance.now() - started) / 1000;
      if (code === 0) resolve({ wallS, peakTreeRssMiB: peak });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}
