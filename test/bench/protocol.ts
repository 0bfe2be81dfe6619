/** Messages between the bench runner and its child processes (JSON over the IPC channel). */

export const METHOD_PATHS = {
  check: '/envoy.service.auth.v3.Authorization/Check',
  rls: '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit',
} as const;

export interface LoadJob {
  address: string;
  target: 'check' | 'rls';
  /** Pre-serialized requests (base64), cycled through; the generator does no protobuf work per call. */
  requests: string[];
  concurrency: number;
  /** HTTP/2 connections the calls are spread over (Envoy keeps a few per worker). */
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Offer this many calls per second in all (paced) instead of keeping every worker busy; 0 = saturate. */
  rate: number;
  /** Stop early after this many measured calls. */
  maxRequests: number;
  /** The server's pid, whose CPU time is read at the edges of the measured window. */
  serverPid: number;
}

export interface LoadResult {
  calls: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  cpuSeconds: number;
  p50Ms: number;
  p99Ms: number;
  /** A few raw responses (base64) for the runner to decode and show what the server answered. */
  samples: string[];
}
