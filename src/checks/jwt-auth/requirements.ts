/**
 * Per-route claim requirements of `jwt-auth`: roles, scopes and any claim equal to a value or matching a
 * pattern. Failing them is `jwt.insufficient_scope` (403): the token is fine, the permission is not.
 */
import { PolicyError, type JsonSchema } from '../../config/types.js';
import { claimAt } from './claim-headers.js';

export type ListRequirement = string[] | { anyOf: string[] } | { allOf: string[] };
export type ClaimRequirement = { equals: string | number | boolean | Array<string | number | boolean> } | { pattern: string } | { includes: string };

export interface RequireSpec {
  roles?: ListRequirement;
  scopes?: ListRequirement;
  claims?: Record<string, ClaimRequirement>;
  /** Claim holding roles (default `roles`); an array or a comma/space-separated string. */
  rolesClaim?: string;
  /** Claim holding scopes (default `scope`, falling back to `scp`); a space-separated string or an array. */
  scopesClaim?: string;
}

const list = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
const listRequirement = {
  anyOf: [
    list,
    { type: 'object', additionalProperties: false, required: ['anyOf'], properties: { anyOf: list } },
    { type: 'object', additionalProperties: false, required: ['allOf'], properties: { allOf: list } },
  ],
};
const scalar = { type: ['string', 'number', 'boolean'] };

export const requireSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    roles: listRequirement,
    scopes: listRequirement,
    claims: {
      type: 'object',
      additionalProperties: {
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['equals'], properties: { equals: { anyOf: [scalar, { type: 'array', minItems: 1, items: scalar }] } } },
          { type: 'object', additionalProperties: false, required: ['pattern'], properties: { pattern: { type: 'string', minLength: 1 } } },
          { type: 'object', additionalProperties: false, required: ['includes'], properties: { includes: { type: 'string' } } },
        ],
      },
    },
    rolesClaim: { type: 'string', minLength: 1 },
    scopesClaim: { type: 'string', minLength: 1 },
  },
};

/** Returns a failure (reason, and the scopes to name in WWW-Authenticate) or undefined when satisfied. */
export type RequirementTest = (claims: Readonly<Record<string, unknown>>) => { reason: string; scope?: string } | undefined;

export function compileRequirements(spec: RequireSpec | undefined, at: string): RequirementTest | undefined {
  if (!spec) return undefined;
  const tests: RequirementTest[] = [];
  if (spec.roles) {
    const need = listOf(spec.roles);
    const claim = spec.rolesClaim ?? 'roles';
    tests.push((claims) => (need.test(valuesOf(claimAt(claims, claim), /[,\s]+/)) ? undefined : { reason: `roles must include ${need.describe}` }));
  }
  if (spec.scopes) {
    const need = listOf(spec.scopes);
    const claim = spec.scopesClaim;
    tests.push((claims) => {
      const raw = claim ? claimAt(claims, claim) : claims.scope ?? claims.scp;
      return need.test(valuesOf(raw, / +/)) ? undefined : { reason: `scopes must include ${need.describe}`, scope: need.items.join(' ') };
    });
  }
  for (const [path, req] of Object.entries(spec.claims ?? {})) {
    if ('equals' in req) {
      const accepted = Array.isArray(req.equals) ? req.equals : [req.equals];
      tests.push((claims) => (accepted.includes(claimAt(claims, path) as never) ? undefined : { reason: `claim ${path} has no accepted value` }));
    } else if ('pattern' in req) {
      let re: RegExp;
      try {
        re = new RegExp(req.pattern, 'u');
      } catch (err) {
        throw new PolicyError(`${at}.require.claims.${path}.pattern`, `invalid pattern: ${(err as Error).message}`);
      }
      tests.push((claims) => {
        const v = claimAt(claims, path);
        return typeof v === 'string' && re.test(v) ? undefined : { reason: `claim ${path} does not match` };
      });
    } else {
      const want = req.includes;
      tests.push((claims) => {
        const v = claimAt(claims, path);
        return Array.isArray(v) && v.includes(want) ? undefined : { reason: `claim ${path} does not include the required value` };
      });
    }
  }
  return (claims) => {
    for (const t of tests) {
      const failed = t(claims);
      if (failed) return failed;
    }
    return undefined;
  };
}

function listOf(r: ListRequirement): { items: string[]; test: (have: ReadonlySet<string>) => boolean; describe: string } {
  if (Array.isArray(r) || 'allOf' in r) {
    const items = Array.isArray(r) ? r : r.allOf;
    return { items, test: (have) => items.every((i) => have.has(i)), describe: `all of ${items.join(', ')}` };
  }
  const items = r.anyOf;
  return { items, test: (have) => items.some((i) => have.has(i)), describe: `one of ${items.join(', ')}` };
}

function valuesOf(raw: unknown, separator: RegExp): ReadonlySet<string> {
  if (typeof raw === 'string') return new Set(raw.split(separator).filter(Boolean));
  if (Array.isArray(raw)) return new Set(raw.filter((v): v is string => typeof v === 'string'));
  return new Set();
}
