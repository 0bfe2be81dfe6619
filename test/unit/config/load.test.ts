import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../src/config/load.js';

const base = `
default: { action: deny, status: 404 }
routes:
  - name: users
    match: { path: { prefix: /api/users }, methods: [GET, POST] }
    checks:
      - headers: { require: { x-request-id: true } }
`;

describe('loadPolicy', () => {
  it('accepts a valid policy', () => {
    const r = parsePolicyText(base, '/p/policy.yaml');
    expect(r.ok).toBe(true);
  });

  it('names file, line and key path for a bad value', () => {
    const r = parsePolicyText(base.replace('prefix: /api/users', 'prefix: api/users'), '/p/policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContain('policy.yaml:5 routes[0].match.path.prefix: must start with /');
  });

  it('rejects unknown keys and unknown check kinds with their lines', () => {
    const text = base + `    bogus: 1\n  - name: other\n    match: {}\n    checks:\n      - nosuch: {}\n`;
    const r = parsePolicyText(text, '/p/policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toContain("policy.yaml:8 routes[0].bogus: unknown key 'bogus'");
      expect(r.errors).toContain("policy.yaml:12 routes[1].checks[0].nosuch: unknown check kind 'nosuch'");
    }
  });

  it('reports YAML syntax errors with a line', () => {
    const r = parsePolicyText('routes: [\n  - a: b\n', '/p/policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^policy\.yaml:\d+ /);
  });

  it('rejects a mapping-less document and duplicate keys', () => {
    expect(parsePolicyText('- 1\n', '/p/policy.yaml').ok).toBe(false);
    const dup = parsePolicyText('routes: []\nroutes: []\n', '/p/policy.yaml');
    expect(dup.ok).toBe(false);
  });

  it('requires the common check keys to have the right type', () => {
    const r = parsePolicyText(base.replace('- headers: { require', '- headers: { onError: maybe, require'), '/p/policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/routes\[0\]\.checks\[0\]\.headers\.onError: must be one of "deny", "allow"/);
  });
});
