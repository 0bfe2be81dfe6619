/**
 * The per-route `rate-limit` check inside Authorization/Check, with the example policy's windows (1000 a minute
 * and 50000 an hour, both enforced) raised so that counting, not denying, is measured; memory store, 256 clients.
 */
import { envoyCheckRequest, type BenchScenario } from '../scenario.js';

export const scenario: BenchScenario = {
  name: 'rate-limit-check-memory',
  target: 'check',
  policy: `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0, httpAuthz: false }
decisions: { stdout: false, sqlite: false }
ratelimit: { store: memory, failMode: open }
default: { action: deny, status: 404 }
routes:
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - rate-limit: { limits: { minute: 100000000, hour: 4000000000 }, by: ip }
`,
  request: (i) =>
    envoyCheckRequest({
      path: `/api/users/${i}`,
      headers: { 'x-request-id': `bench-${i}` },
      sourceIp: `203.0.113.${i % 256}`,
    }),
  targets: { minThroughputRatio: 0.85 },
};
