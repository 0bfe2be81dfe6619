/**
 * The top-level `waf` policy section: named rule sets, each compiled once and shared by every route that
 * names it (`waf: { ruleset: crs-pl1 }`).
 */
import { PolicyError, type JsonSchema, type PolicySection } from '../../config/types.js';
import { SecLangError } from './seclang/tokenize.js';
import { buildRuleSet, type RuleSetSpec, type WafRuleSet } from './ruleset.js';

export interface WafSectionSpec {
  rulesets?: Record<string, RuleSetSpec>;
}

export interface WafSection {
  readonly rulesets: ReadonlyMap<string, WafRuleSet>;
}

const positive = { type: 'integer', minimum: 1 };

const rulesetSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: { type: 'array', items: { type: 'string', minLength: 1 } },
    inline: { type: 'string' },
    crs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        paranoia: { type: 'integer', minimum: 1, maximum: 4 },
        detectionParanoia: { type: 'integer', minimum: 1, maximum: 4 },
        anomalyThreshold: positive,
        setup: { type: 'string', minLength: 1 },
        vars: { type: 'object', propertyNames: { pattern: '^[A-Za-z0-9_]+$' }, additionalProperties: { type: ['string', 'number'] } },
      },
    },
    engine: { enum: ['On', 'DetectionOnly'] },
    exclusions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ids: { type: 'array', items: { anyOf: [positive, { type: 'string', pattern: '^\\d+(-\\d+)?$' }] } },
        tags: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    partialBody: { enum: ['inspect', 'deny'] },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: { argNameLength: positive, argLength: positive, totalArgLength: positive, maxArgs: positive },
    },
    maxBodyDepth: { type: 'integer', minimum: 1, maximum: 10000 },
  },
};

export const wafSection: PolicySection<WafSectionSpec, WafSection> = {
  key: 'waf',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rulesets: { type: 'object', propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' }, additionalProperties: rulesetSchema },
    },
  },
  compile(spec, deps) {
    const rulesets = new Map<string, WafRuleSet>();
    for (const [name, rs] of Object.entries(spec?.rulesets ?? {})) {
      const at = `waf.rulesets.${name}`;
      if (!rs.rules?.length && !rs.inline && !rs.crs) throw new PolicyError(at, 'a rule set needs rules, inline rules or crs');
      try {
        rulesets.set(
          name,
          buildRuleSet(name, rs, {
            resolvePath: deps.resolvePath,
            crsDirOverride: rs.crs ? deps.options.crsDir : undefined,
            warn: (m) => deps.warn(at, m),
          }),
        );
      } catch (err) {
        if (err instanceof SecLangError) throw new PolicyError(at, err.message);
        throw new PolicyError(at, err instanceof Error ? err.message : String(err));
      }
    }
    return { rulesets };
  },
};
