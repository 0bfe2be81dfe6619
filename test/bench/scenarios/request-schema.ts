/** request-schema: a route validating a 1 KiB JSON body (and a query parameter) against a typical user schema. */
import { envoyCheckRequest, type BenchScenario } from '../scenario.js';

const policy = `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0 }
decisions: { stdout: false, sqlite: false }
default: { action: deny, status: 404 }
routes:
  - name: users
    match: { path: { prefix: /api/users } }
    checks:
      - request-schema:
          bodyRequired: [POST]
          query: { page: { type: integer, minimum: 1 } }
          body:
            type: object
            required: [password]
            properties:
              email: { type: string, format: email, maxLength: 255 }
              password: { type: string, minLength: 8, maxLength: 128 }
              name: { type: string, maxLength: 200 }
              phone: { type: string, pattern: '^[+][0-9 ]{6,20}$' }
              birthDate: { type: string, format: date }
              newsletter: { type: boolean }
              address:
                type: object
                required: [city, country]
                properties:
                  street: { type: string, maxLength: 200 }
                  city: { type: string, maxLength: 100 }
                  zip: { type: string, maxLength: 20 }
                  country: { type: string, minLength: 2, maxLength: 2 }
              tags: { type: array, maxItems: 20, items: { type: string, maxLength: 40 } }
              bio: { type: string, maxLength: 2000 }
`;

function body(i: number): string {
  const user = {
    email: `user${i}@example.com`,
    password: `correct-horse-battery-${i}`,
    name: `Ann Example ${i}`,
    phone: '+47 22 33 44 55',
    birthDate: '1990-04-12',
    newsletter: i % 2 === 0,
    address: { street: '1 Example Street', city: 'Oslo', zip: '0150', country: 'NO' },
    tags: ['early-adopter', 'beta', 'newsletter', 'mobile'],
    bio: '',
  };
  const base = JSON.stringify(user).length;
  user.bio = 'x'.repeat(Math.max(0, 1024 - base));
  return JSON.stringify(user);
}

export const scenario: BenchScenario = {
  name: 'request-schema-1k-json',
  target: 'check',
  policy,
  request: (i) =>
    envoyCheckRequest({
      method: 'POST',
      path: `/api/users?page=${1 + (i % 7)}`,
      headers: { 'content-type': 'application/json', 'x-request-id': `bench-${i}` },
      body: body(i),
      sourceIp: `203.0.113.${i % 250}`,
    }),
  targets: { minThroughputRatio: 0.8 },
};
