/** Reads the detector corpus (test/fixtures/waf-corpus): one value per line, `#` comments and blank lines skipped. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function corpus(name: string): string[] {
  const file = fileURLToPath(new URL(`../../../../fixtures/waf-corpus/${name}`, import.meta.url));
  return readFileSync(file, 'latin1')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}
