/** The core scenario: one route whose only check is `headers`; the cost of the gRPC edge and pipeline itself. */
import { envoyCheckRequest, type BenchScenario } from '../scenario.js';

export const scenario: BenchScenario = {
  name: 'headers-only',
  target: 'check',
  policy: `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0 }
decisions: { stdout: false, sqlite: false }   # the decision store has its own scenarios (decisions-*)
default: { action: deny, status: 404 }
routes:
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - headers: { require: { x-request-id: true } }
`,
  request: (i) =>
    envoyCheckRequest({
      path: `/api/users/${i}?page=${i % 7}`,
      headers: { 'x-request-id': `bench-${i}`, 'accept-encoding': 'gzip', 'x-forwarded-for': `198.51.100.${i % 250}` },
      sourceIp: `203.0.113.${i % 250}`,
    }),
  targets: { minThroughputRatio: 0.85, maxCpuRatio: 1.3 },
};
