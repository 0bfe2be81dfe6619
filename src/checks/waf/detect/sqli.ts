/**
 * @detectSQLi: decides whether a value would change the structure of a SQL statement it is pasted into.
 *
 * A value reaches SQL in one of three places: as a bare literal or name (`WHERE id = <value>`), inside a single-quoted
 * string, or inside a double-quoted string. For each, the value is lexed as the continuation of that statement
 * (for the quoted places, starting inside the string) and the first tokens after the point where the value could
 * escape are judged against shapes that only injections have: a logical operator followed by a condition, a
 * comparison or arithmetic after a broken string, a closing parenthesis followed by UNION or a keyword, a stacked
 * statement, a comment that cuts the rest of the query, a bare call of a delay or extraction function, comment
 * obfuscation around keywords, MySQL executable comments. Ordinary text rarely lexes into these shapes because
 * they need SQL operators or keywords in the right order right where the value starts or breaks out.
 *
 * The fingerprint is the token kinds of the judged window (see sql-lexer.ts), e.g. `s&1o1`.
 */
import { lexSql, readQuoted, type SqlToken } from './sql-lexer.js';
import { ATTACK_FUNCTIONS, PAYLOAD_FUNCTIONS, POSTFIX_OPERATORS, STATEMENT_STARTS } from './sql-words.js';

export interface SqliResult {
  match: boolean;
  fingerprint?: string;
}

/** Tokens lexed per context: decisions are anchored at the start, and comment checks look a little further. */
const MAX_TOKENS = 48;

export function detectSQLi(input: string): SqliResult {
  if (input.length === 0 || isPlainWord(input)) return { match: false };
  // Bare context: the value is a literal or name in the statement.
  const bare = lexSql(input, 0, MAX_TOKENS);
  let fp = judgeBare(bare);
  if (fp === undefined) fp = judgeObfuscation(bare);
  if (fp !== undefined) return { match: true, fingerprint: fp };
  // Quoted contexts: the value starts inside '...' or "...". A backslash before the quote escapes it in MySQL
  // but not in standard SQL, and `\'` also defeats quote doubling; so with a backslash both readings are judged.
  const escapes = input.indexOf('\\') === -1 ? [true] : [true, false];
  for (const quote of [0x27, 0x22]) {
    if (input.indexOf(String.fromCharCode(quote)) === -1) continue;
    for (const backslash of escapes) {
      // The value is read as if the statement's opening quote came right before it (at offset -1).
      const str = readQuoted(input, -1, quote, backslash);
      if (str.open) continue;
      const rest = lexSql(input, str.end, MAX_TOKENS);
      const tokens: SqlToken[] = [{ kind: 's', value: str.value }, ...rest];
      fp = judgeAfterString(tokens);
      if (fp === undefined) fp = judgeObfuscation(rest);
      if (fp !== undefined) return { match: true, fingerprint: fp };
    }
  }
  return { match: false };
}

/**
 * Letters, digits, `_`, `.` and `@` only, no space: it lexes into at most a number and a word, and no injection
 * shape has fewer than two tokens besides the value itself. Most values are like this, so they skip the lexer.
 */
function isPlainWord(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x40)) return false;
  }
  return true;
}

function fingerprint(tokens: SqlToken[], from: number, to: number): string {
  let out = '';
  for (let k = Math.max(0, from); k < Math.min(to, tokens.length); k++) {
    const t = tokens[k]!;
    out += t.kind === 'L' ? '&' : t.kind;
  }
  return out;
}

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '>', '<=', '>=', '<=>', 'like', 'rlike', 'regexp', 'glob', 'similar', 'sounds', 'is', 'in', 'between', 'match']);

/** Keywords that start a value where an operand is expected: a subquery, EXISTS, a CASE expression. */
const EXPRESSION_KEYWORDS = new Set(['select', 'exists', 'case']);

const kindAt = (t: SqlToken[], i: number): string => t[i]?.kind ?? '';
const valueAt = (t: SqlToken[], i: number): string => t[i]?.value ?? '';

