/** `portcullis render-envoy`: writes Envoy's bootstrap (envoy.yaml) from the policy. */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { loadPolicy, locatorOf } from '../config/load.js';
import { PolicyError } from '../config/types.js';
import { renderEnvoy } from '../envoy/render.js';
import { configOption, configPath, parse, UsageError } from './args.js';
import type { CliCommand } from './types.js';

const usage = `portcullis render-envoy --config FILE [--out FILE [--check]] [--http-authz]

Renders Envoy's configuration (envoy.yaml) from the policy: the HTTPS listener, CORS, body limits, the
ext_authz and ratelimit filters calling Portcullis, and the upstream clusters.

  --config FILE   the policy file (or PORTCULLIS_CONFIG)
  --out FILE, -o  write here instead of stdout
  --check         with --out: write nothing, exit 1 if FILE differs from the rendering (for CI)
  --http-authz    call Portcullis's HTTP authorization server (ext_authz http_service) instead of gRPC

Exit codes: 0 rendered (or up to date), 1 the policy is invalid, Envoy cannot express it, or (--check) the
file is out of date, 2 bad usage.`;

/** The policy path for the header comment: relative to the working folder, never a machine's absolute path. */
function sourceName(file: string): string {
  const rel = relative(process.cwd(), resolve(file)).split(sep).join('/');
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : basename(file);
}

export const command: CliCommand = {
  name: 'render-envoy',
  summary: 'write envoy.yaml from the policy',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, { ...configOption, out: { type: 'string', short: 'o' }, check: { type: 'boolean' }, 'http-authz': { type: 'boolean' } });
    if (values.check && !values.out) throw new UsageError('--check needs --out FILE (the file to compare)');
    const file = configPath(values.config, io);
    const loaded = await loadPolicy(file);
    if (!loaded.ok) {
      for (const e of loaded.errors) io.stderr.write(`${e}\n`);
      return 1;
    }
    let rendered: { yaml: string; warnings: string[] };
    try {
      rendered = renderEnvoy(loaded.policy.spec, { policyDir: loaded.policy.dir, httpAuthz: values['http-authz'] ?? false, source: sourceName(file) });
    } catch (err) {
      if (err instanceof PolicyError) {
        io.stderr.write(`${locatorOf(loaded.policy).format(err.at, err.message.slice(err.at.length + 2))}\n`);
        return 1;
      }
      throw err;
    }
    for (const w of rendered.warnings) io.stderr.write(`warning: ${w}\n`);
    if (values.out && values.check) {
      let current: string | undefined;
      try {
        current = await readFile(values.out, 'utf8');
      } catch {
        current = undefined;
      }
      if (current === rendered.yaml) {
        io.stderr.write(`${values.out} is up to date\n`);
        return 0;
      }
      io.stderr.write(`${values.out} is out of date: run portcullis render-envoy --config ${sourceName(file)} --out ${values.out}\n`);
      return 1;
    }
    if (values.out) {
      try {
        await writeFile(values.out, rendered.yaml);
      } catch (err) {
        io.stderr.write(`render-envoy: cannot write ${values.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
        return 1;
      }
      io.stderr.write(`wrote ${values.out}\n`);
    } else {
      io.stdout.write(rendered.yaml);
    }
    return 0;
  },
};
