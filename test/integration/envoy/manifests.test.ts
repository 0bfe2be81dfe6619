/**
 * The Kubernetes and Istio manifests parse and agree with each other and with the policies they carry: names,
 * ports, mount paths, the provider Istio calls, and policies that Portcullis's own loader accepts.
 */
import { readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadPolicy, parsePolicyText } from '../../../src/config/load.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const docs = (p: string): Obj[] =>
  parseAllDocuments(read(p)).map((d) => {
    expect(d.errors, p).toEqual([]);
    return d.toJS() as Obj;
  });
const byKind = (list: Obj[], kind: string, name?: string) => {
  const found = list.find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  expect(found, `${kind} ${name ?? ''}`).toBeDefined();
  return found!;
};
const container = (deployment: Obj, name: string): Obj => deployment.spec.template.spec.containers.find((c: Obj) => c.name === name);
const mountOf = (c: Obj, volume: string): string => c.volumeMounts.find((m: Obj) => m.name === volume)?.mountPath;
const volume = (deployment: Obj, name: string): Obj => deployment.spec.template.spec.volumes.find((v: Obj) => v.name === name);
const portOf = (hostPort: string) => Number(hostPort.split(':').pop());

function filenames(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => filenames(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'filename' && typeof x === 'string' ? out.push(x) : filenames(x, out));
  return out;
}

describe('deploy/kubernetes: the standalone gateway pod', () => {
  const kustomization = parse(read('deploy/kubernetes/kustomization.yaml')) as Obj;
  const manifests = docs('deploy/kubernetes/gateway.yaml');
  const deployment = byKind(manifests, 'Deployment', 'portcullis-gateway');
  const service = byKind(manifests, 'Service', 'portcullis-gateway');
  const netpol = byKind(manifests, 'NetworkPolicy');
  const envoyC = container(deployment, 'envoy');
  const portcullisC = container(deployment, 'portcullis');
  const envoyYaml = parse(read('deploy/kubernetes/envoy.yaml')) as Obj;
  const policy = parse(read('deploy/kubernetes/portcullis.yaml')) as Obj;
  const generated = new Map<string, string>(kustomization.configMapGenerator.map((g: Obj) => [g.name, g.files[0]]));

  it('lists resources and generated files that exist, mounted under the generated names', () => {
    for (const r of kustomization.resources) expect(() => read(`deploy/kubernetes/${r}`)).not.toThrow();
    for (const file of generated.values()) expect(() => read(`deploy/kubernetes/${file}`)).not.toThrow();
    expect(volume(deployment, 'envoy-config').configMap.name).toBe('portcullis-envoy');
    expect(volume(deployment, 'policy').configMap.name).toBe('portcullis-policy');
    expect(generated.has('portcullis-envoy') && generated.has('portcullis-policy')).toBe(true);
  });

  it('starts Envoy and Portcullis on the mounted, generated files', () => {
    const envoyCfg = envoyC.command[envoyC.command.indexOf('-c') + 1];
    expect(envoyCfg).toBe(posix.join(mountOf(envoyC, 'envoy-config'), generated.get('portcullis-envoy')!));
    const policyCfg = portcullisC.args[portcullisC.args.indexOf('--config') + 1];
    expect(policyCfg).toBe(posix.join(mountOf(portcullisC, 'policy'), generated.get('portcullis-policy')!));
  });

  it('mounts every file envoy.yaml loads', () => {
    const mounts = envoyC.volumeMounts.map((m: Obj) => m.mountPath as string);
    const files = filenames(envoyYaml);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(mounts.some((m: string) => f.startsWith(`${m}/`)), f).toBe(true);
  });

  it('agrees on ports: listener, container, Service, NetworkPolicy; Portcullis on loopback at its gRPC port', () => {
    const listenerPort = envoyYaml.static_resources.listeners[0].address.socket_address.port_value;
    const https = envoyC.ports.find((p: Obj) => p.name === 'https');
    expect(https.containerPort).toBe(listenerPort);
    expect(service.spec.ports[0].targetPort).toBe('https');
    expect(netpol.spec.ingress[0].ports.map((p: Obj) => p.port)).toEqual([listenerPort]);
    const grpcPort = portOf(policy.server.grpc);
    expect(portcullisC.ports.find((p: Obj) => p.name === 'grpc').containerPort).toBe(grpcPort);
    expect(portcullisC.readinessProbe.grpc).toEqual({ port: grpcPort, service: 'envoy.service.auth.v3.Authorization' });
    const authz = envoyYaml.static_resources.clusters.find((c: Obj) => c.name === 'portcullis_authz');
    expect(authz.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: grpcPort });
  });

  it('writes decisions to a mounted scratch volume, runs non-root, and pins the same Envoy as compose', async () => {
    const dir = posix.dirname(policy.decisions.sqlite);
    const decisions = portcullisC.volumeMounts.find((m: Obj) => m.mountPath === dir);
    expect(decisions).toBeDefined();
    expect(volume(deployment, decisions.name).emptyDir).toBeDefined();
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const compose = parse(read('docker-compose.yml')) as Obj;
    expect(envoyC.image).toBe(compose.services.envoy.image);
    const loaded = await loadPolicy(join(ROOT, 'deploy/kubernetes/portcullis.yaml'));
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
  });
});