function isValue(t: SqlToken | undefined): boolean {
  return t !== undefined && (t.kind === 's' || t.kind === '1' || t.kind === 'n' || t.kind === 'v');
}

function isUnaryOp(t: SqlToken | undefined): boolean {
  return t !== undefined && t.kind === 'o' && (t.value === '-' || t.value === '+' || t.value === '~' || t.value === '!' || t.value === 'not');
}

/** Index of the matching `)` of the `(` at i, or -1 if it is not closed within the tokens. */
function closeParen(t: SqlToken[], i: number): number {
  let depth = 0;
  for (let k = i; k < t.length; k++) {
    if (t[k]!.kind === '(') depth++;
    else if (t[k]!.kind === ')' && --depth === 0) return k;
  }
  return -1;
}

/** Whether what starts at i ends the statement fragment: end of input, a comment, `;`, or a closing `)`. */
function isEnd(t: SqlToken[], i: number): boolean {
  const k = kindAt(t, i);
  return k === '' || k === 'c' || k === ';';
}

function isSelect(t: SqlToken[], i: number): boolean {
  while (kindAt(t, i) === '(') i++;
  return kindAt(t, i) === 'k' && valueAt(t, i) === 'select';
}

/** A comparison or arithmetic operator (not a unary one used as a value prefix). */
function isBinaryOp(t: SqlToken | undefined): boolean {
  if (t === undefined || t.kind !== 'o') return false;
  return t.value !== '~' && t.value !== '!' && t.value !== 'not';
}

/**
 * Whether a condition starts at i: `a = b`, `a like b`, `f(...)`, `(select ...)`, `not ...`, `exists(...)`, or a
 * literal that ends the fragment (`or 1--`). Parentheses around it are looked through.
 */
function isCondition(t: SqlToken[], i: number, allowLoneValue: boolean): boolean {
  for (let guard = 0; guard < 8; guard++) {
    const k = kindAt(t, i);
    if (k === '(' ) {
      if (isSelect(t, i)) return true;
      i++;
      continue;
    }
    if (isUnaryOp(t[i])) {
      i++;
      continue;
    }
    if (k === 'f') return isTellingCall(t, i);
    if (k === 'k') return valueAt(t, i) === 'select' || valueAt(t, i) === 'exists' || (valueAt(t, i) === 'case' && valueAt(t, i + 1) === 'when');
    if (!isValue(t[i])) return false;
    let j = i + 1;
    while (kindAt(t, j) === ')') j++;
    if (POSTFIX_OPERATORS.has(valueAt(t, j))) return true;
    if (isBinaryOp(t[j])) {
      const after = t[j + 1];
      if (after === undefined) return t[i]!.kind !== 'n';
      // `x is null`, `x is not 1`; prose has `it is totally ...`.
      if (t[j]!.value === 'is') return after.kind === 'v' || after.value === 'not';
      if (after.kind === 'k') return EXPRESSION_KEYWORDS.has(after.value);
      return isValue(after) || after.kind === 'f' || after.kind === '(' || isUnaryOp(after);
    }
    if (allowLoneValue && t[i]!.kind !== 'n' && (isEnd(t, j) || kindAt(t, j) === 'L')) return true;
    return false;
  }
  return false;
}

/**
 * A call that makes a condition: a function injections use, or any call compared with something
 * (`len(x)>1`). A word before parentheses in prose (`Jerry (cartoon)`) is neither.
 */
function isTellingCall(t: SqlToken[], i: number): boolean {
  if (ATTACK_FUNCTIONS.has(valueAt(t, i))) return true;
  const close = kindAt(t, i + 1) === '(' ? closeParen(t, i + 1) : -1;
  if (close === -1) return false;
  if (isBinaryOp(t[close + 1])) return true;
  // `f(id)--`, `f (id,.0));`: a call with SQL-shaped arguments that ends the fragment. Prose in parentheses
  // has words side by side (`(all of them)`), SQL arguments do not.
  if (!(isEnd(t, close + 1) || kindAt(t, close + 1) === ')' || kindAt(t, close + 1) === 'L') || t.length === close + 1) return false;
  for (let k = i + 2; k < close; k++) if (isValue(t[k]) && isValue(t[k + 1])) return false;
  return true;
}

