/** JSON Schema of the policy's `decisions` block (owned by the decisions store). */
import type { JsonSchema } from '../config/types.js';

export const decisionsSchema: JsonSchema = { type: 'object' };
