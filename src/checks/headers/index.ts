/**
 * The `headers` check: require or forbid request headers, and add or remove headers on the way upstream.
 * Simple enough to exercise the whole pipeline on its own.
 */
import type { CheckFactory } from '../../config/types.js';
import type { HeaderMutations, Outcome } from '../../pipeline/types.js';

export interface HeadersSpec {
  /** Header name to required value: `true` = present, a string = exact value, `{ pattern }` = regex match. */
  require?: Record<string, true | string | { pattern: string }>;
  forbid?: string[];
  add?: Record<string, string>;
  remove?: string[];
  /** Headers to add to the client's response. */
  response?: Record<string, string>;
  status?: number;
}

export const headersCheck: CheckFactory<HeadersSpec> = {
  kind: 'headers',
  codePrefix: 'headers',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      require: {
        type: 'object',
        additionalProperties: {
          anyOf: [
            { const: true },
            { type: 'string' },
            { type: 'object', additionalProperties: false, required: ['pattern'], properties: { pattern: { type: 'string', format: 'regex' } } },
          ],
        },
      },
      forbid: { type: 'array', items: { type: 'string', minLength: 1 } },
      add: { type: 'object', additionalProperties: { type: 'string' } },
      remove: { type: 'array', items: { type: 'string', minLength: 1 } },
      response: { type: 'object', additionalProperties: { type: 'string' } },
      status: { type: 'integer', minimum: 400, maximum: 599 },
    },
  },
  setsHeaders: (spec) => Object.keys(spec.add ?? {}).map((h) => h.toLowerCase()),
  compile(spec) {
    const required = Object.entries(spec.require ?? {}).map(([name, want]) => {
      const key = name.toLowerCase();
      if (want === true) return { key, test: (v: string | undefined) => v !== undefined };
      if (typeof want === 'string') return { key, test: (v: string | undefined) => v === want };
      const re = new RegExp(want.pattern);
      return { key, test: (v: string | undefined) => v !== undefined && re.test(v) };
    });
    const forbidden = (spec.forbid ?? []).map((h) => h.toLowerCase());
    const lower = (o: Record<string, string> | undefined) =>
      o && Object.keys(o).length > 0 ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v])) : undefined;
    const mutations: HeaderMutations = {};
    const set = lower(spec.add);
    if (set) mutations.set = set;
    if (spec.remove?.length) mutations.remove = spec.remove.map((h) => h.toLowerCase());
    const response = lower(spec.response);
    if (response) mutations.response = response;
    const passOutcome: Outcome = { pass: true, headers: mutations };
    const status = spec.status ?? 400;
    return {
      name: 'headers',
      kind: 'headers',
      run(req) {
        for (const r of required) {
          if (!r.test(req.headers[r.key])) {
            return { pass: false, status, code: 'headers.missing', reason: `header ${r.key} missing or not matching` };
          }
        }
        for (const f of forbidden) {
          if (req.headers[f] !== undefined) return { pass: false, status, code: 'headers.forbidden', reason: `header ${f} is forbidden` };
        }
        return passOutcome;
      },
    };
  },
};