/** Whether a payload function (sleep, benchmark, ...) is called between tokens from and to. */
function callsPayload(t: SqlToken[], from: number, to: number): boolean {
  for (let k = from; k < to && k < t.length; k++) if (t[k]!.kind === 'f' && PAYLOAD_FUNCTIONS.has(t[k]!.value)) return true;
  return false;
}

/** What may follow a broken-out string or closing parenthesis and proves injection. Returns the end of the window. */
function judgeContinuation(t: SqlToken[], i: number, afterString: boolean): number {
  const tok = t[i];
  if (tok === undefined) return -1;
  switch (tok.kind) {
    case 'L':
      return isCondition(t, i + 1, afterString) ? i + 4 : -1;
    case 'U':
      return isSelect(t, i + 1) || (kindAt(t, i + 1) === 'k' && (valueAt(t, i + 1) === 'all' || valueAt(t, i + 1) === 'distinct') && isSelect(t, i + 2)) ? i + 3 : -1;
    case ';':
      return STATEMENT_STARTS.has(valueAt(t, i + 1)) || kindAt(t, i + 1) === 'c' ? i + 2 : -1;
    case 'c':
      // A comment that cuts off the rest of the statement; `#tag` right after a quote is just text.
      return tok.value !== '#w' ? i + 1 : -1;
    case 'k':
      return keywordContinuation(t, i);
    case 'o':
      if (POSTFIX_OPERATORS.has(tok.value)) return isEnd(t, i + 1) || kindAt(t, i + 1) === 'L' ? i + 2 : -1;
      if (tok.value === 'in') return kindAt(t, i + 1) === '(' ? i + 3 : -1;
      if (tok.value === 'collate') return kindAt(t, i + 2) === 'c' || kindAt(t, i + 2) === ';' || isEnd(t, i + 2) ? i + 2 : -1;
      if (tok.value === 'is') return kindAt(t, i + 1) === 'v' || valueAt(t, i + 1) === 'not' ? i + 2 : -1;
      if (tok.value === 'not') return isCondition(t, i + 1, true) ? i + 3 : -1;
      if (tok.value === 'between') return isValue(t[i + 1]) && kindAt(t, i + 2) === 'L' ? i + 3 : -1;
      if (tok.value === 'div' || tok.value === 'mod') return kindAt(t, i + 1) === '1' ? i + 2 : -1;
      if (!isBinaryOp(tok) && tok.value !== '!') return -1;
      {
        const next = t[i + 1];
        if (next === undefined) return -1;
        if (next.kind === 'f' || next.kind === '(' || isUnaryOp(next)) return i + 2;
        if (next.kind === 'k' && EXPRESSION_KEYWORDS.has(next.value)) return i + 2;
        if (!isValue(next)) return -1;
        if (COMPARISONS.has(tok.value)) return i + 2;
        // Arithmetic between a string and a plain value (`a "-" character`) is common in prose; it is an
        // injection when the value itself opens by closing the string (`" | type ...`) or a variable follows.
        if (!afterString) return -1;
        if (t[0]?.value === '' || next.kind === 'v') return i + 2;
        // ...or when a comment or `;` then cuts off the rest of the statement (`x'|email--`).
        return kindAt(t, i + 2) === 'c' || kindAt(t, i + 2) === ';' ? i + 3 : -1;
      }
    case 'f':
      return ATTACK_FUNCTIONS.has(tok.value) ? i + 2 : -1;
    case '(':
      // `x' (select ...)`: a subquery right where the string ends.
      return isSelect(t, i) ? i + 3 : -1;
    case '.':
      // `x'.sleep(5).'`: concatenation (PHP, Oracle) with a call injections use.
      return afterString && kindAt(t, i + 1) === 'f' && ATTACK_FUNCTIONS.has(valueAt(t, i + 1)) ? i + 3 : -1;
    case 'X':
      return i + 1;
    default:
      return -1;
  }
}

