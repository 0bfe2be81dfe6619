/**
 * The `ip-policy` check: allow and deny lists of addresses and CIDRs judged against the client IP the core
 * resolved (peer or trusted X-Forwarded-For hop). Deny wins over allow; with an allow list, everything else is
 * refused.
 */
import type { CheckFactory, JsonSchema } from '../../config/types.js';
import { PolicyError } from '../../config/types.js';
import type { DenyOutcome, Outcome } from '../../pipeline/types.js';
import { IpRangeSet, parseClientIp } from './ip-ranges.js';
import { loadIpList, type IpListSpec } from './load-list.js';

export interface IpPolicySpec {
  allow?: IpListSpec;
  deny?: IpListSpec;
  /** Status of a refusal (403 by default). */
  status?: number;
  /** Client-facing message of a refusal (the catalogue's "Forbidden" by default). */
  message?: string;
  /** Let requests whose client IP is unknown through (default false: refused with `ip.unknown`). */
  allowUnknown?: boolean;
}

const fileRef: JsonSchema = { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } };
const listSchema: JsonSchema = {
  anyOf: [{ type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, fileRef] } }, fileRef],
};

export const ipPolicyCheck: CheckFactory<IpPolicySpec> = {
  kind: 'ip-policy',
  codePrefix: 'ip',
  schema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['allow'] }, { required: ['deny'] }],
    properties: {
      allow: listSchema,
      deny: listSchema,
      status: { type: 'integer', minimum: 400, maximum: 599 },
      message: { type: 'string', minLength: 1, maxLength: 200 },
      allowUnknown: { type: 'boolean' },
    },
  },
  async compile(spec, deps) {
    const allowRanges = await loadIpList(spec.allow, `${deps.at}.allow`, deps.resolvePath);
    const denyRanges = await loadIpList(spec.deny, `${deps.at}.deny`, deps.resolvePath);
    if (spec.allow !== undefined && allowRanges.length === 0) {
      // An empty allow list refuses everyone; almost always a file that came out empty.
      deps.warn(`${deps.at}.allow`, 'the allow list is empty: every request is refused');
    }
    if (allowRanges.length === 0 && denyRanges.length === 0 && spec.allow === undefined) {
      throw new PolicyError(deps.at, 'needs an allow or a deny list with at least one entry');
    }
    const allow = spec.allow === undefined ? undefined : new IpRangeSet(allowRanges);
    const deny = new IpRangeSet(denyRanges);
    const status = spec.status ?? 403;
    const message = spec.message;
    const refuse = (code: DenyOutcome['code'], reason: string): DenyOutcome => {
      const out: DenyOutcome = { pass: false, status, code, reason };
      if (message !== undefined) out.message = message;
      return out;
    };
    const pass: Outcome = { pass: true };
    const allowUnknown = spec.allowUnknown === true;
    return {
      name: 'ip-policy',
      kind: 'ip-policy',
      run(req) {
        const ip = req.clientIp ? parseClientIp(req.clientIp) : undefined;
        if (!ip) return allowUnknown ? pass : refuse('ip.unknown', 'client ip unknown');
        if (deny.has(ip)) return refuse('ip.denied', `client ip ${req.clientIp} is in the deny list`);
        if (allow && !allow.has(ip)) return refuse('ip.not_allowed', `client ip ${req.clientIp} is not in the allow list`);
        return pass;
      },
    };
  },
};
