/** The `portcullis` command: dispatches to one subcommand per file. */
import { UsageError } from './args.js';
import type { CliCommand, CliIo } from './types.js';
import { command as checkConfig } from './check-config.js';
import { command as counters } from './counters.js';
import { command as crsTest } from './crs-test.js';
import { command as decisions } from './decisions.js';
import { command as devToken } from './dev-token.js';
import { command as evalCommand } from './eval.js';
import { command as renderEnvoy } from './render-envoy.js';
import { command as serve } from './serve.js';

export const commands: readonly CliCommand[] = [serve, checkConfig, evalCommand, decisions, counters, renderEnvoy, devToken, crsTest];

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
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`portcullis: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
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
