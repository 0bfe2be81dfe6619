/**
 * Macro expansion in action values and operator arguments: `%{tx.score}`, `%{MATCHED_VAR}`,
 * `%{REQUEST_HEADERS.host}`, `%{rule.id}`. Resolved to variables at compile time; an unknown variable is an error.
 */
import { lookupVariable } from '../variables/index.js';
import type { Macro, VariableDef } from './types.js';
import type { Transaction } from './transaction.js';

type Part = string | { def: VariableDef; key?: string };

const MACRO = /%\{([A-Za-z0-9_]+)(?:[.:]([^}]*))?\}/g;

export function hasMacro(text: string): boolean {
  return text.includes('%{');
}

/** The variables a macro text names, upper-case name and lower-case key (undefined for `%{MATCHED_VAR}`). */
export function macroRefs(text: string): Array<{ name: string; key: string | undefined }> {
  if (!hasMacro(text)) return [];
  return [...text.matchAll(MACRO)].map((m) => ({ name: m[1]!.toUpperCase(), key: m[2]?.toLowerCase() }));
}

export function compileMacro(text: string): Macro | string {
  if (!hasMacro(text)) return { text, expand: () => text };
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(MACRO)) {
    if (m.index! > last) parts.push(text.slice(last, m.index));
    const def = lookupVariable(m[1]!);
    if (!def) return `unknown variable ${m[1]} in macro ${m[0]}`;
    parts.push({ def, key: m[2]?.toLowerCase() });
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  const expand = (tx: Transaction): string => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') { out += p; continue; }
      const entries = p.key !== undefined && p.def.collection ? (p.def.getKey ? p.def.getKey(tx, p.key) : []) : p.def.get(tx);
      if (entries.length > 0) out += entries[0]!.value;
    }
    return out;
  };
  return { text, expand };
}
