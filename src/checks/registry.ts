/**
 * Every kind of check the policy can name, one line each. The pipeline order is the route's list; this
 * registry only maps a kind to its factory.
 */
import type { CheckFactory } from '../config/types.js';
import { apiKeyCheck } from './api-key/index.js';
import { headersCheck } from './headers/index.js';
import { ipPolicyCheck } from './ip-policy/index.js';
import { jwtAuthCheck } from './jwt-auth/index.js';
import { rateLimitCheck } from './rate-limit/index.js';
import { requestSchemaCheck } from './request-schema/index.js';
import { wafCheck } from './waf/index.js';

export const checkFactories: readonly CheckFactory[] = [
  headersCheck,
  ipPolicyCheck,
  jwtAuthCheck,
  apiKeyCheck,
  rateLimitCheck,
  requestSchemaCheck,
  wafCheck,
];
