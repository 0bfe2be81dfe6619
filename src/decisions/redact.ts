/**
 * Redaction: every record passes through here before any sink. Two layers: by name (sensitive headers,
 * query parameters and body fields wherever their names appear in a record), and by value (the literal
 * secrets of the request the record came from, when the recorder is given it), so a secret echoed in a free
 * text reason or a WAF match excerpt is caught even when its name is not.
 */
import type { AuthzRequest } from '../pipeline/types.js';
import { decodeQueryComponent } from '../pipeline/normalize-path.js';
import type { RedactSpec } from './config.js';
import type { CheckDecisionRecord, DecisionRecord, RateLimitDecisionRecord } from './record.js';

export const REDACTED = '[redacted]';

/** Headers that always carry credentials. */
export const SECRET_HEADERS = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'apikey', 'x-auth-token',
  'x-access-token', 'x-refresh-token', 'x-id-token', 'x-csrf-token', 'x-xsrf-token', 'x-amz-security-token',
  'x-goog-api-key', 'ocp-apim-subscription-key',
];

// Names are compared with case, '-', '_' and '.' removed, so `api_key`, `Api-Key` and `apikey` are one name.
const SECRET_NAME = /pass(word|wd|phrase)?$|passw|secret|token|apikey|accesskey|privatekey|credential|authorization|cookie|session|signature|otp$/;
const SECRET_EXACT = new Set(['pwd', 'pass', 'auth', 'key', 'sig', 'pin', 'cvv', 'cvc', 'ssn']);
// Keys of a record's own structure that look like secret names but are not (rate-limit keys are principals or IPs).
const STRUCTURAL = new Set(['key', 'keys']);
// WAF variable names that point at a request part: `ARGS:password`, `REQUEST_HEADERS:authorization`.
const WAF_TARGET = /\b(?:ARGS(?:_GET|_POST|_NAMES|_GET_NAMES|_POST_NAMES)?|REQUEST_COOKIES(?:_NAMES)?|REQUEST_HEADERS(?:_NAMES)?|MATCHED_VARS?|FILES|XML|JSON):([A-Za-z0-9_.\-[\]]+)/g;
const EXCERPT_KEYS = /^(data|value|values|match|matched|matcheddata|matchedvalue|matchedvar|excerpt|payload|input|sample|operand)$/i;
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Negotiate|Token|ApiKey)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const PAIR = /([A-Za-z0-9_.\-[\]]{1,64})=([^&\s;,"'<>]*)/g;
const JSON_FIELD = /"([^"\\]{1,64})"\s*:\s*(?:"(?:[^"\\]|\\.)*(?:"|$)|-?\d[\d.eE+-]*)/g;
// What every pattern above needs to match (a `:` or `=`, an auth scheme, a JWT): one scan instead of six for the
// short fixed reasons most checks give.
const MAY_CARRY_SECRET = /[:=]|eyJ|\b(?:Bearer|Basic|Digest|Negotiate|Token|ApiKey)\s/i;
const MIN_SECRET_LENGTH = 4;
const ENCODED = /[%+]/;
const MAX_SECRETS = 64;
const MAX_BODY_SCAN = 256 * 1024;