/** Keywords right where a value breaks out: clauses and statements that only an injection puts there. */
function keywordContinuation(t: SqlToken[], i: number): number {
  const w = valueAt(t, i);
  const next = t[i + 1];
  switch (w) {
    case 'waitfor':
      return valueAt(t, i + 1) === 'delay' || valueAt(t, i + 1) === 'time' ? i + 3 : -1;
    case 'order':
    case 'group':
      if (valueAt(t, i + 1) !== 'by') return -1;
      return kindAt(t, i + 2) === '1' || kindAt(t, i + 2) === 'f' || kindAt(t, i + 2) === '(' || isEnd(t, i + 2) ? i + 3 : -1;
    case 'having':
    case 'where':
      return isCondition(t, i + 1, true) ? i + 3 : -1;
    case 'into':
      return valueAt(t, i + 1) === 'outfile' || valueAt(t, i + 1) === 'dumpfile' ? i + 3 : -1;
    case 'procedure':
      return valueAt(t, i + 1) === 'analyse' || valueAt(t, i + 1) === 'analyze' ? i + 2 : -1;
    case 'limit':
    case 'offset':
      return kindAt(t, i + 1) === '1' && (isEnd(t, i + 2) || kindAt(t, i + 2) === ',') ? i + 2 : -1;
    case 'select':
      return next !== undefined && (next.kind === 'f' || next.kind === 'v' || next.kind === '1' || next.value === '*' || next.kind === '(') ? i + 2 : -1;
    case 'exec':
    case 'execute':
      return next !== undefined && (next.kind === 'n' || next.kind === 'f') && /^(?:xp_|sp_|master\.)/.test(next.value) ? i + 2 : -1;
    case 'case':
      return valueAt(t, i + 1) === 'when' || t.slice(i, i + 8).some((x) => x.value === 'when') ? i + 3 : -1;
    default:
      return -1;
  }
}

/** The value starts inside a string: t[0] is that string, the rest is what follows its closing quote. */
function judgeAfterString(t: SqlToken[]): string | undefined {
  let i = 1;
  // `')))` : closing the parentheses the statement opened around the string.
  while (kindAt(t, i) === ')') i++;
  const end = judgeContinuation(t, i, true);
  return end === -1 ? undefined : fingerprint(t, 0, end);
}

