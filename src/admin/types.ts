/** Contracts of the admin HTTP API: routes are small handlers listed in src/admin/routes.ts. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface AdminRequest {
  method: string;
  /** Path without query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface AdminResponse {
  status: number;
  /** Serialized as JSON unless `contentType` says otherwise and body is a string. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** What admin handlers may reach in the running process. */
export interface AdminContext {
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Compiled top-level sections of the policy currently serving, by key (`ratelimit`, `providers`, ...). */
  shared(): Readonly<Record<string, unknown>>;
  /** The decision store for queries, when one is configured (see src/decisions). */
  decisionStore(): unknown;
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Matched against the path; capture groups are passed as `params`. */
  pattern: RegExp;
  handle(req: AdminRequest, params: string[], ctx: AdminContext): AdminResponse | Promise<AdminResponse>;
}
