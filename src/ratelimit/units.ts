/**
 * Time units of limits. Windows are aligned to the Unix epoch and a month is 30 days, a year 365 days, exactly
 * as envoyproxy/ratelimit counts them, so counters and `duration_until_reset` agree with it.
 */
import type { RateLimitUnit } from './rls-types.js';

export const UNIT_SECONDS: Readonly<Record<RateLimitUnit, number>> = {
  SECOND: 1,
  MINUTE: 60,
  HOUR: 3600,
  DAY: 86_400,
  WEEK: 604_800,
  MONTH: 30 * 86_400,
  YEAR: 365 * 86_400,
};

export const UNITS = Object.keys(UNIT_SECONDS) as RateLimitUnit[];

/** `minute`, `MINUTE`, `Minute` -> `MINUTE`; undefined when not a unit. */
export function parseUnit(value: unknown): RateLimitUnit | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return Object.prototype.hasOwnProperty.call(UNIT_SECONDS, upper) ? (upper as RateLimitUnit) : undefined;
}

export function unitMs(unit: RateLimitUnit): number {
  return UNIT_SECONDS[unit] * 1000;
}
