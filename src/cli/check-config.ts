import { Registry } from 'prom-client';
import { silentLogger } from '../lib/logger.js';
import { createCoreMetrics } from '../lib/metrics.js';
import { loadAndCompile } from '../runtime/policy-holder.js';
import { configOption, configPath, crsDir, parse } from './args.js';
import type { CliCommand } from './types.js';

export const command: CliCommand = {
  name: 'check-config',
  summary: 'validate and compile a policy; print errors (exit 1) or a summary and warnings (exit 0)',
  usage: `portcullis check-config --config FILE [--crs-dir DIR] [--json]

Validates the policy against its schema, compiles every section and check (no network I/O), and prints
each error as file:line key.path: message.`,
  async run(argv, io) {
    const { values } = parse(argv, { ...configOption, 'crs-dir': { type: 'string' }, json: { type: 'boolean' } });
    const file = configPath(values.config, io);
    const r = await loadAndCompile(file, { crsDir: crsDir(values['crs-dir'], io), logger: silentLogger(), metrics: createCoreMetrics(new Registry(), false), live: false });
    if (!r.ok) {
      if (values.json) io.stdout.write(JSON.stringify({ ok: false, errors: r.errors }, null, 2) + '\n');
      else io.stderr.write(`${r.errors.join('\n')}\n${r.errors.length} error(s); the policy is invalid\n`);
      return 1;
    }
    const p = r.policy;
    try {
      const summary = {
        ok: true,
        file: p.file,
        hash: p.hash.slice(0, 12),
        routes: p.routes.map((route) => ({ name: route.name, checks: route.checks.map((c) => (c.shadow ? `${c.kind} (shadow)` : c.kind)) })),
        sections: Object.keys(p.shared),
        identityHeaders: p.identityHeaders,
        warnings: p.warnings,
      };
      if (values.json) {
        io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      } else {
        io.stdout.write(`${p.file}: OK (${p.routes.length} routes, hash ${summary.hash})\n`);
        for (const route of summary.routes) io.stdout.write(`  ${route.name}: ${route.checks.join(' -> ') || '(no checks)'}\n`);
        for (const w of p.warnings) io.stdout.write(`warning: ${w}\n`);
      }
      return 0;
    } finally {
      await p.dispose();
    }
  },
};
