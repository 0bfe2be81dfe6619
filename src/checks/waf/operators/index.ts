/** The operator table: `@name` to its factory. An unknown operator is a policy error at compile time. */
import { detectSQLi, detectXSS } from './detect.js';
import { ipMatch, ipMatchFromFile } from './ip.js';
import { noMatch, unconditionalMatch } from './misc.js';
import { eq, ge, gt, le, lt } from './numeric.js';
import { rx } from './regex.js';
import { beginsWith, contains, containsWord, endsWith, pm, pmFromFile, streq, strmatch, within } from './string.js';
import type { OperatorFactory } from './types.js';
import { validateByteRange, validateUrlEncoding, validateUtf8Encoding } from './validation.js';

const table: Record<string, OperatorFactory> = {
  rx, pm, pmf: pmFromFile, pmfromfile: pmFromFile, streq, contains, containsword: containsWord,
  beginswith: beginsWith, endswith: endsWith, within, strmatch, eq, ge, gt, le, lt,
  ipmatch: ipMatch, ipmatchf: ipMatchFromFile, ipmatchfromfile: ipMatchFromFile,
  validatebyterange: validateByteRange, validateurlencoding: validateUrlEncoding, validateutf8encoding: validateUtf8Encoding,
  unconditionalmatch: unconditionalMatch, nomatch: noMatch,
  detectsqli: detectSQLi, detectxss: detectXSS,
};

export function lookupOperator(name: string): OperatorFactory | undefined {
  const key = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
