/**
 * A benchmark scenario is data: a policy, a request generator and the targets the candidate must meet against
 * the no-op baseline. Files in test/bench/scenarios/ export `scenario` or `scenarios`; run.ts loads them all.
 */
export interface BenchTargets {
  /** Candidate throughput / baseline throughput must be at least this. */
  minThroughputRatio?: number;
  /** Candidate CPU time per request / baseline CPU time per request must be at most this. */
  maxCpuRatio?: number;
}

/**
 * A second Portcullis configuration the candidate is measured against directly (e.g. the same route with the
 * decision store off): both run in the same rounds, next to each other, so the ratio of the two is not the
 * quotient of two baseline ratios taken minutes apart.
 */
export interface BenchReference {
  /** What the reference is, in a few words ("store off"). */
  label: string;
  policy: string;
  env?: Record<string, string>;
  /** Candidate throughput / reference throughput must be at least this. */
  minThroughputRatio?: number;
}

export interface BenchScenario {
  /** Unique, kebab-case; `npm run bench -- <filter>` selects scenarios whose name contains the filter. */
  name: string;
  /** Which RPC the load generator drives: Authorization/Check or RateLimitService/ShouldRateLimit. */
  target: 'check' | 'rls';
  /**
   * YAML text of the policy file, written to a temp dir before the server starts. It may reference files by
   * absolute paths the scenario computes (e.g. from import.meta.url); `server:` addresses are overridden on the command line.
   */
  policy: string;
  /**
   * The i-th request, a CheckRequest or RateLimitRequest in proto-loader object form (keepCase, snake_case
   * fields). Called up front for a bounded pool of requests, not per call, so it may be slow.
   */
  request(i: number): object;
  targets?: BenchTargets;
  /** Optional: how many distinct requests to pre-build (default 256); the generator cycles through them. */
  distinctRequests?: number;
  /** Optional environment for the candidate server (e.g. a CRS directory). */
  env?: Record<string, string>;
  /** Optional: also run this configuration in every round and report candidate / reference throughput. */
  reference?: BenchReference;
  /**
   * Optional: run at least this many rounds whatever `--rounds` says. A target near the effect it judges needs
   * them: one round's ratio varies by about ±0.05 on a shared 2-core machine, the median of 5 by about ±0.03.
   */
  minRounds?: number;
  /**
   * Optional: measure each run this long instead of `--duration`. The machine's slowdowns come in bursts of a
   * second or so; shorter runs, and more rounds of them, put a candidate and its reference closer in time.
   */
  durationMs?: number;
}

/** The scenario with its reference as the candidate: nothing differs, so the reference ratio should read 1.00. */
export function selfCheck(s: BenchScenario, reference: BenchReference): BenchScenario {
  return { ...s, name: `${s.name}-self-check`, policy: reference.policy, env: reference.env, targets: undefined, reference: { ...reference, minThroughputRatio: undefined } };
}

/** A CheckRequest in proto-loader object form, as Envoy's ext_authz filter sends it (headers map mode). */
export function envoyCheckRequest(opts: {
  method?: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  sourceIp?: string;
  contextExtensions?: Record<string, string>;
}): object {
  const method = opts.method ?? 'GET';
  const host = opts.host ?? 'api.example.com';
  const headers: Record<string, string> = {
    ':authority': host,
    ':method': method,
    ':path': opts.path,
    ':scheme': 'https',
    'user-agent': 'bench/1.0',
    'accept': 'application/json',
    'x-forwarded-proto': 'https',
    'x-request-id': '6a1f2b7e-9c0d-4e5f-8a1b-2c3d4e5f6a7b',
    ...opts.headers,
  };
  const http: Record<string, unknown> = {
    id: '1234567890',
    method,
    headers,
    path: opts.path,
    host,
    scheme: 'https',
    protocol: 'HTTP/1.1',
  };
  if (opts.body !== undefined) {
    http.raw_body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    http.size = (http.raw_body as Buffer).length;
    headers['x-envoy-auth-partial-body'] = 'false';
  }
  return {
    attributes: {
      source: { address: { socket_address: { address: opts.sourceIp ?? '203.0.113.7', port_value: 51234 } } },
      destination: { address: { socket_address: { address: '10.0.0.5', port_value: 8443 } } },
      request: { time: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, http },
      context_extensions: opts.contextExtensions ?? {},
    },
  };
}
