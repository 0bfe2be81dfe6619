/**
 * Reads an allow or deny list from the policy: inline entries and `{ file }` references (one entry per line,
 * `#` comments), with every bad entry reported at its key path or file line.
 */
import { readFile } from 'node:fs/promises';
import { PolicyError } from '../../config/types.js';
import { parseRangeEntry, type IpRange } from './ip-ranges.js';

export type IpListSpec = ReadonlyArray<string | { file: string }> | { file: string };

export async function loadIpList(spec: IpListSpec | undefined, at: string, resolvePath: (p: string) => string): Promise<IpRange[]> {
  if (spec === undefined) return [];
  const items = Array.isArray(spec) ? spec : [spec as { file: string }];
  const ranges: IpRange[] = [];
  for (const [i, item] of items.entries()) {
    const itemAt = Array.isArray(spec) ? `${at}[${i}]` : at;
    if (typeof item === 'string') {
      const range = parseRangeEntry(item);
      if (!range) throw new PolicyError(itemAt, `"${item}" is not an IP address or CIDR`);
      ranges.push(range);
      continue;
    }
    const path = resolvePath(item.file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new PolicyError(`${itemAt}.file`, `cannot read ${item.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const lines = text.split(/\r?\n/);
    for (const [n, line] of lines.entries()) {
      const hash = line.indexOf('#');
      const entry = (hash < 0 ? line : line.slice(0, hash)).trim();
      if (!entry) continue;
      const range = parseRangeEntry(entry);
      if (!range) throw new PolicyError(`${itemAt}.file`, `${item.file}:${n + 1}: "${entry.slice(0, 80)}" is not an IP address or CIDR`);
      ranges.push(range);
    }
  }
  return ranges;
}
