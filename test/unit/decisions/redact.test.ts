import { describe, expect, it } from 'vitest';
import { compileRedactor, redactPathQuery } from '../../../src/decisions/redact.js';
import type { CheckDecisionRecord, RateLimitDecisionRecord } from '../../../src/decisions/record.js';
import { makeRequest } from '../../helpers/request.js';

const base: CheckDecisionRecord = {
  type: 'check', id: 'd1', time: '2026-01-01T00:00:00.000Z', requestId: 'r1', route: 'r', method: 'GET', host: 'api.example.com',
  path: '/x', clientIp: '10.0.0.1', verdict: 'deny', status: 403, checks: [], latencyUs: 10,
};

describe('redaction', () => {
  const r = compileRedactor({ headers: ['x-session'], queryParams: ['ssn'], bodyFields: ['card_number'], descriptorKeys: ['user_id'] });

  it('knows secret names in any spelling, plus configured ones', () => {
    for (const n of ['Authorization', 'cookie', 'X-API-Key', 'api_key', 'apiKey', 'password', 'user_password', 'client_secret', 'access_token', 'refresh-token', 'x-session', 'SSN', 'card-number'])
      expect(r.isSecretName(n), n).toBe(true);
    for (const n of ['page', 'user', 'route', 'code', 'method']) expect(r.isSecretName(n), n).toBe(false);
  });

  it('replaces every query value of a recorded path', () => {
    expect(redactPathQuery('/a/b?x=1&password=hunter2&flag&y=')).toBe('/a/b?x=*&password=*&flag&y=*');
    expect(redactPathQuery('/a/b')).toBe('/a/b');
  });

  it.each([
    ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefgh', 'eyJhbGciOiJIUzI1NiJ9'],
    ['token was eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefgh here', 'eyJzdWIiOiJ4In0'],
    // No ':', '=' or JWT: only the auth scheme gives these away.
    ['upstream rejected token abcd1234efgh', 'abcd1234efgh'],
    ['sent ApiKey ZXhhbXBsZWtleQ twice', 'ZXhhbXBsZWtleQ'],
    ['Authorization: Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
    ['cookie: session=abc123def; theme=dark', 'abc123def'],
    ['user=bob&password=hunter22&page=2', 'hunter22'],
    ['{"user":"bob","password":"hunter22","n":1}', 'hunter22'],
    ['{"user":"bob","card_number":"4111111111111111"', '4111111111111111'],
    ['{"pin": 123456}', '123456'],
    ['Matched Data: hunter22 found within ARGS:password: hunter22', 'hunter22'],
    ['x-session: s-123456', 's-123456'],
  ])('scrubs %j', (input, secret) => {
    const out = r.text(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(r.text('SQL injection detected in ARGS:q (942100)')).toBe('SQL injection detected in ARGS:q (942100)');
    expect(r.text('page=2&sort=name')).toBe('page=2&sort=name');
  });

  it('redacts notes by key, keeps structure and rate-limit keys', () => {
    const rec = r.record({
      ...base,
      path: '/login?password=x1y2z3',
      checks: [{ name: 'waf', kind: 'waf', result: 'deny', ms: 1, notes: { waf: { matched: [{ id: 1, var: 'ARGS:password', data: 'zz-top-secret' }, { id: 2, var: 'ARGS:q', data: 'union select' }] } } }],
      ratelimit: { key: 'consumer:alice', apiKey: 'k-abcdef', remaining: 3, shadow: true },
    }) as CheckDecisionRecord;
    expect(rec.path).toBe('/login?password=*');
    const matched = (rec.checks[0]!.notes!.waf as { matched: Array<Record<string, unknown>> }).matched;
    expect(matched[0]).toEqual({ id: 1, var: 'ARGS:password', data: '[redacted]' });
    expect(matched[1]).toEqual({ id: 2, var: 'ARGS:q', data: 'union select' });
    expect(rec.ratelimit).toEqual({ key: 'consumer:alice', apiKey: '[redacted]', remaining: 3, shadow: true });
  });

  it('scrubs the literal secrets of the source request wherever they appear', () => {
    const req = makeRequest({
      method: 'POST', path: '/p?token=qq-abc-123', headers: { 'x-api-key': 'plainkey-9876', cookie: 'sid=cookie-val-55', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=a&password=form-pass-77',
    });
    const rec = r.record({ ...base, checks: [{ name: 'c', kind: 'c', result: 'deny', ms: 1, reason: 'saw plainkey-9876 cookie-val-55 qq-abc-123 form-pass-77 in odd places' }] }, req) as CheckDecisionRecord;
    expect(rec.checks[0]!.reason).toBe('saw [redacted] [redacted] [redacted] [redacted] in odd places');
  });

  it('redacts rate-limit descriptor values by key', () => {
    const rls: RateLimitDecisionRecord = {
      type: 'ratelimit', id: 'x', time: base.time, domain: 'edge', verdict: 'allow', overallCode: 'OK', statuses: [], latencyUs: 5, route: '', clientIp: '',
      descriptors: [{ entries: [{ key: 'remote_address', value: '10.0.0.1' }, { key: 'user_id', value: 'u-77' }, { key: 'x-api-key', value: 'secretkey1' }] }],
    };
    const out = r.record(rls) as RateLimitDecisionRecord;
    expect(out.descriptors[0]!.entries).toEqual([{ key: 'remote_address', value: '10.0.0.1' }, { key: 'user_id', value: '[redacted]' }, { key: 'x-api-key', value: '[redacted]' }]);
  });

  it('does not mutate the record it was given', () => {
    const rec = { ...base, checks: [{ name: 'c', kind: 'c', result: 'pass' as const, ms: 1, notes: { password: 'p-123456' } }] };
    r.record(rec);
    expect(rec.checks[0]!.notes.password).toBe('p-123456');
  });

  it('copies only what it changes: a secret in the path, or in one check reason', () => {
    const req = makeRequest({ method: 'GET', path: '/keys/k-secret-4242', headers: { authorization: 'Bearer k-secret-4242' } });
    const plain = { ...base, checks: [{ name: 'a', kind: 'a', result: 'pass' as const, ms: 1 }, { name: 'b', kind: 'b', result: 'deny' as const, ms: 1, reason: 'missing header x-b' }] };
    expect(r.record(plain, req)).toBe(plain);
    const leaky = { ...plain, path: '/keys/k-secret-4242', checks: [...plain.checks, { name: 'c', kind: 'c', result: 'deny' as const, ms: 1, reason: 'bad key k-secret-4242' }] };
    const out = r.record(leaky, req) as CheckDecisionRecord;
    expect(out).not.toBe(leaky);
    expect(out.path).toBe('/keys/[redacted]');
    expect(out.checks[0]).toBe(leaky.checks[0]);
    expect(out.checks[2]!.reason).toBe('bad key [redacted]');
    expect(leaky.path).toBe('/keys/k-secret-4242');
    expect(leaky.checks[2]!.reason).toBe('bad key k-secret-4242');
  });
});

describe('secrets of partial bodies', () => {
  it('reads name/value pairs from a body Envoy cut short', () => {
    const r = compileRedactor();
    const req = makeRequest({ method: 'POST', path: '/p', headers: { 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'true' }, body: '{"user":"a","password":"part-secret-99","note":"x' });
    expect(r.secretsOf(req)).toContain('part-secret-99');
    const form = makeRequest({ method: 'POST', path: '/p', headers: { 'content-type': 'text/plain' }, body: 'a=1&client_secret=s%2Fcr3t+v&b=2' });
    expect(r.secretsOf(form)).toEqual(expect.arrayContaining(['s%2Fcr3t+v', 's/cr3t v']));
  });
});

describe('secrets of query parameters', () => {
  it('takes the decoded values of secret-named parameters, names decoded too, and nothing else', () => {
    const r = compileRedactor({ queryParams: ['ssn'] });
    const req = makeRequest({ method: 'GET', path: '/p?%74oken=abcd1234&api+key=k%2Fey5x&x=public-value&password&ssn=123-45-6789&&=orphan&Access_Token=a+b+c+d', headers: {} });
    const secrets = r.secretsOf(req);
    expect(secrets).toEqual(expect.arrayContaining(['abcd1234', 'k/ey5x', '123-45-6789', 'a b c d']));
    expect(secrets).not.toContain('public-value');
    expect(secrets).not.toContain('orphan');
  });
});
