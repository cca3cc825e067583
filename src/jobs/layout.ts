import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputFormat } from '../media/types';

/** Where a data directory keeps things. File names are random job ids, never user input. */
export class DataLayout {
  readonly database: string;
  readonly uploads: string;
  readonly results: string;

  constructor(readonly root: string) {
    this.database = join(root, 'jobs.sqlite');
    this.uploads = join(root, 'uploads');
    this.results = join(root, 'results');
  }

  ensure(): void {
    for (const dir of [this.root, this.uploads, this.results]) mkdirSync(dir, { recursive: true });
  }

  upload(id: string): string {
    return join(this.uploads, `${id}.upload`);
  }

  /** While the request body is still arriving. */
  uploadInProgress(id: string): string {
    return join(this.uploads, `.${id}.uploading`);
  }

  result(id: string, format: OutputFormat): string {
    return join(this.results, `${id}.${format}`);
  }
}

export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;

export function newJobId(): string {
  return randomBytes(12).toString('base64url');
}
