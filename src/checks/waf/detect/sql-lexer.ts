/**
 * A forgiving SQL lexer over byte strings, covering the common ground of MySQL, PostgreSQL, SQL Server, Oracle and
 * SQLite. It never fails: anything it does not know becomes an `unknown` token. Single pass, no backtracking,
 * and it stops after `maxTokens`, so its cost is linear and bounded.
 *
 * Token kinds (one letter each, which also makes the detector's fingerprints):
 *   s string   1 number   n name   v variable or constant   k keyword   U union   L logical operator
 *   o operator   f function name (a name followed by `(`)   ( ) , ; .   c comment to end of input
 *   X MySQL executable comment opener (`/*!`)   ? unknown
 * Block comments are not tokens; the token after one records it in `afterComment`.
 */
import { CONSTANTS, KEYWORDS, LOGICAL, OPERATOR_WORDS } from './sql-words.js';

export type TokenKind = 's' | '1' | 'n' | 'v' | 'k' | 'U' | 'L' | 'o' | 'f' | '(' | ')' | ',' | ';' | '.' | 'c' | 'X' | '?';

export interface SqlToken {
  kind: TokenKind;
  /** Lower-cased word, operator text, or string contents. */
  value: string;
  /** For strings: the closing quote was missing. */
  open?: boolean;
  /** A block comment came right before this token (comment-obfuscated SQL). */
  afterComment?: boolean;
}

function isSpace(c: number): boolean {
  // MySQL's whitespace set, plus NBSP which several engines accept.
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 0x24;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

const TWO_CHAR_OPS = new Set(['<=', '>=', '<>', '!=', ':=', '||', '&&', '<<', '>>', '!<', '!>', '::', '->', '=>', '==', '^=', '|=', '&=', '+=', '-=', '*=', '/=', '%=']);
const ONE_CHAR_OPS = '=<>!|&^~+-*/%';

/**
 * Reads a quoted string or identifier whose opening quote is at `start` (-1: a quote implied before the input);
 * returns the index after the closing quote and the contents. Doubled quotes are honoured, and backslash escapes as in MySQL unless turned off
 * (standard SQL and SQLite have none).
 */
export function readQuoted(s: string, start: number, quote: number, backslashEscapes = true): { end: number; value: string; open: boolean } {
  const n = s.length;
  let i = start + 1;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x5c && quote !== 0x60 && backslashEscapes) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (s.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return { end: i + 1, value: s.slice(start + 1, i), open: false };
    }
    i++;
  }
  return { end: n, value: s.slice(start + 1), open: true };
}

