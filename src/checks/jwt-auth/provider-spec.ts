/** The `providers.jwt.<name>` block of the policy: its shape and JSON Schema. */
import type { JsonSchema, SecretRef } from '../../config/types.js';
import { durationSchema, sizeSchema } from '../../lib/units.js';
import { ALGORITHM_NAMES } from './algorithms.js';

/** One place a token may come from. */
export type TokenSourceSpec = { header: string; prefix?: string } | { query: string } | { cookie: string };

/** One key source. */
export type KeySourceSpec =
  | { file: string; kid?: string }
  | { env: string; kid?: string }
  | { pem: string; kid?: string }
  | { jwk: Record<string, unknown> }
  | { jwks: string }
  | { discovery: true | string };

export interface KeyRefreshSpec {
  /** Refresh interval of JWKS and discovery keys (default 10m). */
  interval?: string | number;
  /** Least time between fetches triggered by an unknown kid (default 30s). */
  cooldown?: string | number;
  /** Timeout of one fetch (default 5s). */
  timeout?: string | number;
  /** Largest JWKS or discovery document accepted (default 512KiB). */
  maxBytes?: string | number;
}

export interface JwtProviderSpec {
  issuer?: string;
  issuers?: string[];
  keys?: KeySourceSpec | KeySourceSpec[];
  /** Shared secret for HS256/384/512. */
  secret?: SecretRef;
  /** The secret is base64 (or base64url) text (Kong's `secret_is_base64`). */
  secretIsBase64?: boolean;
  algorithms?: string[];
  audiences?: string[];
  clockSkew?: string | number;
  maxLifetime?: string | number;
  requiredClaims?: string[];
  /** Claim naming the principal (default `sub`). */
  principalClaim?: string;
  tokenFrom?: TokenSourceSpec | TokenSourceSpec[];
  keyRefresh?: KeyRefreshSpec;
  /** Longest a request waits for keys being fetched (default 50ms). */
  keyWait?: string | number;
  /** Cache of verified tokens; `false` verifies every request. */
  cache?: false | { maxEntries?: number; maxTtl?: string | number };
  /** Private key `dev-token` signs with; only for development policies. */
  devSigningKey?: { file: string; kid?: string };
}

export interface ProvidersSpec {
  jwt?: Record<string, JwtProviderSpec>;
}

const headerName = { type: 'string', pattern: '^[!#$%&\'*+\\-.^_`|~0-9A-Za-z]+$' };
const kid = { type: 'string', minLength: 1, maxLength: 256 };
const url = { type: 'string', pattern: '^https?://' };

export const tokenSourceSchema: JsonSchema = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['header'], properties: { header: headerName, prefix: { type: 'string', pattern: '^[!-~]+$' } } },
    { type: 'object', additionalProperties: false, required: ['query'], properties: { query: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['cookie'], properties: { cookie: { type: 'string', minLength: 1 } } },
  ],
};

export const tokenFromSchema: JsonSchema = { anyOf: [tokenSourceSchema, { type: 'array', minItems: 1, items: tokenSourceSchema }] };

const keySourceSchema: JsonSchema = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 }, kid } },
    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 }, kid } },
    { type: 'object', additionalProperties: false, required: ['pem'], properties: { pem: { type: 'string', minLength: 1 }, kid } },
    { type: 'object', additionalProperties: false, required: ['jwk'], properties: { jwk: { type: 'object', required: ['kty'] } } },
    { type: 'object', additionalProperties: false, required: ['jwks'], properties: { jwks: url } },
    { type: 'object', additionalProperties: false, required: ['discovery'], properties: { discovery: { anyOf: [{ const: true }, url] } } },
  ],
};

const secretRefSchema: JsonSchema = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } },
  ],
};

export const jwtProviderSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['keys'] }, { required: ['secret'] }],
  properties: {
    issuer: { type: 'string', minLength: 1 },
    issuers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    keys: { anyOf: [keySourceSchema, { type: 'array', minItems: 1, items: keySourceSchema }] },
    secret: secretRefSchema,
    secretIsBase64: { type: 'boolean' },
    algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ALGORITHM_NAMES } },
    audiences: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    clockSkew: durationSchema,
    maxLifetime: durationSchema,
    requiredClaims: { type: 'array', items: { type: 'string', minLength: 1 } },
    principalClaim: { type: 'string', minLength: 1 },
    tokenFrom: tokenFromSchema,
    keyRefresh: {
      type: 'object',
      additionalProperties: false,
      properties: { interval: durationSchema, cooldown: durationSchema, timeout: durationSchema, maxBytes: sizeSchema },
    },
    keyWait: durationSchema,
    cache: {
      anyOf: [
        { const: false },
        { type: 'object', additionalProperties: false, properties: { maxEntries: { type: 'integer', minimum: 1, maximum: 10_000_000 }, maxTtl: durationSchema } },
      ],
    },
    devSigningKey: { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 }, kid } },
  },
};

export const providersSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    jwt: { type: 'object', propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' }, additionalProperties: jwtProviderSchema },
  },
};
