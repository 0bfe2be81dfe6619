/** `portcullis decisions`: query the decision store named in the policy (read-only), or one given directly. */
import { resolve } from 'node:path';
import { loadPolicy } from '../config/load.js';
import { resolveSecretValue } from '../config/secrets.js';
import { decisionsConfig } from '../decisions/config.js';
import { recordsTable, statsTable } from '../decisions/format.js';
import { openPgStore, openSqliteStore } from '../decisions/open-store.js';
import { parseFilter, parseStatsQuery } from '../decisions/query.js';
import type { DecisionStore } from '../decisions/store.js';
import { configOption, parse, UsageError } from './args.js';
import type { CliCommand, CliIo } from './types.js';

const FILTER_FLAGS = {
  since: 'since', until: 'until', verdict: 'verdict', type: 'type', route: 'route', code: 'code', ip: 'ip',
  principal: 'principal', 'request-id': 'requestId', 'rule-id': 'ruleId', limit: 'limit', by: 'by', top: 'top',
} as const;

const options = {
  ...configOption,
  sqlite: { type: 'string' },
  postgres: { type: 'string' },
  'pg-schema': { type: 'string' },
  'pg-table': { type: 'string' },
  format: { type: 'string', short: 'f' },
  ...Object.fromEntries(Object.keys(FILTER_FLAGS).map((k) => [k, { type: 'string' }])),
} as const;

const usage = `portcullis decisions [--config FILE] [filters] [--format table|json|ndjson]
portcullis decisions stats [--config FILE] [--by route,code,...] [--top N] [filters] [--format table|json]
portcullis decisions get <id> [--config FILE]

Reads the decision store the policy names (PostgreSQL when configured, else SQLite), read-only.
Instead of --config: --sqlite FILE, or --postgres URL [--pg-schema NAME] [--pg-table NAME].

Filters:
  --since 15m|1h|7d|ISO-TIME    from (inclusive)          --until ...          to (exclusive)
  --verdict allow|deny          --type check|ratelimit    --route NAME         --code ERROR-CODE
  --ip ADDRESS|CIDR (v4/v6)     --principal NAME          --request-id ID      --rule-id WAF-RULE-ID
  --limit N                     records, or groups for stats (default 100, at most 10000)
Stats:
  --by route,code,verdict,type,principal,clientIp         --top N   top denied principals and IPs (default 10)

Exit status: 0 found, 1 not found or store unavailable, 2 bad usage or filters.`;

async function openStore(values: Record<string, string | boolean | undefined>, io: CliIo): Promise<DecisionStore> {
  const str = (k: string) => values[k] as string | undefined;
  if (str('sqlite') !== undefined && str('postgres') !== undefined) throw new UsageError('give --sqlite or --postgres, not both');
  if (str('sqlite') !== undefined) return openSqliteStore(resolve(str('sqlite')!), { readonly: true });
  if (str('postgres') !== undefined) return openPgStore(str('postgres')!, { schema: str('pg-schema') ?? 'public', table: str('pg-table') ?? 'decisions', poolSize: 2, readonly: true });
  const file = str('config') ?? io.env.PORTCULLIS_CONFIG;
  if (!file) throw new UsageError('no store: pass --config FILE (or PORTCULLIS_CONFIG), --sqlite FILE or --postgres URL');
  const loaded = await loadPolicy(file);
  if (!loaded.ok) throw new StoreUnavailable(`${loaded.errors.join('\n')}\nthe policy is invalid`);
  const cfg = decisionsConfig(loaded.policy.spec.decisions, loaded.policy.dir);
  if (cfg.query === 'postgres' && cfg.postgres) {
    const url = resolveSecretValue(cfg.postgres.url, loaded.policy.dir);
    return openPgStore(url, { ...cfg.postgres, poolSize: 2, readonly: true });
  }
  if (cfg.query === 'sqlite' && cfg.sqlite) return openSqliteStore(cfg.sqlite, { readonly: true });
  throw new StoreUnavailable(`${file}: the policy keeps no decision store (decisions.sqlite is false and no decisions.postgres)`);
}

class StoreUnavailable extends Error {}

export const command: CliCommand = {
  name: 'decisions',
  summary: 'query recorded decisions: list with filters, stats, or one by id',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, true);
    const [sub, ...rest] = positionals;
    if (sub !== undefined && sub !== 'stats' && sub !== 'get') throw new UsageError(`unknown subcommand '${sub}' (stats, get)`);
    if (sub === 'get' ? rest.length !== 1 : rest.length !== 0) throw new UsageError(sub === 'get' ? 'get takes one decision id' : `unexpected argument '${rest[0]}'`);
    const format = (values.format as string | undefined) ?? (sub === 'get' ? 'json' : 'table');
    const formats = sub === 'stats' ? ['table', 'json'] : ['table', 'json', 'ndjson'];
    if (!formats.includes(format)) throw new UsageError(`--format takes ${formats.join(', ')}`);

    const params = new URLSearchParams();
    for (const [flag, name] of Object.entries(FILTER_FLAGS)) {
      const v = (values as Record<string, unknown>)[flag];
      if (typeof v !== 'string') continue;
      if ((name === 'by' || name === 'top') && sub !== 'stats') throw new UsageError(`--${flag} is for 'decisions stats'`);
      params.set(name, v);
    }
    if (sub === 'get' && [...params].length > 0) throw new UsageError('get takes no filters');
    const filter = sub === 'stats' ? parseStatsQuery(params) : parseFilter(params);
    if (!filter.ok) throw new UsageError(filter.errors.join('\n'));

    let store: DecisionStore;
    try {
      store = await openStore(values as Record<string, string | undefined>, io);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      io.stderr.write(`portcullis decisions: ${(err as Error).message}\n`);
      return 1;
    }
    try {
      if (sub === 'get') {
        const rec = await store.get(rest[0]!);
        if (!rec) {
          io.stderr.write(`portcullis decisions: no decision ${rest[0]}\n`);
          return 1;
        }
        io.stdout.write(format === 'table' ? recordsTable([rec]) : `${JSON.stringify(rec, null, format === 'ndjson' ? undefined : 2)}\n`);
        return 0;
      }
      if (sub === 'stats') {
        const s = await store.stats(filter.value as Parameters<DecisionStore['stats']>[0]);
        io.stdout.write(format === 'json' ? `${JSON.stringify(s, null, 2)}\n` : statsTable(s));
        return 0;
      }
      const records = await store.query(filter.value);
      if (format === 'json') io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      else if (format === 'ndjson') io.stdout.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      else io.stdout.write(recordsTable(records));
      return 0;
    } catch (err) {
      io.stderr.write(`portcullis decisions: the store could not answer: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await store.close().catch(() => {});
    }
  },
};
