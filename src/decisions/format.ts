/** Human-readable renderings of records and stats for the CLI (`--format table`). */
import type { DecisionRecord } from './record.js';
import type { DecisionStats } from './store.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function clip(s: string, n: number): string {
  // Control characters from stored data must not drive the operator's terminal.
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > n ? `${clean.slice(0, n - 1)}…` : clean;
}

function ms(us: number | null): string {
  return us === null ? '-' : (us / 1000).toFixed(us < 10_000 ? 2 : 1);
}

export function recordsTable(records: readonly DecisionRecord[]): string {
  if (records.length === 0) return 'no decisions match\n';
  const rows = records.map((r) => {
    if (r.type === 'ratelimit') {
      const d = r.descriptors.map((x) => x.entries.map((e) => `${e.key}=${e.value}`).join(',')).join(' ');
      return [r.time, r.verdict, '-', r.overallCode === 'OK' ? '' : r.overallCode, `rls:${clip(r.domain, 24)}`, '', clip(d, 48), '', '', ms(r.latencyUs), r.id];
    }
    return [r.time, r.verdict, String(r.status), r.code ?? '', clip(r.route, 24), r.method, clip(r.path, 48), r.clientIp, clip(r.principal ?? '', 24), ms(r.latencyUs), r.id];
  });
  return table(['TIME', 'VERDICT', 'STATUS', 'CODE', 'ROUTE', 'METHOD', 'PATH', 'CLIENT IP', 'PRINCIPAL', 'MS', 'ID'], rows);
}

export function statsTable(s: DecisionStats): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  let out = `window: ${s.window.since ?? 'beginning'} .. ${s.window.until ?? 'now'}   (${s.source}, ${s.tookMs} ms)\n`;
  out += `total: ${s.total.count} decisions, ${s.total.deny} denied (${pct(s.total.denyRate)}), p50 ${ms(s.total.p50Us)} ms, p99 ${ms(s.total.p99Us)} ms\n`;
  if (s.by.length > 0) {
    out += '\n';
    const rows = s.groups.map((g) => [...s.by.map((d) => clip(g.key[d] || '-', 40)), String(g.count), String(g.deny), pct(g.denyRate), ms(g.p50Us), ms(g.p99Us)]);
    out += table([...s.by.map((d) => d.toUpperCase()), 'COUNT', 'DENY', 'DENY%', 'P50 MS', 'P99 MS'], rows);
    if (s.groupsTotal > s.groups.length) out += `(${s.groupsTotal - s.groups.length} more groups; raise --limit)\n`;
  }
  if (s.topDenied.principals.length > 0) out += `\ntop denied principals:\n${table(['PRINCIPAL', 'COUNT'], s.topDenied.principals.map((p) => [clip(p.principal, 60), String(p.count)]))}`;
  if (s.topDenied.clientIps.length > 0) out += `\ntop denied client IPs:\n${table(['CLIENT IP', 'COUNT'], s.topDenied.clientIps.map((p) => [p.clientIp, String(p.count)]))}`;
  return out;
}
