/**
 * Renders Envoy's bootstrap (envoy.yaml) from the policy, so Envoy's half (TLS, CORS, body limits, what is sent
 * to Portcullis, rate-limit descriptors, upstreams) cannot drift from Portcullis's half. What Envoy cannot
 * express throws a PolicyError naming the key.
 */
import { stringify } from 'yaml';
import type { PolicySpec } from '../config/policy-spec.js';
import { clusters } from './clusters.js';
import { buildContext, DEFAULTS, type RenderOptions } from './context.js';
import { socketAddress, splitHostPort } from './format.js';
import { listener } from './listener.js';

export type { RenderOptions } from './context.js';

/** The comment atop the rendering; `source` names the policy file as the user should type it. */
export function renderedHeader(source?: string): string {
  const lines = ['# Rendered from the Portcullis policy by `portcullis render-envoy`; do not edit by hand.'];
  if (source) lines.push(`# Regenerate: portcullis render-envoy --config ${source} --out <this file>`);
  return lines.join('\n');
}

export function renderEnvoyConfig(spec: PolicySpec, opts: RenderOptions): { config: Record<string, unknown>; warnings: string[] } {
  const ctx = buildContext(spec, opts);
  const config: Record<string, unknown> = {};
  const admin = ctx.envoy.admin === undefined ? DEFAULTS.admin : ctx.envoy.admin;
  if (admin !== false) {
    const hp = splitHostPort(admin, 'envoy.admin');
    config.admin = { address: socketAddress(hp.host, hp.port) };
  }
  config.static_resources = { listeners: [listener(ctx)], clusters: clusters(ctx) };
  return { config, warnings: ctx.warnings };
}

export function renderEnvoy(spec: PolicySpec, opts: RenderOptions): { yaml: string; warnings: string[] } {
  const { config, warnings } = renderEnvoyConfig(spec, opts);
  const body = stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
  return { yaml: `${renderedHeader(opts.source)}\n${body}`, warnings };
}
