/**
 * check-config findings about Envoy's half: Portcullis-side budgets that cannot fit in the Envoy timeout they
 * run under (Envoy gives up first, so the work is wasted and the request fails), and what render-envoy would say.
 */
import type { PolicySpec } from '../config/policy-spec.js';
import { PolicyError } from '../config/types.js';
import { parseDuration, parseSize } from '../lib/units.js';
import { buildContext, DEFAULTS } from './context.js';
import { renderEnvoyConfig } from './render.js';
import type { EnvoySpec } from './spec.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function ms(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    return parseDuration(value);
  } catch {
    return undefined;
  }
}

/** gRPC servers refuse messages over 4 MiB by default; the body window rides inside one CheckRequest. */
const GRPC_MESSAGE_BUDGET = 4 * 1024 * 1024 - 64 * 1024;

/** How long a request may wait for a JWT provider's keys (`keyWait`), with their key paths. */
function providerBudgets(providers: unknown): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (!isObj(providers)) return out;
  for (const [family, group] of Object.entries(providers)) {
    if (!isObj(group)) continue;
    for (const [name, p] of Object.entries(group)) {
      if (!isObj(p)) continue;
      const v = ms(p.keyWait);
      if (v !== undefined) out.push([`providers.${family}.${name}.keyWait`, v]);
    }
  }
  return out;
}

export function envoyWarnings(spec: PolicySpec, opts?: { policyDir?: string; httpAuthz?: boolean }): string[] {
  const out: string[] = [];
  const envoy = (spec.envoy ?? {}) as EnvoySpec;
  const extAuthz = ms(envoy.timeouts?.extAuthz) ?? DEFAULTS.extAuthzMs;
  const rateLimit = ms(envoy.timeouts?.rateLimit) ?? DEFAULTS.rateLimitMs;
  const rl = spec.ratelimit;
  const redis = isObj(rl) && isObj(rl.store) && isObj(rl.store.redis) ? rl.store.redis : undefined;
  const redisTimeout = redis ? ms(redis.timeout) : undefined;
  if (redisTimeout !== undefined) {
    if (redisTimeout >= rateLimit) {
      out.push(`ratelimit.store.redis.timeout (${redisTimeout} ms) is not below envoy.timeouts.rateLimit (${rateLimit} ms): Envoy's ratelimit filter gives up first`);
    }
    if (redisTimeout >= extAuthz) {
      out.push(`ratelimit.store.redis.timeout (${redisTimeout} ms) is not below envoy.timeouts.extAuthz (${extAuthz} ms): a rate-limit check would outlive the authorization call`);
    }
  }
  for (const [at, budget] of providerBudgets(spec.providers)) {
    if (budget >= extAuthz) {
      out.push(`${at} (${budget} ms) is not below envoy.timeouts.extAuthz (${extAuthz} ms): a key fetch during a request outlives Envoy's wait`);
    }
  }
  (Array.isArray(spec.routes) ? spec.routes : []).forEach((r, i) => {
    if (r.inspectBodyBytes === undefined) return;
    try {
      if (parseSize(r.inspectBodyBytes) > GRPC_MESSAGE_BUDGET) {
        out.push(`routes[${i}].inspectBodyBytes is close to or above gRPC's 4 MiB message limit: Envoy's check calls would be refused`);
      }
    } catch {
      // the loader reports malformed sizes
    }
  });
  if (spec.envoy !== undefined) {
    try {
      out.push(...renderEnvoyConfig(spec, { policyDir: opts?.policyDir ?? '.', httpAuthz: opts?.httpAuthz }).warnings);
    } catch (err) {
      if (err instanceof PolicyError) out.push(`render-envoy would fail: ${err.message}`);
      else throw err;
    }
  } else {
    try {
      buildContext(spec, { policyDir: opts?.policyDir ?? '.' });
    } catch (err) {
      if (err instanceof PolicyError) out.push(`Envoy cannot be configured to match: ${err.message}`);
      else throw err;
    }
  }
  return out;
}
