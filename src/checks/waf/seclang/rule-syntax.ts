/**
 * The three parts of a SecRule as text: the target list (`ARGS|!ARGS:foo|&TX:x|REQUEST_COOKIES:/re/`), the
 * operator (`@rx ...`, `!@eq 0`, a bare pattern meaning `@rx`) and the action list (`id:1,msg:'a, b',t:none`).
 */

export interface TargetSyntax {
  readonly name: string;
  /** Key selector: plain (`ARGS:foo`) or regex (`ARGS:/^foo/`). */
  readonly key?: string;
  readonly keyIsRegex: boolean;
  readonly count: boolean;
  readonly exclude: boolean;
}

export interface OperatorSyntax {
  readonly name: string;
  readonly arg: string;
  readonly negated: boolean;
}

export interface ActionSyntax {
  readonly name: string;
  readonly value?: string;
}

export function parseTargets(text: string): TargetSyntax[] | string {
  const out: TargetSyntax[] = [];
  let pos = 0;
  const s = text.trim();
  while (pos < s.length) {
    while (s[pos] === ' ' || s[pos] === '|') pos++;
    if (pos >= s.length) break;
    let exclude = false;
    let count = false;
    if (s[pos] === '!') { exclude = true; pos++; }
    if (s[pos] === '&') { count = true; pos++; }
    const nameStart = pos;
    while (pos < s.length && /[A-Za-z0-9_]/.test(s[pos]!)) pos++;
    const name = s.slice(nameStart, pos).toUpperCase();
    if (!name) return `bad variable at "${s.slice(nameStart, nameStart + 20)}"`;
    let key: string | undefined;
    let keyIsRegex = false;
    if (s[pos] === ':' || s[pos] === '.') {
      pos++;
      if (s[pos] === '/' && name !== 'XML') {
        pos++;
        let re = '';
        while (pos < s.length && s[pos] !== '/') {
          if (s[pos] === '\\' && pos + 1 < s.length) { re += s[pos]! + s[pos + 1]!; pos += 2; continue; }
          re += s[pos];
          pos++;
        }
        if (s[pos] !== '/') return `unterminated regex key in ${name}`;
        pos++;
        key = re;
        keyIsRegex = true;
      } else if (s[pos] === "'") {
        const end = s.indexOf("'", pos + 1);
        if (end < 0) return `unterminated quoted key in ${name}`;
        key = s.slice(pos + 1, end);
        pos = end + 1;
      } else {
        const start = pos;
        while (pos < s.length && s[pos] !== '|') pos++;
        key = s.slice(start, pos).trim();
      }
    }
    if (pos < s.length && s[pos] !== '|') return `unexpected "${s[pos]}" after ${name}`;
    out.push({ name, key, keyIsRegex, count, exclude });
  }
  if (out.length === 0) return 'no variables';
  return out;
}

export function parseOperator(text: string): OperatorSyntax {
  let s = text;
  let negated = false;
  // ModSecurity allows whitespace before `!` and `@`.
  s = s.replace(/^\s+/, '');
  if (s.startsWith('!')) { negated = true; s = s.slice(1).replace(/^\s+/, ''); }
  if (!s.startsWith('@')) return { name: 'rx', arg: s, negated };
  const m = /^@([A-Za-z0-9_]+)\s?/.exec(s)!;
  return { name: m[1]!, arg: s.slice(m[0].length), negated };
}

export function parseActions(text: string): ActionSyntax[] | string {
  const out: ActionSyntax[] = [];
  const s = text;
  let pos = 0;
  while (pos < s.length) {
    while (pos < s.length && /[\s,]/.test(s[pos]!)) pos++;
    if (pos >= s.length) break;
    const start = pos;
    while (pos < s.length && /[A-Za-z0-9_-]/.test(s[pos]!)) pos++;
    const name = s.slice(start, pos);
    if (!name) return `bad action at "${s.slice(start, start + 20)}"`;
    while (pos < s.length && s[pos] === ' ') pos++;
    if (s[pos] !== ':') {
      out.push({ name });
      continue;
    }
    pos++;
    while (pos < s.length && s[pos] === ' ') pos++;
    let value = '';
    if (s[pos] === "'") {
      pos++;
      let closed = false;
      while (pos < s.length) {
        const ch = s[pos]!;
        if (ch === '\\' && s[pos + 1] === "'") { value += "'"; pos += 2; continue; }
        if (ch === "'") { closed = true; pos++; break; }
        value += ch;
        pos++;
      }
      if (!closed) return `unterminated quoted value of ${name}`;
    } else {
      const vstart = pos;
      while (pos < s.length && s[pos] !== ',') pos++;
      value = s.slice(vstart, pos).trim();
    }
    out.push({ name, value });
  }
  return out;
}
