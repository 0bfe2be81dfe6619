/** Starting and stopping the two servers the bench compares, as child processes on loopback. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadGrpcDefinitions } from '../../src/grpc/protos.js';
import { benchDir, repoRoot } from './paths.js';

export interface RunningServer {
  name: string;
  address: string;
  pid: number;
  child: ChildProcess;
  /** The admin API's address, for a candidate. */
  admin?: string;
  /** Last lines the server wrote to stderr, for failure reports. */
  stderrTail(): string;
  stop(): Promise<void>;
}

function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  });
  return () => text.trim().split('\n').slice(-8).join('\n');
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

export async function startBaseline(): Promise<RunningServer> {
  const child = fork(join(benchDir, 'baseline-server.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const stderrTail = tail(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('baseline did not start in 10 s')), 10_000);
    child.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (typeof m?.port === 'number') resolve(m.port);
      else reject(new Error('baseline sent no port'));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baseline exited (${code}): ${stderrTail()}`));
    });
  });
  return { name: 'baseline', address: `127.0.0.1:${port}`, pid: child.pid!, child, stderrTail, stop: stopper(child) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `portcullis serve` on the policy and waits until its health service says SERVING. */
export async function startCandidate(
  policyYaml: string,
  dir: string,
  env: Record<string, string> | undefined,
  nodeArgs: string[] = [],
  timeoutMs = 30_000,
): Promise<RunningServer> {
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml);
  const root = repoRoot();
  const grpcPort = await freePort();
  const adminPort = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(root, 'bin', 'portcullis.js'), 'serve', '--config', policyFile, '--grpc', `127.0.0.1:${grpcPort}`, '--admin', `127.0.0.1:${adminPort}`, '--http-authz', 'off'],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stderrTail = tail(child);
  const address = `127.0.0.1:${grpcPort}`;
  const server: RunningServer = { name: 'portcullis', address, admin: `127.0.0.1:${adminPort}`, pid: child.pid!, child, stderrTail, stop: stopper(child) };
  try {
    await waitServing(address, child, timeoutMs);
  } catch (err) {
    await server.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}${stderrTail() ? `\n${stderrTail()}` : ''}`);
  }
  return server;
}

async function waitServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const Health = grpc.makeGenericClientConstructor(loadGrpcDefinitions().health, 'Health');
  const client = new Health(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => (exited = `portcullis exited (${code ?? signal}) before serving`);
  child.once('exit', onExit);
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(exited);
      const status = await new Promise<string | undefined>((resolve) =>
        client.Check({ service: '' }, { deadline: Date.now() + 1000 }, (err: unknown, res: { status?: string }) => resolve(err ? undefined : res?.status)),
      );
      if (status === 'SERVING') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(exited ?? `portcullis not SERVING within ${timeoutMs} ms`);
  } finally {
    child.off('exit', onExit);
    client.close();
  }
}
