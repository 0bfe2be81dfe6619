import { startPortcullis } from '../main.js';
import { tuneGarbageCollectorForServing } from '../lib/gc-tuning.js';
import { PolicyCompileError } from '../config/compile.js';
import { configOption, configPath, crsDir, parse } from './args.js';
import type { CliCommand } from './types.js';

export const command: CliCommand = {
  name: 'serve',
  summary: 'run the ext_authz, rate-limit and health gRPC services and the admin API',
  usage: `portcullis serve --config FILE [--grpc HOST:PORT] [--admin HOST:PORT] [--crs-dir DIR]

  --config FILE      the policy (or PORTCULLIS_CONFIG)
  --grpc HOST:PORT   override server.grpc (default 0.0.0.0:9191)
  --admin HOST:PORT  override server.admin (default 127.0.0.1:9192)
  --http-authz HOST:PORT|off  override server.httpAuthz (default 0.0.0.0:9193)
  --crs-dir DIR      OWASP CRS directory (beats PORTCULLIS_CRS_DIR and the policy)

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the policy.`,
  async run(argv, io) {
    const { values } = parse(argv, { ...configOption, grpc: { type: 'string' }, admin: { type: 'string' }, 'http-authz': { type: 'string' }, 'crs-dir': { type: 'string' } });
    const file = configPath(values.config, io);
    tuneGarbageCollectorForServing();
    try {
      await startPortcullis({ configFile: file, grpc: values.grpc, admin: values.admin, httpAuthz: values['http-authz'] === 'off' ? false : values['http-authz'], crsDir: crsDir(values['crs-dir'], io), handleSignals: true });
    } catch (err) {
      if (err instanceof PolicyCompileError) {
        io.stderr.write(`portcullis: the policy is invalid, not starting:\n${err.errors.map((e) => `  ${e}`).join('\n')}\n`);
        return 1;
      }
      throw err;
    }
    // Keep running until a signal handler exits the process.
    return new Promise<number>(() => {});
  },
};
