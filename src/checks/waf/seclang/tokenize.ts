/**
 * SecLang directive tokenizer: splits configuration text into directives and their arguments as Apache's
 * config reader does for ModSecurity (backslash-newline continuations, `#` comments at line start,
 * double-quoted arguments in which only `\"` is unescaped). Every directive keeps its file and line.
 */

export interface Directive {
  readonly name: string;
  readonly args: string[];
  readonly file: string;
  readonly line: number;
}

/** A SecLang error that names where it happened. */
export class SecLangError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SecLangError';
  }
}

export function tokenize(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let logical = lines[i]!.trimEnd();
    i++;
    // A trailing backslash joins the next physical line, as Apache does.
    while (/\\$/.test(logical) && i < lines.length) {
      logical = logical.slice(0, -1) + lines[i]!.trimEnd();
      i++;
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = splitWords(trimmed, file, startLine);
    out.push({ name: words[0]!, args: words.slice(1), file, line: startLine });
  }
  return out;
}

function splitWords(s: string, file: string, line: number): string[] {
  const words: string[] = [];
  let pos = 0;
  while (pos < s.length) {
    while (pos < s.length && /\s/.test(s[pos]!)) pos++;
    if (pos >= s.length) break;
    const q = s[pos];
    if (q === '"' || q === "'") {
      pos++;
      let word = '';
      let closed = false;
      while (pos < s.length) {
        const ch = s[pos]!;
        if (ch === '\\' && (s[pos + 1] === q || s[pos + 1] === '\\' && s[pos + 2] === q)) {
          // `\"` is an escaped quote; other backslashes stay for the operator and action parsers.
          if (s[pos + 1] === q) { word += q; pos += 2; continue; }
          word += '\\'; pos += 1; continue;
        }
        if (ch === q) { closed = true; pos++; break; }
        word += ch;
        pos++;
      }
      if (!closed) throw new SecLangError(file, line, `unterminated ${q === '"' ? 'double' : 'single'}-quoted argument`);
      words.push(word);
    } else {
      let word = '';
      while (pos < s.length && !/\s/.test(s[pos]!)) {
        if (s[pos] === '\\' && s[pos + 1] === '"') { word += '"'; pos += 2; continue; }
        word += s[pos];
        pos++;
      }
      words.push(word);
    }
  }
  return words;
}
