/**
 * Logs go to stderr (stdout carries only decision records). Secrets are redacted by path, so a header map or
 * a policy fragment logged by mistake still shows no credential.
 */
import { pino, type Logger } from 'pino';

export const redactPaths = [
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'headers["x-api-key"]',
  'cookie', '*.cookie', 'password', '*.password', 'secret', '*.secret', 'token', '*.token',
];

export function createLogger(level: string = process.env.PORTCULLIS_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { name: 'portcullis', level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { pid: process.pid } },
    pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that discards everything, for tests and one-shot CLI commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