function norm(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

export interface Redactor {
  /** A redacted copy of `rec`; `source` (the request, or its secret values) adds literal values to what is scrubbed. */
  record(rec: DecisionRecord, source?: AuthzRequest | readonly string[]): DecisionRecord;
  /** The literal secret values a request carries (see `secretValuesOf`). */
  secretsOf(req: AuthzRequest): string[];
  /** True when a header, parameter or field of this name is redacted. */
  isSecretName(name: string): boolean;
  /** Scrubs credentials out of one free-text string. */
  text(s: string): string;
}

export function compileRedactor(spec: RedactSpec = {}): Redactor {
  const extraNames = new Set([...(spec.headers ?? []), ...(spec.queryParams ?? []), ...(spec.bodyFields ?? []), ...SECRET_HEADERS].map(norm));
  const descriptorKeys = new Set((spec.descriptorKeys ?? []).map(norm));
  const headerNames = [...new Set([...SECRET_HEADERS, ...(spec.headers ?? []).map((h) => h.toLowerCase())])];
  const headerLine = new RegExp(`\\b(${headerNames.map(escapeRe).join('|')})\\s*[:=]\\s*[^\\r\\n]*`, 'gi');

  // Header and parameter names repeat from request to request: remember the answer for the common ones.
  const known = new Map<string, boolean>();
  const isSecretName = (name: string): boolean => {
    const hit = known.get(name);
    if (hit !== undefined) return hit;
    const n = norm(name);
    const secret = n.length > 0 && (extraNames.has(n) || SECRET_EXACT.has(n) || SECRET_NAME.test(n));
    if (known.size < 4096 && name.length <= 64) known.set(name, secret);
    return secret;
  };

  const text = (s: string): string => {
    if (s.length === 0 || !MAY_CARRY_SECRET.test(s)) return s;
    let out = s;
    WAF_TARGET.lastIndex = 0;
    for (let m = WAF_TARGET.exec(out); m; m = WAF_TARGET.exec(out)) {
      // The matched data of a rule that looked at a secret is the secret: drop the whole text (a bare
      // variable name such as `ARGS:password` carries no value and stays).
      if (isSecretName(m[1]!) && out.trim() !== m[0]) return `${REDACTED} (mentions ${m[0]})`;
    }
    out = out.replace(headerLine, (_all, h: string) => `${h}: ${REDACTED}`);
    out = out.replace(AUTH_SCHEME, (_all, scheme: string) => `${scheme} ${REDACTED}`);
    out = out.replace(JWT_LIKE, REDACTED);
    out = out.replace(PAIR, (all, name: string) => (isSecretName(name) ? `${name}=${REDACTED}` : all));
    out = out.replace(JSON_FIELD, (all, name: string) => (isSecretName(name) ? `"${name}":"${REDACTED}"` : all));
    return out;
  };

  const scrubValues = (s: string, secrets: readonly string[]): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };

  const walk = (value: unknown, secrets: readonly string[], depth: number): unknown => {
    if (typeof value === 'string') return scrubValues(text(value), secrets);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8) return REDACTED;
    if (Array.isArray(value)) return value.map((v) => walk(v, secrets, depth + 1));
    const obj = value as Record<string, unknown>;
    // An object describing a match against a secret target (`{ var: 'ARGS:password', data: '...' }`) loses its excerpts.
    const pointsAtSecret = Object.values(obj).some((v) => typeof v === 'string' && mentionsSecretTarget(v, isSecretName));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (!STRUCTURAL.has(k.toLowerCase()) && isSecretName(k) && v !== null && v !== undefined && typeof v !== 'boolean') out[k] = REDACTED;
      else if (pointsAtSecret && EXCERPT_KEYS.test(k)) out[k] = REDACTED;
      else out[k] = walk(v, secrets, depth + 1);
    }
    return out;
  };

  // Copy on change: most records (no notes, fixed reasons, nothing secret in path or host) are returned as they are.
  const check = (rec: CheckDecisionRecord, secrets: readonly string[]): CheckDecisionRecord => {
    const path = scrubValues(redactPathQuery(rec.path), secrets);
    const host = rec.host ? scrubValues(rec.host, secrets) : rec.host;
    const principal = rec.principal !== undefined ? scrubValues(rec.principal, secrets) : undefined;
    let checks = rec.checks;
    for (let i = 0; i < rec.checks.length; i++) {
      const c = rec.checks[i]!;
      const reason = c.reason !== undefined ? scrubValues(text(c.reason), secrets) : undefined;
      if (c.notes === undefined && reason === c.reason) continue;
      const r = { ...c };
      if (reason !== undefined) r.reason = reason;
      if (c.notes !== undefined) r.notes = walk(c.notes, secrets, 0) as Record<string, unknown>;
      if (checks === rec.checks) checks = rec.checks.slice();
      checks[i] = r;
    }
    if (path === rec.path && host === rec.host && principal === rec.principal && checks === rec.checks && rec.ratelimit === undefined) return rec;
    const out: CheckDecisionRecord = { ...rec, path, host, checks };
    if (rec.ratelimit !== undefined) out.ratelimit = walk(rec.ratelimit, secrets, 0) as Record<string, unknown>;
    if (principal !== undefined) out.principal = principal;
    return out;
  };

  const rls = (rec: RateLimitDecisionRecord): RateLimitDecisionRecord => ({
    ...rec,
    descriptors: rec.descriptors.map((d) => ({
      ...d,
      entries: d.entries.map((e) => ({
        key: e.key,
        value: descriptorKeys.has(norm(e.key)) || isSecretName(e.key) ? REDACTED : text(e.value),
      })),
    })),
  });

  // One lookup per header name (names repeat from request to request).
  const headerSet = new Set(headerNames);
  const headerKinds = new Map<string, HeaderKind>();
  const headerKind = (name: string): HeaderKind => {
    let kind = headerKinds.get(name);
    if (kind === undefined) {
      kind = headerSet.has(name) ? 'credential' : isSecretName(name) ? 'secret' : 'plain';
      if (headerKinds.size < 4096 && name.length <= 64) headerKinds.set(name, kind);
    }
    return kind;
  };
  const secretsOf = (req: AuthzRequest) => secretValuesOf(req, isSecretName, headerKind);
  return {
    isSecretName,
    text,
    secretsOf,
    record(rec, source) {
      if (rec.type === 'ratelimit') return rls(rec);
      return check(rec, source === undefined ? [] : Array.isArray(source) ? (source as readonly string[]) : secretsOf(source as AuthzRequest));
    },
  };
}

