/**
 * The top-level `providers` section: JWT providers compiled once per policy and shared by every route's
 * `jwt-auth` check (as `deps.shared.providers`). Its readiness lists providers still waiting for keys.
 */
import type { PolicySection } from '../../config/types.js';
import { compileProvider } from './compile-provider.js';
import type { JwtProvider } from './provider.js';
import { providersSchema, type ProvidersSpec } from './provider-spec.js';

export class JwtProviders {
  constructor(readonly jwt: ReadonlyMap<string, JwtProvider>) {}

  readiness(): string[] {
    return [...this.jwt.values()].flatMap((p) => p.readiness());
  }

  dispose(): void {
    for (const p of this.jwt.values()) p.dispose();
  }
}

export const providersSection: PolicySection<ProvidersSpec, JwtProviders> = {
  key: 'providers',
  schema: providersSchema,
  async compile(spec, deps) {
    const jwt = new Map<string, JwtProvider>();
    try {
      for (const [name, p] of Object.entries(spec?.jwt ?? {})) jwt.set(name, await compileProvider(name, p, deps));
    } catch (err) {
      // Providers compiled before the failure may have started timers.
      for (const p of jwt.values()) p.dispose();
      throw err;
    }
    return new JwtProviders(jwt);
  },
  readiness: (resource) => resource.readiness(),
  dispose: (resource) => resource.dispose(),
};
