import { describe, expect, it } from 'vitest';
import { loadGrpcDefinitions, protosDir } from '../../../src/grpc/protos.js';

describe('loadGrpcDefinitions', () => {
  it('loads the three services with the method paths Envoy calls', () => {
    const defs = loadGrpcDefinitions();
    expect(defs.authorization.Check.path).toBe('/envoy.service.auth.v3.Authorization/Check');
    expect(defs.rateLimit.ShouldRateLimit.path).toBe('/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit');
    expect(defs.health.Check.path).toBe('/grpc.health.v1.Health/Check');
    expect(defs.health.Watch.responseStream).toBe(true);
    expect(defs.health.List.path).toBe('/grpc.health.v1.Health/List');
  });

  it('loads once', () => {
    expect(loadGrpcDefinitions()).toBe(loadGrpcDefinitions());
  });

  it('finds protos/ from the module location', () => {
    expect(protosDir()).toMatch(/protos$/);
  });
});
