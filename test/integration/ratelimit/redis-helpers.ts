/** Helpers for the rate-limit integration tests: a private redis-server, key cleanup, a bundled worker. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const SHARED_REDIS = 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `portcullis-test:${name}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
}

/** Deletes every key under `prefix` on the shared Redis. */
export async function cleanupPrefix(prefix: string, url = SHARED_REDIS): Promise<void> {
  const r = new Redis(url, { lazyConnect: true });
  await r.connect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `redis-server` on `port` as a child process and waits until it answers. */
export async function startRedis(port: number, extra: string[] = [], cwd?: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extra], { stdio: 'ignore', cwd });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on ${port} did not start`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * Bundles a TypeScript entry (and everything it imports, node_modules included) into one ESM file, so a child
 * process can run project code without a build step.
 */
export async function bundle(entry: string): Promise<string> {
  const { build } = await import('rolldown');
  const outDir = mkdtempSync(join(tmpdir(), 'portcullis-bundle-'));
  const file = join(outDir, 'worker.mjs');
  await build({
    input: entry,
    platform: 'node',
    logLevel: 'silent',
    output: { file, format: 'esm', banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return file;
}

export const here = dirname(fileURLToPath(import.meta.url));
