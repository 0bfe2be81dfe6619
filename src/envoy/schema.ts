/** JSON Schema of the policy's `envoy` block and a route's `envoy` key (owned by the Envoy rendering). */
import type { JsonSchema } from '../config/types.js';
import { durationSchema } from '../lib/units.js';

const hostPort = { type: 'string', pattern: '^[^\\s:]+:\\d{1,5}$|^\\[[0-9a-fA-F:.]+\\]:\\d{1,5}$' };
const file = { type: 'string', minLength: 1 };
const strings = { type: 'array', items: { type: 'string', minLength: 1 } };
const tlsVersion = { type: 'string', enum: ['TLSv1_2', 'TLSv1_3', '1.2', '1.3'] };
const headerName = { type: 'string', pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' };

const RATE_LIMIT_ACTIONS = [
  'source_cluster',
  'destination_cluster',
  'request_headers',
  'remote_address',
  'generic_key',
  'header_value_match',
  'metadata',
  'extension',
  'masked_remote_address',
  'query_parameter_value_match',
  'query_parameters',
];

const upstreamTls: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ca'],
  properties: {
    ca: file,
    san: { anyOf: [{ type: 'string', minLength: 1 }, { ...strings, minItems: 1 }] },
    sni: { type: 'string', minLength: 1 },
    cert: file,
    key: file,
  },
  dependentRequired: { cert: ['key'], key: ['cert'] },
};

export const envoySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    admin: { anyOf: [hostPort, { const: false }] },
    filesDir: { type: 'string', pattern: '^/' },
    listener: {
      type: 'object',
      additionalProperties: false,
      properties: {
        address: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['cert', 'key'],
          properties: {
            cert: file,
            key: file,
            minVersion: tlsVersion,
            maxVersion: tlsVersion,
            ciphers: { ...strings, minItems: 1 },
            alpn: { ...strings, minItems: 1 },
            sessionTimeout: durationSchema,
            sessionTickets: { type: 'boolean' },
          },
        },
      },
    },
    portcullis: {
      anyOf: [
        hostPort,
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            address: hostPort,
            httpAuthz: hostPort,
            tls: { ...upstreamTls, required: [] },
          },
        },
      ],
    },
    cors: {
      type: 'object',
      additionalProperties: false,
      required: ['origins'],
      properties: {
        origins: { ...strings, minItems: 1 },
        methods: { type: 'array', items: { type: 'string', pattern: '^[A-Z]+$' } },
        headers: { type: 'array', items: headerName },
        exposeHeaders: { type: 'array', items: headerName },
        credentials: { type: 'boolean' },
        maxAge: { anyOf: [{ type: 'integer', minimum: 0 }, durationSchema] },
      },
    },
    upstreams: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['address'],
        properties: {
          address: { anyOf: [hostPort, { type: 'array', items: hostPort, minItems: 1 }] },
          tls: upstreamTls,
          http2: { type: 'boolean' },
          connectTimeout: durationSchema,
        },
      },
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        extAuthz: durationSchema,
        rateLimit: durationSchema,
        connect: durationSchema,
        route: durationSchema,
        request: durationSchema,
        idle: durationSchema,
      },
    },
    ratelimit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        domains: strings,
        actions: {
          type: 'object',
          // One Envoy rate-limit action each (RateLimit.Action's oneof), in Envoy's own YAML shape.
          additionalProperties: {
            type: 'object',
            minProperties: 1,
            maxProperties: 1,
            propertyNames: { enum: RATE_LIMIT_ACTIONS },
            additionalProperties: { type: 'object' },
          },
        },
      },
    },
    healthCheck: {
      type: 'object',
      additionalProperties: false,
      properties: { interval: durationSchema, timeout: durationSchema },
    },
    accessLog: { type: 'boolean' },
  },
};

export const routeEnvoySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timeout: durationSchema,
    prefixRewrite: { type: 'string', pattern: '^/' },
    rateLimit: { type: 'boolean' },
  },
};
