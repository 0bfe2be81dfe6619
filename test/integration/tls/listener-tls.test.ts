import { copyFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGrpcDefinitions } from '../../../src/grpc/protos.js';
import { makeTestPki, type TestPki } from '../../helpers/certs.js';
import { envoyCheckRequest, startTestServer, type TestServer } from '../../helpers/server.js';

let pki: TestPki;
let s: TestServer;

beforeAll(async () => {
  pki = makeTestPki();
  s = await startTestServer(`
server:
  tls: { cert: ${pki.serverCert}, key: ${pki.serverKey}, clientCa: ${pki.caCert}, requireClientCert: true, admin: true, reloadSeconds: 0.2 }
default: { action: allow }
routes: []
`);
});
afterAll(async () => {
  await s?.close();
});

function grpcCheck(creds: grpc.ChannelCredentials): Promise<any> {
  const Client = grpc.makeGenericClientConstructor(loadGrpcDefinitions().authorization, 'a');
  const client = new Client(`127.0.0.1:${s.grpcPort}`, creds) as any;
  return new Promise((resolve, reject) => {
    client.Check(envoyCheckRequest({ path: '/x' }), { deadline: Date.now() + 3000 }, (e: Error | null, r: any) => {
      client.close();
      if (e) reject(e);
      else resolve(r);
    });
  });
}

function httpsGet(port: number, path: string, cert?: { cert: Buffer; key: Buffer }): Promise<{ status: number; peerCn: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca: pki.read('caCert'), ...cert, servername: 'localhost', agent: false }, (res) => {
      const peerCn = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN?.toString() ?? '';
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, peerCn }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mTLS on the gRPC listener', () => {
  it('serves a client with a certificate from the configured CA', async () => {
    const res = await grpcCheck(grpc.credentials.createSsl(pki.read('caCert'), pki.read('clientKey'), pki.read('clientCert')));
    expect(res.status.code).toBe(0);
  });

  it('refuses a client without a certificate', async () => {
    await expect(grpcCheck(grpc.credentials.createSsl(pki.read('caCert')))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    await expect(grpcCheck(grpc.credentials.createSsl(pki.read('caCert'), pki.read('strangerKey'), pki.read('strangerCert')))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses plaintext', async () => {
    await expect(grpcCheck(grpc.credentials.createInsecure())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});

describe('mTLS on the HTTP authz and admin listeners', () => {
  it('serves a good client and refuses one without a certificate or from another CA', async () => {
    const good = { cert: pki.read('clientCert'), key: pki.read('clientKey') };
    expect((await httpsGet(s.httpAuthzPort!, '/x', good)).status).toBe(200);
    expect((await httpsGet(s.adminPort, '/healthz', good)).status).toBe(200);
    await expect(httpsGet(s.httpAuthzPort!, '/x')).rejects.toThrow();
    await expect(httpsGet(s.httpAuthzPort!, '/x', { cert: pki.read('strangerCert'), key: pki.read('strangerKey') })).rejects.toThrow();
  });

  it('picks up a replaced certificate without a restart', async () => {
    const good = { cert: pki.read('clientCert'), key: pki.read('clientKey') };
    expect((await httpsGet(s.httpAuthzPort!, '/x', good)).peerCn).toBe('server');
    // Serve the client certificate as the server's identity: a visible change of CN.
    copyFileSync(pki.clientCert, pki.serverCert);
    copyFileSync(pki.clientKey, pki.serverKey);
    let cn = '';
    for (let i = 0; i < 40 && cn !== 'client'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cn = await new Promise<string>((resolve) => {
        const req = httpsRequest({ host: '127.0.0.1', port: s.httpAuthzPort!, path: '/x', rejectUnauthorized: false, agent: false, ...good }, (res) => {
          resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN?.toString() ?? '');
          res.resume();
        });
        req.on('error', () => resolve(''));
        req.end();
      });
    }
    expect(cn).toBe('client');
    // The gRPC listener follows the same files.
    let grpcCn = '';
    for (let i = 0; i < 40 && grpcCn !== 'client'; i++) {
      grpcCn = await new Promise<string>((resolve) => {
        const sock = tlsConnect({ host: '127.0.0.1', port: s.grpcPort, rejectUnauthorized: false, ALPNProtocols: ['h2'], ...good }, () => {
          resolve(sock.getPeerCertificate().subject?.CN?.toString() ?? '');
          sock.destroy();
        });
        sock.on('error', () => resolve(''));
      });
      if (grpcCn !== 'client') await new Promise((r) => setTimeout(r, 100));
    }
    expect(grpcCn).toBe('client');
  });
});
