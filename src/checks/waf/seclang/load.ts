/**
 * Reads SecLang files into directives, following `Include` (files and globs, relative to the including file),
 * with include-cycle protection. Compile-time only (synchronous reads are fine here, never per request).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { SecLangError, tokenize, type Directive } from './tokenize.js';

const MAX_DEPTH = 16;

function globToRegex(segment: string): RegExp {
  const re = segment.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^');
  return new RegExp(`^${re}$`);
}

/** Expands a path whose segments may hold `*`, `?` or `[...]`; sorted, as Apache includes them. */
export function expandGlob(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const abs = resolve(pattern);
  const parts = abs.split(sep);
  let current = [parts[0] === '' ? sep : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of current) {
      if (!/[*?[]/.test(part)) { next.push(join(base, part)); continue; }
      let names: string[];
      try { names = readdirSync(base); } catch { continue; }
      const re = globToRegex(part);
      for (const n of names.sort()) if (re.test(n)) next.push(join(base, n));
    }
    current = next;
  }
  return current.filter((p) => { try { return statSync(p).isFile(); } catch { return false; } });
}

export function loadSecLangText(text: string, file: string, depth = 0, seen: string[] = []): Directive[] {
  const out: Directive[] = [];
  for (const d of tokenize(text, file)) {
    if (d.name.toLowerCase() !== 'include') { out.push(d); continue; }
    if (d.args.length !== 1) throw new SecLangError(d.file, d.line, 'Include takes one path');
    if (depth >= MAX_DEPTH) throw new SecLangError(d.file, d.line, 'Include nested too deeply');
    const target = isAbsolute(d.args[0]!) ? d.args[0]! : resolve(dirname(file), d.args[0]!);
    const files = expandGlob(target);
    if (!/[*?[]/.test(target) && !existsSync(target)) throw new SecLangError(d.file, d.line, `Include: no such file ${d.args[0]}`);
    for (const f of files) {
      if (seen.includes(f)) throw new SecLangError(d.file, d.line, `Include cycle through ${f}`);
      out.push(...loadSecLangFile(f, depth + 1, [...seen, file]));
    }
  }
  return out;
}

export function loadSecLangFile(file: string, depth = 0, seen: string[] = []): Directive[] {
  let text: string;
  try {
    // latin1: rule files are bytes, as the patterns they hold are.
    text = readFileSync(file, 'latin1');
  } catch (err) {
    throw new SecLangError(file, 0, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return loadSecLangText(text, file, depth, seen);
}
