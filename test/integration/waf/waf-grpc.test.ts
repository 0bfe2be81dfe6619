/**
 * The waf check through a real Portcullis over gRPC, requests shaped as Envoy sends them: the example custom
 * rules, a partial-body policy, and (with a CRS directory) CRS at paranoia level 1 shared by two routes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyCheckRequest, startTestServer, type TestServer } from '../../helpers/server.js';

const customRules = readFileSync(fileURLToPath(new URL('../../../envoy/rules/custom.conf', import.meta.url)), 'utf8');
const crsDir = process.env.PORTCULLIS_CRS_DIR;

const policy = (withCrs: boolean) => `
default: { action: deny, status: 404 }
waf:
  rulesets:
    custom: { rules: [custom.conf] }
    strict-body: { rules: [custom.conf], partialBody: deny }
${withCrs ? '    crs-pl1: { crs: { paranoia: 1 } }' : ''}
routes:
  - name: api
    match: { path: { prefix: /api } }
    checks:
      - waf: { ruleset: custom }
  - name: upload
    match: { path: { prefix: /upload } }
    checks:
      - waf: { ruleset: strict-body }
${withCrs ? `  - name: shop
    match: { path: { prefix: /shop } }
    checks:
      - waf: { ruleset: crs-pl1 }
  - name: blog
    match: { path: { prefix: /blog } }
    checks:
      - waf: { ruleset: crs-pl1 }` : ''}
`;

const error = (res: any) => (res.denied_response ? JSON.parse(res.denied_response.body).error : undefined);

describe('waf over gRPC', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(policy(!!crsDir), { files: { 'custom.conf': customRules }, crsDir });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('denies SQL injection in the raw target and script tags in a JSON body with 403 waf.blocked', async () => {
    const sqli = await s.check(envoyCheckRequest({ path: '/api/users?id=1%20UNION%20SELECT%20password%20FROM%20users' }));
    expect(sqli.denied_response.status.code).toBe('Forbidden');
    expect(error(sqli)).toBe('waf.blocked');
    const xss = await s.check(envoyCheckRequest({ method: 'POST', path: '/api/comments', headers: { 'content-type': 'application/json' }, body: '{"text":"<script>alert(1)</script>"}' }));
    expect(error(xss)).toBe('waf.blocked');
  });

  it('allows benign look-alikes', async () => {
    for (const path of ['/api/users?sort=selected', '/api/docs/selection/from', '/api/search?q=javascript+book']) {
      const res = await s.check(envoyCheckRequest({ path }));
      expect(res.status.code, path).toBe(0);
    }
  });

  it('refuses a partial body with 413 where configured', async () => {
    const res = await s.check(envoyCheckRequest({ method: 'POST', path: '/upload', headers: { 'content-type': 'application/json' }, body: '{"a":"', partial: true }));
    expect(res.denied_response.status.code).toBe('PayloadTooLarge');
    expect(error(res)).toBe('waf.body_partial');
  });

  it('runs CRS at paranoia level 1 on routes sharing one rule set', async () => {
    if (!crsDir) {
      // Without a CRS download only the custom rules run; CI always provides one.
      expect(process.env.CI, 'PORTCULLIS_CRS_DIR must be set in CI').toBeFalsy();
      return;
    }
    for (const prefix of ['/shop', '/blog']) {
      const attack = await s.check(envoyCheckRequest({ path: `${prefix}/item?id=1%27%20OR%201%3D1--` }));
      expect(error(attack), prefix).toBe('waf.blocked');
      const benign = await s.check(envoyCheckRequest({ path: `${prefix}/item?id=42&sort=price`, headers: { 'accept-language': 'en-US,en;q=0.9' } }));
      expect(benign.status.code, prefix).toBe(0);
    }
  });
});