export function lexSql(s: string, from: number, maxTokens: number): SqlToken[] {
  const out: SqlToken[] = [];
  const n = s.length;
  let i = from;
  let comment = false;
  let inExecComment = false;
  const push = (t: SqlToken): void => {
    if (comment) {
      t.afterComment = true;
      comment = false;
    }
    out.push(t);
  };
  while (i < n && out.length < maxTokens) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const c1 = s.charCodeAt(i + 1);
    // Comments.
    if (c === 0x2f && c1 === 0x2a) {
      if (s.charCodeAt(i + 2) === 0x21) {
        // MySQL executes the inside of /*! ... */: lex it as SQL.
        push({ kind: 'X', value: '/*!' });
        i += 3;
        while (i < n && isDigit(s.charCodeAt(i))) i++;
        inExecComment = true;
        continue;
      }
      const close = s.indexOf('*/', i + 2);
      if (close === -1) {
        push({ kind: 'c', value: '/*' });
        return out;
      }
      comment = true;
      i = close + 2;
      continue;
    }
    if (c === 0x2a && c1 === 0x2f && inExecComment) {
      inExecComment = false;
      i += 2;
      continue;
    }
    if ((c === 0x2d && c1 === 0x2d) || c === 0x23) {
      // `#` glued to a word (`#hashtag`, `#42`) is recorded apart: it cuts a query only for MySQL, and text is full of it.
      const glued = c === 0x23 && i + 1 < n && !isSpace(c1);
      push({ kind: 'c', value: c === 0x23 ? (glued ? '#w' : '#') : '--' });
      return out;
    }
    // Strings and quoted identifiers.
    if (c === 0x27 || c === 0x22) {
      const q = readQuoted(s, i, c);
      push({ kind: 's', value: q.value, open: q.open });
      i = q.end;
      continue;
    }
    if (c === 0x60 || c === 0x5b) {
      // `ident` (MySQL) and [ident] (SQL Server).
      const close = s.indexOf(c === 0x60 ? '`' : ']', i + 1);
      const end = close === -1 ? n : close + 1;
      push({ kind: 'n', value: s.slice(i + 1, close === -1 ? n : close).toLowerCase() });
      i = end;
      continue;
    }
    // Numbers: decimal, float, 0x hex, 0b binary.
    if (isDigit(c) || (c === 0x2e && isDigit(c1))) {
      let j = i;
      if (c === 0x30 && (c1 === 0x78 || c1 === 0x58) && isHex(s.charCodeAt(i + 2))) {
        j = i + 2;
        while (j < n && isHex(s.charCodeAt(j))) j++;
      } else if (c === 0x30 && (c1 === 0x62 || c1 === 0x42) && (s.charCodeAt(i + 2) === 0x30 || s.charCodeAt(i + 2) === 0x31)) {
        j = i + 2;
        while (j < n && (s.charCodeAt(j) === 0x30 || s.charCodeAt(j) === 0x31)) j++;
      } else {
        while (j < n && isDigit(s.charCodeAt(j))) j++;
        if (s.charCodeAt(j) === 0x2e) {
          j++;
          while (j < n && isDigit(s.charCodeAt(j))) j++;
        }
        const e = s.charCodeAt(j);
        if ((e === 0x65 || e === 0x45) && (isDigit(s.charCodeAt(j + 1)) || ((s.charCodeAt(j + 1) === 0x2b || s.charCodeAt(j + 1) === 0x2d) && isDigit(s.charCodeAt(j + 2))))) {
          j += 2;
          while (j < n && isDigit(s.charCodeAt(j))) j++;
        }
      }
      push({ kind: '1', value: s.slice(i, j) });
      i = j;
      continue;
    }
    // Variables: @x, @@x, @'x', and PostgreSQL $1 / $$dollar-quoted$$ strings.
    if (c === 0x40) {
      let j = i + 1;
      if (s.charCodeAt(j) === 0x40) j++;
      const q = s.charCodeAt(j);
      if (q === 0x27 || q === 0x22 || q === 0x60) {
        j = readQuoted(s, j, q).end;
      } else {
        while (j < n && (isWordChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x2e)) j++;
      }
      push({ kind: 'v', value: s.slice(i, j).toLowerCase() });
      i = j;
      continue;
    }
    if (c === 0x24 && c1 === 0x24) {
      const close = s.indexOf('$$', i + 2);
      push({ kind: 's', value: s.slice(i + 2, close === -1 ? n : close), open: close === -1 });
      i = close === -1 ? n : close + 2;
      continue;
    }
    // Words.
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordChar(s.charCodeAt(j))) j++;
      // Qualified names (schema.table, dbms_lock.sleep) are one word.
      while (s.charCodeAt(j) === 0x2e && isWordStart(s.charCodeAt(j + 1))) {
        j += 2;
        while (j < n && isWordChar(s.charCodeAt(j))) j++;
      }
      const word = s.slice(i, j).toLowerCase();
      const q = s.charCodeAt(j);
      // String prefixes: N'..', X'..', B'..', E'..', _charset'..'.
      if ((q === 0x27 || q === 0x22) && (word === 'n' || word === 'x' || word === 'b' || word === 'e' || word === 'q' || (word.charCodeAt(0) === 0x5f && word.length > 1))) {
        const r = readQuoted(s, j, q);
        push({ kind: 's', value: r.value, open: r.open });
        i = r.end;
        continue;
      }
      push(classifyWord(word, s, j));
      i = j;
      continue;
    }
    // Punctuation and operators.
    if (c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3b || c === 0x2e) {
      push({ kind: String.fromCharCode(c) as TokenKind, value: String.fromCharCode(c) });
      i++;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      if (two === '<=' && s.charCodeAt(i + 2) === 0x3e) {
        push({ kind: 'o', value: '<=>' });
        i += 3;
        continue;
      }
      push({ kind: two === '||' || two === '&&' ? 'L' : 'o', value: two });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.includes(String.fromCharCode(c))) {
      push({ kind: 'o', value: String.fromCharCode(c) });
      i++;
      continue;
    }
    push({ kind: '?', value: String.fromCharCode(c) });
    i++;
  }
  return out;
}

/** Operator words and keywords that are also functions when called: `glob(a,b)`, `database()`, `exists(...)`. */
const CALLABLE_WORDS = new Set(['glob', 'match', 'like', 'regexp', 'isnull', 'left', 'right', 'replace', 'insert', 'if', 'exists', 'database', 'schema', 'user', 'current_user', 'session_user', 'system_user', 'values', 'char', 'mod', 'json']);

function classifyWord(word: string, s: string, end: number): SqlToken {
  if (word === 'union') return { kind: 'U', value: word };
  if (LOGICAL.has(word)) return { kind: 'L', value: word };
  const call = nextIsParen(s, end);
  if (call && (CALLABLE_WORDS.has(word) || (!OPERATOR_WORDS.has(word) && !KEYWORDS.has(word)))) return { kind: 'f', value: word };
  if (OPERATOR_WORDS.has(word)) return { kind: 'o', value: word };
  if (KEYWORDS.has(word)) return { kind: 'k', value: word };
  if (CONSTANTS.has(word)) return { kind: 'v', value: word };
  return { kind: 'n', value: word };
}

/** Whether `(` follows, past whitespace and block comments (`sleep/**\/(5)` is still a call). */
function nextIsParen(s: string, i: number): boolean {
  const n = s.length;
  for (let k = 0; k < 64 && i < n; k++) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 0x2f && s.charCodeAt(i + 1) === 0x2a) {
      const close = s.indexOf('*/', i + 2);
      if (close === -1) return false;
      i = close + 2;
      continue;
    }
    return c === 0x28;
  }
  return false;
}
