/** Small conversions from policy values to the shapes Envoy's YAML takes. */
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { PolicyError } from '../config/types.js';
import { parseDuration, parseSize } from '../lib/units.js';
import type { DurationValue, SizeValue } from './spec.js';

/** Milliseconds -> a protobuf JSON duration (`0.2s`), exact to the nanosecond. */
export function envoyDuration(ms: number): string {
  const nanos = Math.round(ms * 1e6);
  const seconds = Math.floor(nanos / 1e9);
  const frac = nanos % 1e9;
  return frac === 0 ? `${seconds}s` : `${seconds}.${String(frac).padStart(9, '0').replace(/0+$/, '')}s`;
}

export function durationMs(value: DurationValue, at: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new PolicyError(at, `not a duration: ${String(value)}`);
  }
}

/** Envoy keeps buffer limits in uint32 fields. */
const UINT32_MAX = 4294967295;

export function sizeBytes(value: SizeValue, at: string): number {
  let n: number;
  try {
    n = parseSize(value);
  } catch {
    throw new PolicyError(at, `not a size: ${String(value)}`);
  }
  if (!Number.isSafeInteger(n) || n < 1) throw new PolicyError(at, 'must be at least 1 byte');
  if (n > UINT32_MAX) throw new PolicyError(at, 'Envoy cannot buffer more than 4 GiB - 1 bytes');
  return n;
}

export interface HostPort {
  host: string;
  port: number;
}

export function splitHostPort(text: string, at: string): HostPort {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([^\s:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new PolicyError(at, `not host:port: ${text}`);
  return { host: m[1]!, port };
}

/** Where Envoy itself should connect for a bind address: a wildcard bind means "this host". */
export function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

export function isIpAddress(host: string): boolean {
  return isIP(host) !== 0;
}

export function socketAddress(host: string, port: number): { socket_address: { address: string; port_value: number } } {
  return { socket_address: { address: host, port_value: port } };
}

/** A file as Envoy sees it: relative paths live under `filesDir` (Envoy's view of the policy folder). */
export function envoyFile(filesDir: string, path: string): { filename: string } {
  return { filename: path.startsWith('/') ? path : posix.join(filesDir, path) };
}

/** RE2 literal. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
