/** Where a bearer token is read from: a header (with a scheme prefix), a query parameter or a cookie. */
import type { AuthzRequest } from '../../pipeline/types.js';
import type { TokenSourceSpec } from './provider-spec.js';

export const DEFAULT_TOKEN_SOURCES: readonly TokenSourceSpec[] = [{ header: 'authorization', prefix: 'Bearer' }];

export interface FoundToken {
  token: string;
  /** The header it came from (lower-case), so it can be removed upstream; undefined for query and cookie. */
  header: string | undefined;
}

export type TokenExtractor = (req: AuthzRequest) => FoundToken | undefined;

export function compileTokenSources(specs: readonly TokenSourceSpec[]): TokenExtractor {
  const readers = specs.map((s): TokenExtractor => {
    if ('header' in s) {
      const name = s.header.toLowerCase();
      const prefix = effectivePrefix(s);
      return (req) => {
        const value = req.headers[name];
        if (value === undefined) return undefined;
        if (!prefix) {
          const token = value.trim();
          return token ? { token, header: name } : undefined;
        }
        // The scheme is case-insensitive (RFC 9110); another scheme (Basic, ...) means no bearer token here.
        if (value.length <= prefix.length || value.slice(0, prefix.length).toLowerCase() !== prefix) return undefined;
        const token = value.slice(prefix.length).trim();
        return token ? { token, header: name } : undefined;
      };
    }
    if ('query' in s) {
      const name = s.query;
      return (req) => {
        if (!req.rawQuery) return undefined;
        const token = req.query[name]?.[0];
        return token ? { token, header: undefined } : undefined;
      };
    }
    const name = s.cookie;
    return (req) => {
      if (req.headers['cookie'] === undefined) return undefined;
      const token = req.cookies[name];
      return token ? { token, header: undefined } : undefined;
    };
  });
  if (readers.length === 1) return readers[0]!;
  return (req) => {
    for (const read of readers) {
      const found = read(req);
      if (found) return found;
    }
    return undefined;
  };
}

/** A stable identity for a source list, to merge the lists of several providers without duplicates. */
export function sourceKey(s: TokenSourceSpec): string {
  if ('header' in s) return `header:${s.header.toLowerCase()}:${effectivePrefix(s)}`;
  if ('query' in s) return `query:${s.query}`;
  return `cookie:${s.cookie}`;
}

/** `Authorization` carries a scheme, so it defaults to `Bearer`; other headers carry the bare token. */
function effectivePrefix(s: { header: string; prefix?: string }): string {
  if (s.prefix !== undefined) return `${s.prefix.toLowerCase()} `;
  return s.header.toLowerCase() === 'authorization' ? 'bearer ' : '';
}