/** The value is a bare literal or name: it must itself look like the start of SQL. */
function judgeBare(t: SqlToken[]): string | undefined {
  let i = 0;
  let parens = 0;
  while (isUnaryOp(t[i]) || kindAt(t, i) === '(') if (t[i++]!.kind === '(') parens++;
  const first = t[i];
  if (first === undefined) return undefined;
  // `(select 1)`: a value that is a subquery.
  if (parens > 0 && first.kind === 'k' && first.value === 'select') {
    const nk = kindAt(t, i + 1);
    if (nk === '1' || nk === 'v' || nk === 'f' || nk === 's' || valueAt(t, i + 1) === '*') return fingerprint(t, i - 1, i + 2);
  }
  // `/*!union select*/`: executed by MySQL when SQL follows; `/*! normalize.css */` banners are not SQL.
  if (first.kind === 'X') {
    const nk = kindAt(t, i + 1);
    return nk === 'U' || nk === 'k' || nk === 'L' || nk === 'f' ? fingerprint(t, i, i + 3) : undefined;
  }
  if (first.kind === 'f') {
    // A call: payload functions alone, others only when the call is followed by more SQL.
    const close = kindAt(t, i + 1) === '(' ? closeParen(t, i + 1) : -1;
    if (close === -1) return PAYLOAD_FUNCTIONS.has(first.value) && kindAt(t, i + 1) === '(' && t.length >= i + 3 && t.length < MAX_TOKENS ? fingerprint(t, i, i + 4) : undefined;
    let after = close + 1;
    while (kindAt(t, after) === ')') after++;
    if (PAYLOAD_FUNCTIONS.has(first.value) && (isEnd(t, after) || kindAt(t, after) === 'L' || kindAt(t, after) === 'o')) return fingerprint(t, i, after + 1);
    // `if(1=1,sleep(5),0)`: a known function wrapping a payload call.
    if (ATTACK_FUNCTIONS.has(first.value) && callsPayload(t, i + 2, close)) return fingerprint(t, i, close + 1);
    if (ATTACK_FUNCTIONS.has(first.value)) {
      const end = judgeContinuation(t, after, false);
      if (end !== -1 && kindAt(t, after) !== 'c') return fingerprint(t, i, end);
    }
    return undefined;
  }
  if (first.kind === 'k') return statementStart(t, i);
  // `; sleep(5)`, `; drop table t`: a value that starts a stacked statement.
  if (first.kind === ';') {
    const next = t[i + 1];
    if (next?.kind === 'f' && PAYLOAD_FUNCTIONS.has(next.value)) return fingerprint(t, i, i + 3);
    return next !== undefined && STATEMENT_STARTS.has(next.value) && statementStart(t, i + 1) !== undefined ? fingerprint(t, i, i + 4) : undefined;
  }
  // A value that starts with the operator: `or 1=1`, `and sleep(5)`.
  if (first.kind === 'L') return isCondition(t, i + 1, false) ? fingerprint(t, i, i + 4) : undefined;
  if (first.kind === 'U') return isSelect(t, i + 1) || isSelect(t, i + 2) ? fingerprint(t, i, i + 3) : undefined;
  if (!isValue(first)) return undefined;
  let j = i + 1;
  while (kindAt(t, j) === ')') j++;
  // `x not like y`, `'1' not regexp '2'`: a negated operator word is that operator.
  if (valueAt(t, j) === 'not' && kindAt(t, j + 1) === 'o') j++;
  const next = t[j];
  if (next === undefined) return undefined;
  if (next.kind === 'L' || next.kind === 'U' || next.kind === ';' || next.kind === 'X') {
    const end = judgeContinuation(t, j, false);
    if (end !== -1) return fingerprint(t, i, end);
  }
  if (next.kind === 'k') {
    const end = keywordContinuation(t, j);
    if (end !== -1 && first.kind !== 'n') return fingerprint(t, i, end);
  }
  // `'1' not regexp '2'`: a value that starts with a quoted literal and compares it is a condition, not data.
  if (first.kind === 's' && next.kind === 'o' && COMPARISONS.has(next.value) && (kindAt(t, j + 1) === 's' || kindAt(t, j + 1) === '1' || kindAt(t, j + 1) === 'v')) {
    return fingerprint(t, i, j + 2);
  }
  // `1 rlike (select 1)`: compared with a subquery.
  if (isBinaryOp(next) && isSelect(t, j + 1)) return fingerprint(t, i, j + 3);
  // `1 = 1 or ...`, `id = 5 union select`: a comparison first, then the injection.
  if (isBinaryOp(next) && isValue(t[j + 1])) {
    let k = j + 2;
    while (kindAt(t, k) === ')') k++;
    if (kindAt(t, k) === 'L' || kindAt(t, k) === 'U' || kindAt(t, k) === ';') {
      const end = judgeContinuation(t, k, false);
      if (end !== -1) return fingerprint(t, i, end);
    }
  }
  return undefined;
}

