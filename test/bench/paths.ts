/** Locations the harness needs, found from this module whether it runs from test/bench or dist/test/bench. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));

export function repoRoot(): string {
  let dir = benchDir;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate the repository root');
    dir = parent;
  }
}
