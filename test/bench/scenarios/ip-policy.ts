/** ip-policy with 10,000 CIDRs (IPv4 and IPv6) and a deny list, judging varied client addresses. */
import { envoyCheckRequest, type BenchScenario } from '../scenario.js';

const allow: string[] = [];
for (let i = 0; i < 8000; i++) allow.push(`10.${i >> 8}.${i & 255}.0/24`);
for (let i = 0; i < 2000; i++) allow.push(`2001:db8:${i.toString(16)}::/48`);
const deny = Array.from({ length: 500 }, (_, i) => `10.${i >> 4}.${i & 15}.42`);

const policy = `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0, httpAuthz: false }
decisions: { stdout: false, sqlite: false }
default: { action: deny, status: 404 }
routes:
  - name: internal
    match: { path: { prefix: /api/internal/ } }
    checks:
      - ip-policy:
          allow: ${JSON.stringify(allow)}
          deny: ${JSON.stringify(deny)}
`;

export const scenario: BenchScenario = {
  name: 'ip-policy-10k-cidrs',
  target: 'check',
  policy,
  request: (i) =>
    envoyCheckRequest({
      path: `/api/internal/items/${i}`,
      headers: { 'x-request-id': `bench-${i}` },
      // Mostly allowed addresses spread over the list, one in eight an IPv6 client.
      sourceIp: i % 8 === 7 ? `2001:db8:${((i * 7) % 2000).toString(16)}::${i % 100}` : `10.${(i * 13) % 31}.${(i * 7) % 256}.${1 + (i % 200)}`,
    }),
  targets: { minThroughputRatio: 0.85 },
};
