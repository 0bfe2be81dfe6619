/**
 * jwt-auth on the typical gateway route: an RS256 bearer token verified against a static public key, identity
 * headers injected and Authorization stripped. Once with the verified-token cache (clients reuse tokens), once
 * with `cache: false` (one signature check per request).
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { envoyCheckRequest, type BenchScenario } from '../scenario.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ISSUER = 'https://auth.example.com';

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function token(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid: 'bench' })}.${b64url({ iss: ISSUER, sub, roles: ['reader', 'writer'], iat: now, exp: now + 3600 })}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

// A realistic population: 32 clients, each reusing its token.
const tokens = Array.from({ length: 32 }, (_, i) => token(`user-${i}`));

function policy(cache: string): string {
  return `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0, httpAuthz: false }
decisions: { stdout: false, sqlite: false }
default: { action: deny, status: 404 }
identityHeaders: [x-user-id, x-user-roles, x-authenticated]
providers:
  jwt:
    main:
      issuer: ${ISSUER}
      keys: { pem: ${JSON.stringify(publicPem)}, kid: bench }
      algorithms: [RS256]
      cache: ${cache}
routes:
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - jwt-auth:
          provider: main
          headers: { x-user-id: sub, x-user-roles: roles }
          authenticatedHeader: x-authenticated
          removeAuthorization: true
          denyBody: { error: Invalid token }
`;
}

const request = (i: number) =>
  envoyCheckRequest({
    path: `/api/users/${i}`,
    headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, 'x-request-id': `bench-${i}` },
    sourceIp: `203.0.113.${i % 250}`,
  });

export const scenarios: BenchScenario[] = [
  { name: 'jwt-rs256-cached', target: 'check', policy: policy('{ maxEntries: 10000 }'), request, targets: { minThroughputRatio: 0.8 } },
  { name: 'jwt-rs256-uncached', target: 'check', policy: policy('false'), request, targets: { minThroughputRatio: 0.5 } },
];
