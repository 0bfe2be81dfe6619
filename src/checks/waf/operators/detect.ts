/**
 * `@detectSQLi` and `@detectXSS`: the project's own detectors (src/checks/waf/detect). With `capture`,
 * TX:0 receives the SQLi fingerprint, as libinjection-based engines report it.
 */
import { detectSQLi as sqli } from '../detect/sqli.js';
import { detectXSS as xss } from '../detect/xss.js';
import type { OperatorFactory } from './types.js';

export const detectSQLi: OperatorFactory = () => (tx, input, capture) => {
  const r = sqli(input);
  if (r.match && capture && r.fingerprint !== undefined) tx.setTx('0', r.fingerprint);
  return r.match;
};

export const detectXSS: OperatorFactory = () => (_tx, input) => xss(input);
