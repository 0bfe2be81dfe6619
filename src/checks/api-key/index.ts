/**
 * The `api-key` check: a key from a header or query parameter, matched against keys configured as SHA-256
 * digests, each mapped to a consumer whose name becomes the principal and whose attributes feed identity
 * headers and the rate limiter. The key itself never reaches a log, a note or a record.
 */
import type { CheckFactory } from '../../config/types.js';
import { PolicyError } from '../../config/types.js';
import type { AuthzRequest, DenyOutcome, HeaderMutations, Outcome } from '../../pipeline/types.js';
import { loadKeyTable, type ApiKeyEntrySpec } from './key-table.js';

type FoundKey = { key: string; header: string | undefined };

export type ApiKeySourceSpec = { header: string } | { query: string };

export interface ApiKeySpec {
  /** Where the key is read, first found wins (default: header `x-api-key`). */
  from?: ApiKeySourceSpec | ApiKeySourceSpec[];
  keys?: ApiKeyEntrySpec[];
  /** A YAML or JSON file with more entries (`consumer`, `sha256`, `attributes`). */
  keysFile?: string;
  /** Request header to set: `consumer` for the consumer name, else an attribute name. */
  headers?: Record<string, string>;
  /** Let requests without a key through, anonymous (a key that is present must still be valid). */
  optional?: boolean;
  /** Remove the key header before the request goes upstream (Kong's `hide_credentials`). */
  removeKey?: boolean;
  denyBody?: string | Record<string, unknown>;
  realm?: string;
}

const headerName = { type: 'string', pattern: '^[!#$%&\'*+\\-.^_`|~0-9A-Za-z]+$' };
const source = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['header'], properties: { header: headerName } },
    { type: 'object', additionalProperties: false, required: ['query'], properties: { query: { type: 'string', minLength: 1 } } },
  ],
};
const secretRef = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } },
  ],
};

export const apiKeyCheck: CheckFactory<ApiKeySpec> = {
  kind: 'api-key',
  codePrefix: 'apikey',
  schema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['keys'] }, { required: ['keysFile'] }],
    properties: {
      from: { anyOf: [source, { type: 'array', minItems: 1, items: source }] },
      keys: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['consumer'],
          properties: {
            consumer: { type: 'string', minLength: 1, maxLength: 256 },
            sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
            key: secretRef,
            attributes: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
      keysFile: { type: 'string', minLength: 1 },
      headers: { type: 'object', propertyNames: headerName, additionalProperties: { type: 'string', minLength: 1 } },
      optional: { type: 'boolean' },
      removeKey: { type: 'boolean' },
      denyBody: { anyOf: [{ type: 'string' }, { type: 'object' }] },
      realm: { type: 'string', pattern: '^[ !#-\\[\\]-~]{1,100}$' },
    },
  },
  setsHeaders: (spec) => Object.keys(spec.headers ?? {}).map((h) => h.toLowerCase()),
  async compile(spec, deps) {
    const table = await loadKeyTable(spec.keys ?? [], spec.keysFile, deps.at, deps);
    const sources = spec.from === undefined ? [{ header: 'x-api-key' }] : Array.isArray(spec.from) ? spec.from : [spec.from];
    const readers = sources.map((s): ((req: AuthzRequest) => FoundKey | undefined) => {
      if ('header' in s) {
        const name = s.header.toLowerCase();
        if (name === 'authorization') throw new PolicyError(`${deps.at}.from`, 'use a dedicated header, not authorization');
        return (req: AuthzRequest) => {
          const v = req.headers[name]?.trim();
          return v ? { key: v, header: name } : undefined;
        };
      }
      const name = s.query;
      return (req: AuthzRequest) => {
        const v = req.rawQuery ? req.query[name]?.[0] : undefined;
        return v ? { key: v, header: undefined } : undefined;
      };
    });
    const read = (req: AuthzRequest): FoundKey | undefined => {
      for (const r of readers) {
        const found = r(req);
        if (found) return found;
      }
      return undefined;
    };
    const headerMap = Object.entries(spec.headers ?? {}).map(([h, from]) => [h.toLowerCase(), from] as const);
    const removeKey = spec.removeKey === true;
    const optional = spec.optional === true;
    const challenge = `Key realm="${spec.realm ?? 'portcullis'}"`;
    const refuse = (code: 'apikey.missing' | 'apikey.invalid', reason: string): DenyOutcome => {
      const out: DenyOutcome = { pass: false, status: 401, code, reason, headers: { 'www-authenticate': challenge } };
      if (spec.denyBody !== undefined) out.body = spec.denyBody;
      return out;
    };
    const anonymous: Outcome = { pass: true, notes: { anonymous: true } };
    return {
      name: 'api-key',
      kind: 'api-key',
      run(req, ctx) {
        const found = read(req);
        if (!found) return optional ? anonymous : refuse('apikey.missing', 'no API key');
        const consumer = table.find(found.key);
        if (!consumer) return refuse('apikey.invalid', 'the API key matches no configured key');
        const set: Record<string, string> = {};
        for (const [h, from] of headerMap) {
          const value = from === 'consumer' ? consumer.name : consumer.attributes[from];
          if (value !== undefined) set[h] = value;
        }
        const headers: HeaderMutations = { set };
        if (removeKey && found.header) headers.remove = [found.header];
        ctx.identity = { principal: consumer.name, source: 'api-key', attributes: consumer.attributes };
        return { pass: true, headers, notes: { consumer: consumer.name } };
      },
    };
  },
};
