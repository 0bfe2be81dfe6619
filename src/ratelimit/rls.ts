/**
 * ShouldRateLimit on plain data: validate, match each descriptor to its limit, drop replaced limits, apply all
 * limits in one store batch, and answer as envoyproxy/ratelimit does.
 *
 * Answers to odd requests: an empty domain, an empty descriptor list, a descriptor without entries or with an
 * empty key, a hits_addend above 4294967295 (or not a whole number), an override with unit UNKNOWN: gRPC
 * INVALID_ARGUMENT with a message. An unknown domain: OK for every descriptor, without `current_limit` (as
 * envoyproxy/ratelimit answers; a typo in Envoy's `domain` must not take traffic down), marked in the record.
 */
import type { LimitOp } from './algorithms.js';
import type { CompiledDomain, CompiledLimit, FailMode } from './domain-config.js';
import { matchLimit } from './domain-config.js';
import { rlsCounterKey, rlsTag } from './keys.js';
import type { Limiter } from './limiter.js';
import { decisionCounter, type RateLimitMetrics } from './metrics.js';
import type { RlsDescriptorStatus, RlsRequest, RlsResult } from './rls-types.js';
import { unitMs } from './units.js';

export const UINT32_MAX = 0xffffffff;

export interface RlsOptions {
  domains: ReadonlyMap<string, CompiledDomain>;
  limiter: Limiter;
  /** Fail mode of descriptor `limit` overrides (they carry none of their own). */
  failMode: FailMode;
  /** Add RateLimit-Limit / -Remaining / -Reset to responses (Envoy can build x-ratelimit-* itself). */
  responseHeaders: boolean;
  metrics?: RateLimitMetrics;
}

function invalid(message: string): RlsResult {
  return { kind: 'error', grpcCode: 'INVALID_ARGUMENT', message };
}

function validHits(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= UINT32_MAX;
}

