import type { Command } from '../command';
import { cameraCommand } from './camera';
import { imageCommand } from './image';
import { modelsCommand } from './models';
import { processCommand } from './process';
import { serveCommand } from './serve';

/** Every `toonstream` subcommand, in help order. Add new commands here (one file each). */
export const commands: readonly Command[] = [
  serveCommand,
  imageCommand,
  processCommand,
  cameraCommand,
  modelsCommand,
];
