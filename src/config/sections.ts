/**
 * Top-level policy blocks compiled once per policy and shared by routes (keys, rule sets, stores), one line
 * each. Their resources reach checks as `deps.shared[key]`.
 */
import { providersSection } from '../checks/jwt-auth/providers-section.js';
import { openapiSection } from '../openapi/section.js';
import { rateLimitSection } from '../ratelimit/section.js';
import { wafSection } from '../checks/waf/section.js';
import type { PolicySection } from './types.js';

export const policySections: readonly PolicySection[] = [
  rateLimitSection,
  providersSection,
  openapiSection,
  wafSection,
];