export function createShouldRateLimit(opts: RlsOptions): (req: RlsRequest) => Promise<RlsResult> {
  const { domains, limiter, metrics } = opts;
  const count = decisionCounter(metrics, 'rls');

  return async function shouldRateLimit(req: RlsRequest): Promise<RlsResult> {
    // Validation first: nothing below may throw on hostile input.
    if (typeof req?.domain !== 'string' || req.domain === '') return countInvalid(invalid('rate limit domain must not be empty'));
    if (!Array.isArray(req.descriptors) || req.descriptors.length === 0) return countInvalid(invalid('rate limit descriptor list must not be empty'));
    if (!validHits(req.hitsAddend)) return countInvalid(invalid(`hits_addend must be a whole number from 0 to ${UINT32_MAX}`));
    const n = req.descriptors.length;
    for (let i = 0; i < n; i++) {
      const d = req.descriptors[i]!;
      if (!Array.isArray(d?.entries) || d.entries.length === 0) return countInvalid(invalid(`descriptor ${i} has no entries`));
      for (const e of d.entries) {
        if (typeof e?.key !== 'string' || e.key === '' || typeof e.value !== 'string') return countInvalid(invalid(`descriptor ${i} has an entry without a key`));
      }
      if (d.hitsAddend !== undefined && !validHits(d.hitsAddend)) return countInvalid(invalid(`descriptor ${i}: hits_addend must be a whole number from 0 to ${UINT32_MAX}`));
      if (d.limit) {
        if (d.limit.unit === 'UNKNOWN') return countInvalid(invalid(`descriptor ${i}: limit override has unit UNKNOWN`));
        if (!validHits(d.limit.requestsPerUnit)) return countInvalid(invalid(`descriptor ${i}: limit override requests_per_unit out of range`));
      }
    }

    const domain = domains.get(req.domain);
    if (!domain) {
      count('(unknown)', 'ok');
      return {
        kind: 'response',
        overallCode: 'OK',
        statuses: req.descriptors.map(() => ({ code: 'OK', limitRemaining: 0, durationUntilResetSeconds: 0 })),
        info: { unknownDomain: true },
      };
    }

    // Limits per descriptor, then `replaces` removes named limits (as envoyproxy/ratelimit does).
    const limits: Array<CompiledLimit | undefined> = new Array(n);
    const unlimited: boolean[] = new Array(n).fill(false);
    let replacing: Set<string> | undefined;
    for (let i = 0; i < n; i++) {
      const d = req.descriptors[i]!;
      let limit: CompiledLimit | undefined;
      if (d.limit) {
        limit = {
          requestsPerUnit: d.limit.requestsPerUnit,
          unit: d.limit.unit as CompiledLimit['unit'],
          unlimited: false,
          shadow: false,
          replaces: [],
          detailedMetric: false,
          failMode: opts.failMode,
          algorithm: 'fixed-window',
          fullKey: `${req.domain}.(override)`,
        };
      } else limit = matchLimit(domain, d);
      if (limit?.unlimited) {
        unlimited[i] = true;
        limit = undefined;
      }
      if (limit && limit.replaces.length > 0) {
        replacing ??= new Set();
        for (const r of limit.replaces) replacing.add(r);
      }
      limits[i] = limit;
    }
    if (replacing) {
      for (let i = 0; i < n; i++) {
        const name = limits[i]?.name;
        if (name !== undefined && replacing.has(name)) limits[i] = undefined;
      }
    }

    const ops: LimitOp[] = [];
    const opIndex: number[] = [];
    const tag = rlsTag(req.domain);
    let closedInvolved = false;
    for (let i = 0; i < n; i++) {
      const limit = limits[i];
      if (!limit) continue;
      const d = req.descriptors[i]!;
      const hits = d.hitsAddend !== undefined ? d.hitsAddend || 1 : req.hitsAddend || 1;
      ops.push({ key: rlsCounterKey(req.domain, d.entries), tag, algorithm: limit.algorithm, limit: limit.requestsPerUnit, windowMs: unitMs(limit.unit), hits });
      opIndex.push(i);
      if (limit.failMode === 'closed' && !limit.shadow) closedInvolved = true;
    }

    const statuses: RlsDescriptorStatus[] = new Array(n);
    for (let i = 0; i < n; i++) {
      statuses[i] = { code: 'OK', limitRemaining: unlimited[i] ? UINT32_MAX : 0, durationUntilResetSeconds: 0 };
    }
    if (ops.length === 0) {
      count(domain.name, 'ok');
      return { kind: 'response', overallCode: 'OK', statuses };
    }

    const outcome = await limiter.apply(ops);
    if (!outcome.ok) {
      const reason = `ratelimit.store_unavailable: ${outcome.reason}`;
      if (closedInvolved) {
        count(domain.name, 'unavailable');
        return { kind: 'error', grpcCode: 'UNAVAILABLE', message: `rate limit store unavailable (${outcome.reason})`, info: { degraded: [reason], failMode: 'closed' } };
      }
      count(domain.name, 'degraded');
      return { kind: 'response', overallCode: 'OK', statuses, info: { degraded: [reason], failMode: 'open' } };
    }

    let over = false;
    let shadow: boolean[] | undefined;
    let closest: { status: RlsDescriptorStatus; limit: CompiledLimit } | undefined;
    for (let k = 0; k < ops.length; k++) {
      const i = opIndex[k]!;
      const limit = limits[i]!;
      const r = outcome.results[k]!;
      const status: RlsDescriptorStatus = {
        code: 'OK',
        currentLimit: limit.name ? { requestsPerUnit: limit.requestsPerUnit, unit: limit.unit, name: limit.name } : { requestsPerUnit: limit.requestsPerUnit, unit: limit.unit },
        limitRemaining: r.remaining,
        durationUntilResetSeconds: Math.ceil(r.resetMs / 1000),
      };
      if (!r.allowed) {
        if (limit.shadow) {
          shadow ??= new Array(n).fill(false);
          shadow[i] = true;
        } else {
          status.code = 'OVER_LIMIT';
          over = true;
        }
      }
      statuses[i] = status;
      if (!closest || status.limitRemaining < closest.status.limitRemaining) closest = { status, limit };
    }
    const result: Extract<RlsResult, { kind: 'response' }> = { kind: 'response', overallCode: over ? 'OVER_LIMIT' : 'OK', statuses };
    if (shadow) result.info = { shadow };
    if (opts.responseHeaders && closest) {
      result.responseHeadersToAdd = [
        ['ratelimit-limit', String(closest.limit.requestsPerUnit)],
        ['ratelimit-remaining', String(closest.status.limitRemaining)],
        ['ratelimit-reset', String(closest.status.durationUntilResetSeconds)],
      ];
    }
    count(domain.name, over ? 'over_limit' : shadow ? 'shadow_over_limit' : 'ok');
    return result;
  };

  function countInvalid(r: RlsResult): RlsResult {
    count('(invalid)', 'invalid');
    return r;
  }
}
