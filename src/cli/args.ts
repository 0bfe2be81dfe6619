/** Shared argument handling for the subcommands (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './types.js';

export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const configOption = { config: { type: 'string', short: 'c' } } as const satisfies Options;

/** Parses argv strictly; unknown flags are a UsageError with the flag named. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--config FILE`, else PORTCULLIS_CONFIG. */
export function configPath(value: string | undefined, io: CliIo): string {
  const file = value ?? io.env.PORTCULLIS_CONFIG;
  if (!file) throw new UsageError('no policy file: pass --config FILE or set PORTCULLIS_CONFIG');
  return file;
}

/** `--crs-dir` beats PORTCULLIS_CRS_DIR, which beats the policy's own setting. */
export function crsDir(value: string | undefined, io: CliIo): string | undefined {
  return value ?? io.env.PORTCULLIS_CRS_DIR ?? undefined;
}
