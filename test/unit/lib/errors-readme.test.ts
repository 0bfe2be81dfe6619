import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../../src/lib/errors.js';

/** The README's error table, as it must read: one row per code of the catalogue, in catalogue order. */
export function errorTable(): string {
  const rows = Object.entries(errorCatalogue).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.description.replace(/\|/g, '\\|')} |`);
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n');
}

describe('error catalogue', () => {
  it('is documented in the README, row for row', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = /<!-- section:errors -->([\s\S]*?)<!-- \/section:errors -->/.exec(readme)?.[1] ?? '';
    const table = errorTable();
    if (!section.includes(table)) {
      // Print the table to paste, so fixing the README is one copy.
      console.log(`README error table is out of date; expected:\n${table}`);
    }
    expect(section).toContain(table);
  });

  it('uses statuses Envoy can send and codes shaped family.name', () => {
    for (const [code, e] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
      expect(e.message.length).toBeGreaterThan(0);
    }
  });
});
