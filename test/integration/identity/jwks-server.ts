/** A loopback issuer for tests: serves a JWKS and an OpenID configuration, and can be slowed, broken or stopped. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export interface FakeIssuer {
  readonly url: string;
  keys: JWK[];
  /** HTTP status to answer with instead of the document (e.g. 500); 0 = normal. */
  failWith: number;
  /** Delay before answering, ms. */
  delayMs: number;
  /** Issuer announced by discovery (defaults to the server's own URL). */
  announcedIssuer: string | undefined;
  /** Extra bytes padded into the JWKS (to exceed size caps). */
  padBytes: number;
  jwksHits: number;
  discoveryHits: number;
  close(): Promise<void>;
}

export async function startIssuer(keys: JWK[] = []): Promise<FakeIssuer> {
  const state = { keys, failWith: 0, delayMs: 0, announcedIssuer: undefined as string | undefined, padBytes: 0, jwksHits: 0, discoveryHits: 0 };
  const server: Server = createServer((req, res) => {
    const isJwks = req.url === '/jwks.json';
    const isDiscovery = req.url === '/.well-known/openid-configuration';
    if (isJwks) state.jwksHits++;
    if (isDiscovery) state.discoveryHits++;
    const answer = () => {
      if (res.destroyed) return;
      if (state.failWith) {
        res.writeHead(state.failWith).end('down');
        return;
      }
      if (isJwks) {
        const body: Record<string, unknown> = { keys: state.keys };
        if (state.padBytes) body.padding = 'x'.repeat(state.padBytes);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else if (isDiscovery) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: state.announcedIssuer ?? url, jwks_uri: `${url}/jwks.json` }));
      } else {
        res.writeHead(404).end();
      }
    };
    if (state.delayMs) setTimeout(answer, state.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return issuer as FakeIssuer;
}