describe('deploy/istio: Portcullis as the mesh external authorizer', () => {
  const mesh = parse(read('deploy/istio/mesh-config.yaml')) as Obj;
  const authz = parse(read('deploy/istio/authorization-policy.yaml')) as Obj;
  const manifests = docs('deploy/istio/portcullis.yaml');
  const ns = byKind(manifests, 'Namespace');
  const configMap = byKind(manifests, 'ConfigMap', 'portcullis-policy');
  const deployment = byKind(manifests, 'Deployment', 'portcullis');
  const service = byKind(manifests, 'Service', 'portcullis');
  const provider = mesh.spec.meshConfig.extensionProviders[0];
  const c = container(deployment, 'portcullis');

  it('registers an envoyExtAuthzGrpc provider that fails closed with 503 and the AuthorizationPolicy uses it with CUSTOM', () => {
    expect(authz.kind).toBe('AuthorizationPolicy');
    expect(authz.spec.action).toBe('CUSTOM');
    expect(authz.spec.provider.name).toBe(provider.name);
    expect(provider.envoyExtAuthzGrpc.failOpen).toBe(false);
    expect(provider.envoyExtAuthzGrpc.statusOnError).toBe('503');
    expect(provider.envoyExtAuthzGrpc.includeRequestBodyInCheck.maxRequestBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('points the provider at the Service, at the port Portcullis serves gRPC on', () => {
    const grpc = provider.envoyExtAuthzGrpc;
    expect(grpc.service).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
    const port = service.spec.ports.find((p: Obj) => p.port === grpc.port);
    expect(port).toBeDefined();
    expect(port.name).toMatch(/^grpc/);
    const containerPort = c.ports.find((p: Obj) => p.name === port.targetPort);
    const policy = parse(configMap.data['portcullis.yaml']) as Obj;
    expect(containerPort.containerPort).toBe(portOf(policy.server.grpc));
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
  });

  it('keeps everything in the namespace it creates, and serves the ConfigMap policy, which the loader accepts', () => {
    for (const d of [configMap, deployment, service]) expect(d.metadata.namespace).toBe(ns.metadata.name);
    const key = Object.keys(configMap.data)[0]!;
    const cfg = c.args[c.args.indexOf('--config') + 1];
    expect(cfg).toBe(posix.join(mountOf(c, 'policy'), key));
    expect(volume(deployment, 'policy').configMap.name).toBe(configMap.metadata.name);
    const result = parsePolicyText(configMap.data[key], join(ROOT, 'deploy/istio/portcullis.yaml'));
    expect(result.ok ? [] : result.errors).toEqual([]);
    const policy = parse(configMap.data[key]) as Obj;
    expect(policy.envoy).toBeUndefined();
    const dir = posix.dirname(policy.decisions.sqlite);
    expect(c.volumeMounts.some((m: Obj) => m.mountPath === dir)).toBe(true);
  });
});