/** A value that is itself a statement: `select x from y`, `drop table t`, `insert into t values`, ... */
function statementStart(t: SqlToken[], i: number): string | undefined {
  const w = valueAt(t, i);
  const fp = (n: number): string => fingerprint(t, i, i + n);
  switch (w) {
    case 'select': {
      const next = t[i + 1];
      if (next === undefined) return undefined;
      if (next.kind === 'f' || next.kind === 'v' || next.value === '*') return fp(3);
      if (next.kind === '(' && (kindAt(t, i + 2) === 'f' || kindAt(t, i + 2) === 'v' || isSelect(t, i + 2))) return fp(3);
      // select a, b from t / select a from t
      let k = i + 1;
      for (let items = 0; items < 8; items++) {
        if (!isValue(t[k]) && kindAt(t, k) !== 'f') return undefined;
        k++;
        if (kindAt(t, k) === ',') {
          k++;
          continue;
        }
        break;
      }
      return valueAt(t, k) === 'from' && (isValue(t[k + 1]) || kindAt(t, k + 1) === '(') ? fp(k - i + 2) : undefined;
    }
    case 'insert':
    case 'replace':
      return valueAt(t, i + 1) === 'into' && isValue(t[i + 2]) && (valueAt(t, i + 3) === 'values' || valueAt(t, i + 3) === 'select' || kindAt(t, i + 3) === '(') ? fp(4) : undefined;
    case 'update':
      return isValue(t[i + 1]) && valueAt(t, i + 2) === 'set' && isValue(t[i + 3]) && kindAt(t, i + 4) === 'o' ? fp(5) : undefined;
    case 'delete':
      return valueAt(t, i + 1) === 'from' && isValue(t[i + 2]) && (isEnd(t, i + 3) || valueAt(t, i + 3) === 'where') ? fp(4) : undefined;
    case 'drop':
    case 'truncate':
    case 'alter':
    case 'create': {
      const obj = valueAt(t, i + 1);
      if (obj !== 'table' && obj !== 'database' && obj !== 'schema' && obj !== 'view' && obj !== 'procedure' && obj !== 'function' && obj !== 'trigger' && obj !== 'index' && obj !== 'user') return undefined;
      return isValue(t[i + 2]) && (isEnd(t, i + 3) || kindAt(t, i + 3) === ',' || kindAt(t, i + 3) === '(') ? fp(3) : undefined;
    }
    case 'waitfor':
      return (valueAt(t, i + 1) === 'delay' || valueAt(t, i + 1) === 'time') && kindAt(t, i + 2) === 's' ? fp(3) : undefined;
    case 'exec':
    case 'execute':
    case 'declare':
    case 'shutdown':
      return keywordContinuation(t, i) !== -1 || (w === 'declare' && kindAt(t, i + 1) === 'v') || (w === 'shutdown' && (isEnd(t, i + 1) && t.length > i + 1)) ? fp(3) : undefined;
    default:
      return keywordContinuation(t, i) !== -1 && i > 0 ? fp(3) : undefined;
  }
}

/**
 * Comment obfuscation: SQL keywords glued together with block comments (`union/**\/select`, `or/**\/1=1`,
 * `/*\/2 union all`) or MySQL executable comments. Text does not put comments next to SQL keywords.
 */
function judgeObfuscation(t: SqlToken[]): string | undefined {
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    // `(select(sleep(5)))`: a subquery calling a payload function, wherever it sits.
    if (tok.kind === 'k' && tok.value === 'select' && callsPayload(t, i + 1, i + 4)) return fingerprint(t, i, i + 4);
    if (tok.kind === 'X') {
      const next = t[i + 1];
      if (next !== undefined && (next.kind === 'U' || next.kind === 'k' || next.kind === 'L' || next.kind === 'f')) return fingerprint(t, i, i + 3);
      continue;
    }
    if (!tok.afterComment) continue;
    // The comment sits between t[i-1] and t[i]; look at the keywords on both sides.
    for (let k = Math.max(0, i - 2); k <= i + 1 && k < t.length; k++) {
      const near = t[k]!;
      if (near.kind === 'U' && (isSelect(t, k + 1) || valueAt(t, k + 1) === 'all' || valueAt(t, k + 1) === 'distinct')) return fingerprint(t, i - 1, k + 3);
      if (near.kind === 'U' && kindAt(t, k - 1) === '1') return fingerprint(t, k - 1, k + 2);
      if (near.kind === 'k' && near.value === 'select' && kindAt(t, k + 1) !== '') return fingerprint(t, i - 1, k + 2);
      if (near.kind === 'L' && isCondition(t, k + 1, false)) return fingerprint(t, i - 1, k + 4);
      if (near.kind === 'f' && PAYLOAD_FUNCTIONS.has(near.value)) return fingerprint(t, i - 1, k + 2);
    }
  }
  return undefined;
}
