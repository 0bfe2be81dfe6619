/**
 * The policy file's JSON Schema, composed from the core keys, every registered section's schema and every
 * check factory's schema, so a new check or section is validated the moment it is registered.
 */
import { checkFactories } from '../checks/registry.js';
import { decisionsSchema } from '../decisions/schema.js';
import { envoySchema, routeEnvoySchema } from '../envoy/schema.js';
import { durationSchema, sizeSchema } from '../lib/units.js';
import { policySections } from './sections.js';
import type { JsonSchema } from './types.js';

const hostPort = { type: 'string', pattern: '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]*):\\d{1,5}$' };
const headerName = { type: 'string', pattern: '^[!#$%&\'*+\\-.^_`|~0-9A-Za-z]+$' };
const secretRef = {
  anyOf: [
    { type: 'string' },
    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } },
  ],
};

/** Keys every check accepts beside its own. */
const commonCheckProperties = {
  name: { type: 'string', minLength: 1, maxLength: 64 },
  shadow: { type: 'boolean' },
  onError: { enum: ['deny', 'allow'] },
};

function withCommonKeys(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
  return { ...schema, type: 'object', properties: { ...properties, ...commonCheckProperties } };
}

const serverSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    grpc: hostPort,
    admin: hostPort,
    httpAuthz: { anyOf: [hostPort, { const: false }] },
    httpAuthzPathPrefix: { type: 'string', pattern: '^(/[^?#]*)?$' },
    adminToken: secretRef,
    maxInFlight: { type: 'integer', minimum: 1 },
    drainSeconds: { type: 'number', minimum: 0, maximum: 600 },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['cert', 'key'],
      properties: {
        cert: { type: 'string' },
        key: { type: 'string' },
        clientCa: { type: 'string' },
        requireClientCert: { type: 'boolean' },
        admin: { type: 'boolean' },
        reloadSeconds: { type: 'number', minimum: 0.1, maximum: 3600 },
      },
    },
  },
};

const clientIpSchema = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['from'], properties: { from: { const: 'peer' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'trustedHops'],
      properties: {
        from: { const: 'xff' },
        trustedHops: { type: 'integer', minimum: 0, maximum: 32 },
        trustedProxies: { type: 'array', items: { type: 'string', pattern: '^[0-9A-Fa-f:.]+(/\\d{1,3})?$' } },
      },
    },
  ],
};

const pathMatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    exact: { type: 'string', pattern: '^/' },
    prefix: { type: 'string', pattern: '^/' },
    template: { type: 'string', pattern: '^/' },
  },
};

function routeSchema(): JsonSchema {
  const checkKinds = Object.fromEntries(checkFactories.map((f) => [f.kind, withCommonKeys(f.schema)]));
  return {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'match'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
      match: {
        type: 'object',
        additionalProperties: false,
        properties: {
          host: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] },
          path: pathMatchSchema,
          methods: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z]+$' } },
          contextExtensions: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      upstream: { type: 'string', minLength: 1 },
      maxBodyBytes: sizeSchema,
      inspectBodyBytes: sizeSchema,
      shadow: { type: 'boolean' },
      envoy: routeEnvoySchema,
      checks: {
        type: 'array',
        items: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          properties: checkKinds,
          additionalProperties: false,
        },
      },
    },
  };
}

export function buildPolicySchema(): JsonSchema {
  const sections = Object.fromEntries(policySections.map((s) => [s.key, s.schema]));
  return {
    type: 'object',
    additionalProperties: false,
    required: ['routes'],
    properties: {
      server: serverSchema,
      clientIp: clientIpSchema,
      identityHeaders: { type: 'array', items: headerName, uniqueItems: true },
      limits: {
        type: 'object',
        additionalProperties: false,
        properties: {
          maxHeaders: { type: 'integer', minimum: 1 },
          maxHeaderBytes: sizeSchema,
          maxTotalHeaderBytes: sizeSchema,
          checkTimeout: durationSchema,
        },
      },
      decisions: decisionsSchema,
      envoy: envoySchema,
      default: {
        type: 'object',
        additionalProperties: false,
        required: ['action'],
        properties: { action: { enum: ['allow', 'deny'] }, status: { type: 'integer', minimum: 400, maximum: 599 } },
      },
      routes: { type: 'array', items: routeSchema() },
      ...sections,
    },
  };
}
