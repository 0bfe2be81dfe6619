/**
 * waf: the OWASP CRS at paranoia level 1 on a small benign GET, a 2 KiB benign JSON POST and an SQL injection
 * attack. Needs a CRS directory (PORTCULLIS_CRS_DIR); without one there is nothing to measure.
 */
import { envoyCheckRequest, type BenchScenario } from '../scenario.js';

const crsDir = process.env.PORTCULLIS_CRS_DIR;

const policy = `server: { grpc: 127.0.0.1:0, admin: 127.0.0.1:0 }
decisions: { stdout: false, sqlite: false }
default: { action: deny, status: 404 }
waf:
  rulesets:
    crs-pl1: { crs: { paranoia: 1, anomalyThreshold: 5 } }
routes:
  - name: api
    match: { path: { prefix: /api } }
    checks:
      - waf: { ruleset: crs-pl1 }
`;

const browserHeaders = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'accept-language': 'en-US,en;q=0.9',
};

/** The 2 KiB benign JSON body of the waf-crs-pl1-json-2k scenario (also used by waf-engine-cost.ts). */
export function jsonBody(i: number): string {
  const doc = {
    email: `user${i}@example.com`,
    name: `Ann Example ${i}`,
    address: { street: '1 Example Street', city: 'Oslo', zip: '0150', country: 'NO' },
    tags: ['early-adopter', 'beta', 'newsletter'],
    bio: '',
  };
  doc.bio = 'I like hiking, reading and long walks by the fjord. '.repeat(60).slice(0, 2048 - JSON.stringify(doc).length);
  return JSON.stringify(doc);
}

const env = crsDir ? { PORTCULLIS_CRS_DIR: crsDir } : undefined;

export const scenarios: BenchScenario[] = crsDir
  ? [
      {
        name: 'waf-crs-pl1-small-get',
        target: 'check',
        policy,
        env,
        request: (i) => envoyCheckRequest({ path: `/api/users/${i % 100}?page=${1 + (i % 7)}&sort=name`, headers: browserHeaders }),
        targets: { minThroughputRatio: 0.3 },
      },
      {
        name: 'waf-crs-pl1-json-2k',
        target: 'check',
        policy,
        env,
        request: (i) => {
          const body = jsonBody(i);
          return envoyCheckRequest({ method: 'POST', path: '/api/users', headers: { ...browserHeaders, 'content-type': 'application/json', 'content-length': String(body.length) }, body });
        },
      },
      {
        name: 'waf-crs-pl1-attack',
        target: 'check',
        policy,
        env,
        request: (i) => envoyCheckRequest({ path: `/api/users?id=${i}%27%20UNION%20SELECT%20password%20FROM%20users--`, headers: browserHeaders }),
      },
    ]
  : [];
