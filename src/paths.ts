import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository (package) root: the nearest folder above this file holding package.json. */
function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    // Reached the filesystem root: fall back to the working directory.
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export const repoRoot: string = findRepoRoot(__dirname);
export const defaultModelsDir: string = join(repoRoot, 'models');
export const defaultDataDir: string = join(repoRoot, 'data');
export const clientDistDir: string = join(repoRoot, 'dist', 'client');
