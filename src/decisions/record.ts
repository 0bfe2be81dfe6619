/**
 * Decision records: one per Check and one per ShouldRateLimit. Records are facts for operators; they never
 * carry secrets (see redact.ts), and they are written asynchronously by sinks.
 */
import type { CheckResult } from '../pipeline/types.js';

export interface CheckDecisionRecord {
  type: 'check';
  id: string;
  /** ISO 8601 time the decision was made. */
  time: string;
  requestId: string;
  traceparent?: string;
  route: string;
  method: string;
  host: string;
  /** The path with query values redacted. */
  path: string;
  clientIp: string;
  principal?: string;
  verdict: 'allow' | 'deny';
  status: number;
  code?: string;
  checks: CheckResult[];
  /** WAF rule ids that matched (detection-only matches included). */
  ruleIds?: string[];
  /** Rate-limit state, when a limit was consulted. */
  ratelimit?: Record<string, unknown>;
  /** A shadow-mode check that would have denied. */
  shadowDenied?: { check: string; code: string };
  degraded?: string[];
  /** Microseconds spent deciding. */
  latencyUs: number;
}

export interface RateLimitDecisionRecord {
  type: 'ratelimit';
  id: string;
  time: string;
  domain: string;
  /** Descriptor entries; values redacted per config. */
  descriptors: Array<{ entries: Array<{ key: string; value: string }>; hitsAddend?: number }>;
  verdict: 'allow' | 'deny';
  overallCode: 'OK' | 'OVER_LIMIT' | 'UNAVAILABLE';
  statuses: Array<{ code: 'OK' | 'OVER_LIMIT'; limit?: string; remaining?: number; resetSeconds?: number; shadow?: boolean }>;
  failMode?: 'open' | 'closed';
  degraded?: string[];
  latencyUs: number;
  /** Empty for RLS: Envoy sends no HTTP fields on ShouldRateLimit. */
  route: '';
  clientIp: '';
}

export type DecisionRecord = CheckDecisionRecord | RateLimitDecisionRecord;

/** Where records go. `write` must not block: sinks buffer and flush on their own schedule. */
export interface DecisionSink {
  readonly name: string;
  write(records: readonly DecisionRecord[]): void | Promise<void>;
  flush?(): Promise<void>;
  close(): Promise<void>;
  /** Readiness reasons (empty when healthy), e.g. a store that cannot be written. */
  readiness?(): string[];
}
