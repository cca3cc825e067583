import { existsSync } from 'node:fs';

/** Debian's Chromium: the browser tests never let a tool download its own. */
export const CHROMIUM = '/usr/bin/chromium';

/** Fails the suite with what to install (bash .ci/run does it) instead of skipping it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (bash .ci/run installs it)`);
}
