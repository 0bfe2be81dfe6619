/** JSON Schema of the policy's `envoy` block and a route's `envoy` key (owned by the Envoy rendering). */
import type { JsonSchema } from '../config/types.js';

export const envoySchema: JsonSchema = { type: 'object' };
export const routeEnvoySchema: JsonSchema = { type: 'object' };
