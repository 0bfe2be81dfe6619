import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyCheckRequest, startTestServer, type TestServer } from '../../helpers/server.js';

const policy = (route: string) => `
default: { action: deny, status: 404 }
routes:
  - name: ${route}
    match: { path: { prefix: /api } }
    checks:
      - headers: { require: { x-request-id: true } }
`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(policy('v1'), { watch: true });
});
afterAll(async () => {
  await s.close();
});

const routeOf = (res: any) => res.dynamic_metadata?.fields?.route?.stringValue;

describe('hot reload', () => {
  it('swaps the policy on POST /reload and keeps serving; an invalid file keeps the old policy', async () => {
    writeFileSync(s.policyFile, policy('v2'));
    const r = await s.admin('/reload', { method: 'POST' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).changed).toBe(true);
    expect(routeOf(await s.check(envoyCheckRequest({ path: '/api/x' })))).toBe('v2');

    writeFileSync(s.policyFile, policy('v3').replace('prefix: /api', 'prefix: api'));
    const bad = await s.admin('/reload', { method: 'POST' });
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as any;
    expect(body.error).toBe('config.reload_failed');
    expect(body.errors[0]).toMatch(/^policy\.yaml:5 routes\[0\]\.match\.path\.prefix: must start with \//);
    expect(routeOf(await s.check(envoyCheckRequest({ path: '/api/x' })))).toBe('v2');
    const ready = (await (await s.admin("/readyz")).json()) as any;
    expect(ready.reasons.join(' ')).toMatch(/last reload failed/);
    const metrics = await (await s.admin('/metrics')).text();
    expect(metrics).toMatch(/portcullis_policy_reloads_total\{result="failure"\} [1-9]/);
  });

  it('reloads on file change (atomic rename, as ConfigMaps do) with zero failed calls under load', async () => {
    let failures = 0;
    let calls = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const batch = await Promise.allSettled(Array.from({ length: 8 }, () => s.check(envoyCheckRequest({ path: '/api/x' }))));
        for (const b of batch) {
          calls++;
          if (b.status === 'rejected' || b.value.status.code !== 0) failures++;
        }
      }
    })();
    for (let i = 0; i < 5; i++) {
      const tmp = join(s.dir, `.policy.${i}.tmp`);
      writeFileSync(tmp, policy(`w${i}`));
      renameSync(tmp, s.policyFile);
      await new Promise((r) => setTimeout(r, 350));
    }
    stop = true;
    await loop;
    expect(calls).toBeGreaterThan(50);
    expect(failures).toBe(0);
    expect(routeOf(await s.check(envoyCheckRequest({ path: '/api/x' })))).toBe('w4');
  });

  it('shows the effective config with its hash', async () => {
    const cfg = (await (await s.admin("/config")).json()) as any;
    expect(cfg.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(cfg.policy.routes[0].name).toBe('w4');
  });
});
