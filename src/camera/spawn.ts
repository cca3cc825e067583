import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { ffmpegBinaries } from '../media';
import { StderrTail, waitForExit, type ExitStatus } from '../media/process';

export interface FfmpegChild {
  readonly proc: ChildProcess;
  readonly stderr: StderrTail;
  readonly exit: Promise<ExitStatus>;
}

/**
 * Starts ffmpeg in its own process group: Ctrl-C in a terminal signals the whole foreground
 * group, and an encoder that got SIGINT would close the file on its own while frames are still
 * being written. This process decides when each ffmpeg stops.
 */
export function spawnFfmpeg(args: readonly string[], stdio: StdioOptions): FfmpegChild {
  const proc = spawn(ffmpegBinaries().ffmpeg, [...args], { stdio, detached: process.platform !== 'win32' });
  return { proc, stderr: new StderrTail(proc.stderr), exit: waitForExit(proc) };
}

export function running(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}
