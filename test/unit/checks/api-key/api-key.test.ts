import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiKeyCheck, type ApiKeySpec } from '../../../../src/checks/api-key/index.js';
import { PolicyError } from '../../../../src/config/types.js';
import type { Check, PassOutcome } from '../../../../src/pipeline/types.js';
import { makeCheckDeps, makeContext, makeRequest, type TestRequest } from '../../../helpers/request.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const MOBILE_KEY = 'mk_3f9a1c0e5b7d4a2f8e6c';
const PARTNER_KEY = 'pk_b2e4d6f8a0c2e4f6a8b0';

const spec: ApiKeySpec = {
  keys: [
    { consumer: 'mobile-app', sha256: sha(MOBILE_KEY), attributes: { tier: 'gold', team: 'mobile' } },
    { consumer: 'partner', key: { env: 'PORTCULLIS_TEST_PARTNER_KEY' } },
  ],
  headers: { 'x-consumer': 'consumer', 'x-consumer-tier': 'tier' },
};

async function compile(s: ApiKeySpec = spec, deps = makeCheckDeps()): Promise<Check> {
  process.env.PORTCULLIS_TEST_PARTNER_KEY = PARTNER_KEY;
  try {
    return await apiKeyCheck.compile(s, deps);
  } finally {
    delete process.env.PORTCULLIS_TEST_PARTNER_KEY;
  }
}

async function run(check: Check, t: TestRequest) {
  const ctx = makeContext();
  return { out: await check.run(makeRequest(t), ctx), ctx };
}

describe('api-key', () => {
  it('maps a key to its consumer: headers, principal, attributes', async () => {
    const check = await compile();
    const { out, ctx } = await run(check, { headers: { 'x-api-key': MOBILE_KEY } });
    expect(out).toMatchObject({ pass: true, headers: { set: { 'x-consumer': 'mobile-app', 'x-consumer-tier': 'gold' } }, notes: { consumer: 'mobile-app' } });
    expect(ctx.identity).toEqual({ principal: 'mobile-app', source: 'api-key', attributes: { tier: 'gold', team: 'mobile' } });
    // A key given from the environment was hashed at compile; an absent attribute sets no header.
    const partner = await run(check, { headers: { 'x-api-key': PARTNER_KEY } });
    expect((partner.out as PassOutcome).headers?.set).toEqual({ 'x-consumer': 'partner' });
    expect(partner.ctx.identity?.principal).toBe('partner');
  });

  it('refuses a missing key and a wrong key with 401, without echoing the key anywhere', async () => {
    const check = await compile();
    const missing = await run(check, {});
    expect(missing.out).toMatchObject({ pass: false, status: 401, code: 'apikey.missing', headers: { 'www-authenticate': 'Key realm="portcullis"' } });
    for (const wrong of ['mk_3f9a1c0e5b7d4a2f8e6d', MOBILE_KEY.slice(0, -1), `${MOBILE_KEY} `.repeat(2), sha(MOBILE_KEY)]) {
      const { out, ctx } = await run(check, { headers: { 'x-api-key': wrong } });
      expect(out).toMatchObject({ pass: false, status: 401, code: 'apikey.invalid' });
      expect(JSON.stringify(out)).not.toContain(wrong.trim());
      expect(ctx.identity).toBeUndefined();
    }
  });

  it('reads the key from a query parameter, and removes the key header when asked', async () => {
    const check = await compile({ ...spec, from: [{ header: 'x-key' }, { query: 'apikey' }], removeKey: true });
    expect((await run(check, { path: `/v1?apikey=${MOBILE_KEY}` })).out).toMatchObject({ pass: true });
    const viaHeader = await run(check, { headers: { 'x-key': MOBILE_KEY } });
    expect(viaHeader.out).toMatchObject({ pass: true, headers: { remove: ['x-key'] } });
    expect((await run(check, { headers: { 'x-api-key': MOBILE_KEY } })).out).toMatchObject({ code: 'apikey.missing' });
  });

  it('optional: anonymous without a key, refused with a bad one; denyBody override', async () => {
    const check = await compile({ ...spec, optional: true, denyBody: { error: 'Invalid API key' } });
    const anon = await run(check, {});
    expect(anon.out).toMatchObject({ pass: true });
    expect(anon.ctx.identity).toBeUndefined();
    expect((await run(check, { headers: { 'x-api-key': 'nope-nope-nope' } })).out).toMatchObject({ code: 'apikey.invalid', body: { error: 'Invalid API key' } });
  });

  it('loads hashed entries from a keys file', async () => {
    const deps = makeCheckDeps();
    writeFileSync(join(deps.policyDir, 'consumers.yaml'), `- consumer: batch\n  sha256: ${sha('batch-key-0123456789')}\n  attributes: { tier: bronze }\n`);
    const check = await compile({ keysFile: 'consumers.yaml', headers: { 'x-consumer-tier': 'tier' } }, deps);
    expect((await run(check, { headers: { 'x-api-key': 'batch-key-0123456789' } })).out).toMatchObject({ pass: true, headers: { set: { 'x-consumer-tier': 'bronze' } } });
  });

  it('reports policy mistakes at their key path', async () => {
    await expect(compile({ keys: [{ consumer: 'a', sha256: sha('x'), key: 'y'.repeat(20) }] })).rejects.toThrow(/keys\[0\]: set exactly one of sha256 and key/);
    await expect(compile({ keys: [{ consumer: 'a', sha256: 'abc' }] })).rejects.toThrow(/keys\[0\]\.sha256: must be 64 hex digits/);
    await expect(compile({ keys: [{ consumer: 'a', sha256: sha('k') }, { consumer: 'b', sha256: sha('k') }] })).rejects.toThrow(/same key is configured twice/);
    await expect(compile({ keys: [{ consumer: 'a', sha256: sha('k'), attributes: { t: 'x\r\ny' } }] })).rejects.toThrow(PolicyError);
    await expect(compile({ keys: [{ consumer: 'a\nb', sha256: sha('k') }] })).rejects.toThrow(/control characters/);
    await expect(compile({ keys: [] })).rejects.toThrow(/no API keys configured/);
    const deps = makeCheckDeps();
    writeFileSync(join(deps.policyDir, 'clear.yaml'), '- consumer: a\n  key: plaintext-key-123456\n');
    await expect(compile({ keysFile: 'clear.yaml' }, deps)).rejects.toThrow(/hashes only/);
    // A short inline key is accepted with warnings (inline secret, easy to guess).
    const d2 = makeCheckDeps();
    await compile({ keys: [{ consumer: 'a', key: 'short' }] }, d2);
    expect(d2.warnings.join('\n')).toMatch(/inline secret[\s\S]*shorter than 16/);
  });
});
