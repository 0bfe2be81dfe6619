/**
 * Envoy's real API definitions (shipped by the @grpc/grpc-js-xds devDependency) and the official health proto
 * (grpc-health-check), loaded as oracles for wire compatibility. Tests only; never used at run time.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoLoaderOptions } from '../../../src/grpc/protos.js';

const require = createRequire(import.meta.url);
const xdsRoot = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const healthRoot = dirname(require.resolve('grpc-health-check/package.json'));

let envoyPkg: protoLoader.PackageDefinition | undefined;

export function envoyPackage(): protoLoader.PackageDefinition {
  envoyPkg ??= protoLoader.loadSync(['envoy/service/auth/v3/external_auth.proto', 'envoy/service/ratelimit/v3/rls.proto'], {
    ...protoLoaderOptions,
    includeDirs: ['envoy-api', 'googleapis', 'xds', 'protoc-gen-validate'].map((d) => join(xdsRoot, 'deps', d)),
  });
  return envoyPkg;
}

export function envoyServices(): { authorization: grpc.ServiceDefinition; rateLimit: grpc.ServiceDefinition } {
  const pkg = envoyPackage();
  return {
    authorization: pkg['envoy.service.auth.v3.Authorization'] as grpc.ServiceDefinition,
    rateLimit: pkg['envoy.service.ratelimit.v3.RateLimitService'] as grpc.ServiceDefinition,
  };
}

export function officialHealth(): grpc.ServiceDefinition {
  const pkg = protoLoader.loadSync('health/v1/health.proto', { ...protoLoaderOptions, includeDirs: [join(healthRoot, 'proto')] });
  return pkg['grpc.health.v1.Health'] as grpc.ServiceDefinition;
}

/** A minimal protobuf writer, to build bytes by hand from the field tables for fields the oracle lacks. */
export const pb = {
  varint(n: number | bigint): Buffer {
    let v = BigInt(n);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      out.push(byte);
    } while (v > 0n);
    return Buffer.from(out);
  },
  tag(field: number, wireType: number): Buffer {
    return pb.varint((field << 3) | wireType);
  },
  int(field: number, n: number | bigint): Buffer {
    return Buffer.concat([pb.tag(field, 0), pb.varint(n)]);
  },
  bytes(field: number, data: Buffer | string): Buffer {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    return Buffer.concat([pb.tag(field, 2), pb.varint(b.length), b]);
  },
  msg(field: number, ...parts: Buffer[]): Buffer {
    return pb.bytes(field, Buffer.concat(parts));
  },
};
