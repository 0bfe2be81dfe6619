/**
 * envoy/envoy.yaml is what render-envoy makes of the example policy; if anyone changes one without the other,
 * this fails and says how to regenerate. Also runs the CLI command end to end on real files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { command } from '../../../src/cli/render-envoy.js';
import { loadPolicy } from '../../../src/config/load.js';
import { renderEnvoy } from '../../../src/envoy/render.js';
import { checkEnvoyReferences, validateEnvoyYaml } from '../../helpers/envoy-validate.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const POLICY = join(ROOT, 'envoy/portcullis.yaml');
const RENDERED = join(ROOT, 'envoy/envoy.yaml');
/** Each committed rendering and the policy it is rendered from. */
const PAIRS = [
  { policy: 'envoy/portcullis.yaml', rendered: 'envoy/envoy.yaml' },
  { policy: 'deploy/kubernetes/portcullis.yaml', rendered: 'deploy/kubernetes/envoy.yaml' },
];

async function runCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const code = await command.run(args, { stdout, stderr, env: {} });
  return { code, stdout: out, stderr: err };
}

describe.each(PAIRS)('the committed $rendered', ({ policy, rendered }) => {
  it(`is exactly what render-envoy makes of ${policy}`, async () => {
    const loaded = await loadPolicy(join(ROOT, policy));
    if (!loaded.ok) throw new Error(`${policy} does not load:\n${loaded.errors.join('\n')}`);
    const { yaml } = renderEnvoy(loaded.policy.spec, { policyDir: loaded.policy.dir, source: policy });
    const committed = readFileSync(join(ROOT, rendered), 'utf8');
    if (committed !== yaml) {
      expect.fail(`${rendered} is out of date with ${policy}; regenerate it with:\n  portcullis render-envoy --config ${policy} --out ${rendered}`);
    }
  });

  it("passes the strict validation against Envoy's API, with every reference resolved", () => {
    const text = readFileSync(join(ROOT, rendered), 'utf8');
    expect(validateEnvoyYaml(text)).toEqual([]);
    expect(checkEnvoyReferences(parse(text))).toEqual([]);
  });
});

describe('render-envoy command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-render-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the rendering to stdout, or writes it with --out', async () => {
    const printed = await runCommand(['--config', POLICY]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(readFileSync(RENDERED, 'utf8'));
    const out = join(dir, 'envoy.yaml');
    const written = await runCommand(['--config', POLICY, '--out', out]);
    expect(written.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout);
  });

  it('renders the HTTP authorization variant, valid for Envoy', async () => {
    const r = await runCommand(['--config', POLICY, '--http-authz']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('http_service:');
    expect(validateEnvoyYaml(r.stdout)).toEqual([]);
  });

  it('reports what Envoy cannot express at the policy line, exit 1', async () => {
    const file = join(dir, 'proxies.yaml');
    writeFileSync(
      file,
      [
        'clientIp:',
        '  from: xff',
        '  trustedHops: 1',
        '  trustedProxies: [10.0.0.0/8]',
        'envoy:',
        '  upstreams: { app: { address: "app:80" } }',
        'routes:',
        '  - name: all',
        '    match: { path: { prefix: / } }',
        '    upstream: app',
        '',
      ].join('\n'),
    );
    const r = await runCommand(['--config', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^proxies\.yaml:4 clientIp\.trustedProxies: Envoy cannot trust X-Forwarded-For by proxy address/);
  });

  it('reports an invalid policy as the loader does, and a missing file, exit 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'envoy:\n  listner: { port: 1 }\nroutes: []\n');
    const bad = await runCommand(['--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:2 .*listner/);
    const missing = await runCommand(['--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read policy file: ENOENT/);
  });

  it('--check: exit 0 when the file is up to date, 1 (writing nothing) when it is not', async () => {
    expect((await runCommand(['--config', POLICY, '--out', RENDERED, '--check'])).code).toBe(0);
    const stale = join(dir, 'stale.yaml');
    writeFileSync(stale, 'admin: {}\n');
    const r = await runCommand(['--config', POLICY, '--out', stale, '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/out of date: run portcullis render-envoy --config envoy\/portcullis\.yaml --out /);
    expect(readFileSync(stale, 'utf8')).toBe('admin: {}\n');
    await expect(runCommand(['--config', POLICY, '--check'])).rejects.toThrow(/--check needs --out/);
  });

  it('cannot write where it is told: a clear error, exit 1', async () => {
    const r = await runCommand(['--config', POLICY, '--out', join(dir, 'no/such/dir/envoy.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*ENOENT/);
  });

  it('refuses unknown flags and a missing --config as usage errors', async () => {
    await expect(runCommand(['--config', POLICY, '--bogus'])).rejects.toThrow(/bogus/);
    await expect(runCommand([])).rejects.toThrow(/--config/);
  });
});
