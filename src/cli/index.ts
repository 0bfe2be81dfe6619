/**
 * The `portcullis` command: dispatches to one subcommand per file. Commands load on demand, so `--help` and
 * small commands do not pay for loading the WAF engine or the stores.
 */
import { UsageError } from './args.js';
import type { CliCommand, CliIo } from './types.js';

interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<{ command: CliCommand }>;
}

export const commands: readonly CommandEntry[] = [
  { name: 'serve', summary: 'run the ext_authz, rate-limit and health gRPC services and the admin API', load: () => import('./serve.js') },
  { name: 'check-config', summary: 'validate and compile a policy; print errors (exit 1) or a summary and warnings (exit 0)', load: () => import('./check-config.js') },
  { name: 'eval', summary: 'run one request through the policy and explain the decision (nothing recorded)', load: () => import('./eval.js') },
  { name: 'decisions', summary: 'query recorded decisions: list with filters, stats, or one by id', load: () => import('./decisions.js') },
  { name: 'counters', summary: 'read or reset rate-limit counters (through the admin API)', load: () => import('./counters.js') },
  { name: 'render-envoy', summary: 'write envoy.yaml from the policy', load: () => import('./render-envoy.js') },
  { name: 'dev-token', summary: "mint a JWT with a provider's development signing key (development policies only)", load: () => import('./dev-token.js') },
  { name: 'crs-test', summary: 'run the OWASP CRS regression tests through the WAF engine and report pass rates per rule family', load: () => import('./crs-test.js') },
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `portcullis: a policy sidecar for Envoy (ext_authz, rate limits, WAF, decisions)

Usage: portcullis <command> [options]     (every command takes --config FILE, or PORTCULLIS_CONFIG)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'portcullis <command> --help' for a command's options.
`;
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.stdout.write('portcullis 0.1.0\n');
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`portcullis: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const { command: cmd } = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`portcullis ${name}: ${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    throw err;
  }
}
