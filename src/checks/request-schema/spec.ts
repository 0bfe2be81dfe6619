/** The `request-schema` check's policy spec and its JSON Schema. */
import type { JsonSchema } from '../../config/types.js';

/** Per location: `{ <name>: <schema + required/style/explode> }`, or one object schema (`type: object` or a `$ref`). */
export type LocationSpec = Record<string, unknown>;

export interface RequestSchemaSpec {
  /** JSON Schema for the body (inline, or `{ $ref: file }` relative to the policy folder). */
  body?: Record<string, unknown> | boolean;
  /** true: every method must send a body; a list: these methods must. Default false. */
  bodyRequired?: boolean | string[];
  /** Accepted content types (ranges allowed: `application/*+json`, `text/*`); others get 415. */
  contentTypes?: string[];
  query?: LocationSpec;
  path?: LocationSpec;
  headers?: LocationSpec;
  cookies?: LocationSpec;
  /** A body Envoy sent only in part: deny 413 (default) or let it through unvalidated. */
  partialBody?: 'deny' | 'allow';
  /** Most errors listed in a deny body (default 5). */
  maxErrors?: number;
  /** Limits checked on the raw JSON bytes before parsing. */
  jsonLimits?: { maxDepth?: number; maxMembers?: number };
  /** Validate against the operations of a document named in the top-level `openapi` section. */
  openapi?: string;
  /** For `openapi`: a request the document does not define is denied (404/405, default) or allowed. Overrides the document's setting. */
  unknownOperation?: 'deny' | 'allow';
}

const location: JsonSchema = { type: 'object' };

export const requestSchemaSpecSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    body: { type: ['object', 'boolean'] },
    bodyRequired: {
      anyOf: [{ type: 'boolean' }, { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Za-z]+$' } }],
    },
    contentTypes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 3 } },
    query: location,
    path: location,
    headers: location,
    cookies: location,
    partialBody: { enum: ['deny', 'allow'] },
    maxErrors: { type: 'integer', minimum: 1, maximum: 50 },
    jsonLimits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxDepth: { type: 'integer', minimum: 1, maximum: 1000 },
        maxMembers: { type: 'integer', minimum: 1, maximum: 10000000 },
      },
    },
    openapi: { type: 'string', minLength: 1 },
    unknownOperation: { enum: ['deny', 'allow'] },
  },
};