function mentionsSecretTarget(s: string, isSecretName: (n: string) => boolean): boolean {
  WAF_TARGET.lastIndex = 0;
  for (let m = WAF_TARGET.exec(s); m; m = WAF_TARGET.exec(s)) if (isSecretName(m[1]!)) return true;
  return false;
}

// A query value that is not already `*` (a path recorded by toCheckRecord has none left).
const QUERY_VALUE = /=(?!\*(?:&|$))/;

/** Every query value of a recorded path becomes `*` (names stay: they say what was asked, not who). */
export function redactPathQuery(path: string): string {
  const q = path.indexOf('?');
  if (q < 0 || !QUERY_VALUE.test(path.slice(q + 1))) return path;
  const parts = path.slice(q + 1).split('&').filter((p) => p.length > 0).map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? p : `${p.slice(0, eq)}=*`;
  });
  return `${path.slice(0, q)}?${parts.join('&')}`;
}

/** What a header name says of its value: a credential header (its value after an auth scheme is a secret too), another secret name, or neither. */
export type HeaderKind = 'credential' | 'secret' | 'plain';

/**
 * Literal secret values carried by a request: credential headers (and each token after an auth scheme), every
 * cookie value, and query parameters and body fields with secret names. Longest first, so a token is replaced
 * before a prefix of it.
 */
export function secretValuesOf(req: AuthzRequest, isSecretName: (n: string) => boolean, headerKind: (name: string) => HeaderKind): string[] {
  // Few values per request: a list with a linear membership check beats a Set here.
  const found: string[] = [];
  const add = (v: unknown) => {
    if (typeof v !== 'string') return;
    const s = v.trim();
    if (s.length >= MIN_SECRET_LENGTH && found.length < MAX_SECRETS && !found.includes(s)) found.push(s);
  };
  for (const [name, v] of req.headerList) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const kind = headerKind(name);
    if (kind === 'plain') continue;
    add(v);
    // A credential header's value after its scheme (`Bearer <token>`) is the secret itself.
    const sp = kind === 'credential' ? v.indexOf(' ') : -1;
    if (sp > 0) add(v.slice(sp + 1));
  }
  if (req.headers.cookie !== undefined) for (const v of Object.values(req.cookies)) add(v);
  // Straight from the raw query: only a parameter with a secret name has its value decoded.
  const query = req.rawQuery;
  for (let start = 0; start < query.length; ) {
    const amp = query.indexOf('&', start);
    const end = amp < 0 ? query.length : amp;
    const eq = query.indexOf('=', start);
    if (eq > start && eq < end) {
      const rawName = query.slice(start, eq);
      if (isSecretName(ENCODED.test(rawName) ? decodeQueryComponent(rawName) : rawName)) add(decodeQueryComponent(query.slice(eq + 1, end)));
    }
    start = end + 1;
  }
  if (req.body && req.body.length > 0) {
    let done = false;
    if (req.body.length <= MAX_BODY_SCAN && !req.bodyPartial) {
      if (req.contentType === 'application/x-www-form-urlencoded') {
        for (const [name, values] of Object.entries(req.formBody())) if (isSecretName(name)) values.forEach(add);
        done = true;
      } else if (req.contentType.includes('json')) {
        const parsed = req.jsonBody();
        if (parsed.ok) {
          collectJsonSecrets(parsed.value, isSecretName, add, 0);
          done = true;
        }
      }
    }
    // A partial, oversized or unparsable body: read `"name": "value"` and `name=value` pairs from its text.
    if (!done) scanBodyText(req.body.subarray(0, MAX_BODY_SCAN).toString('latin1'), isSecretName, add);
  }
  return found.length > 1 ? found.sort((a, b) => b.length - a.length) : found;
}

const BODY_JSON_PAIR = /"([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.){1,512})/g;
const BODY_FORM_PAIR = /(?:^|[&\s])([A-Za-z0-9_.\-[\]]{1,64})=([^&\s]{1,512})/g;

function scanBodyText(text: string, isSecretName: (n: string) => boolean, add: (v: unknown) => void): void {
  for (const m of text.matchAll(BODY_JSON_PAIR)) if (isSecretName(m[1]!)) add(m[2]);
  for (const m of text.matchAll(BODY_FORM_PAIR)) {
    if (!isSecretName(m[1]!)) continue;
    add(m[2]);
    try {
      add(decodeURIComponent(m[2]!.replace(/\+/g, ' ')));
    } catch {
      // Not valid percent-encoding: the raw text was added.
    }
  }
}

function collectJsonSecrets(v: unknown, isSecretName: (n: string) => boolean, add: (v: unknown) => void, depth: number): void {
  if (depth > 8 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const item of v) collectJsonSecrets(item, isSecretName, add, depth + 1);
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (isSecretName(k) && (typeof x === 'string' || typeof x === 'number')) add(String(x));
    else collectJsonSecrets(x, isSecretName, add, depth + 1);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
