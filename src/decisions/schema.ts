/** JSON Schema of the policy's `decisions` block (owned by the decisions store). */
import type { JsonSchema } from '../config/types.js';
import { durationSchema, sizeSchema } from '../lib/units.js';

const secretRef: JsonSchema = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } },
  ],
};

const sqlName: JsonSchema = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,47}$' };
const nameList: JsonSchema = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 128 }, uniqueItems: true };

export const decisionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sqlite: { anyOf: [{ type: 'string', minLength: 1 }, { const: false }] },
    postgres: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: secretRef,
        schema: sqlName,
        table: sqlName,
        poolSize: { type: 'integer', minimum: 1, maximum: 64 },
      },
    },
    stdout: { type: 'boolean' },
    query: { enum: ['sqlite', 'postgres'] },
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAge: durationSchema,
        maxRows: { type: 'integer', minimum: 1 },
        maxSize: sizeSchema,
        every: durationSchema,
      },
    },
    queue: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max: { type: 'integer', minimum: 1, maximum: 10_000_000 },
        batch: { type: 'integer', minimum: 1, maximum: 50_000 },
        flushMs: { type: 'integer', minimum: 1, maximum: 60_000 },
      },
    },
    redact: {
      type: 'object',
      additionalProperties: false,
      properties: {
        headers: nameList,
        queryParams: nameList,
        bodyFields: nameList,
        descriptorKeys: nameList,
      },
    },
  },
};
