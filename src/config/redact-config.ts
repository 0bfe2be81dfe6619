/** The effective policy for `/config`: secrets replaced, references (`{ env }`, `{ file }`) kept. */

const SECRET_KEY = /(secret|password|passwd|token|apikey|api_key|privatekey|private_key|credential|hash(es)?|keys?)$/i;

export function redactConfig(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (('env' in o || 'file' in o) && Object.keys(o).length === 1) return o;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && !/^(keys?)$/i.test(key)) return '[redacted]';
    // Credentials inside URLs (redis://user:pass@host, postgres://...).
    return value.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1[redacted]@');
  }
  return value;
}
