/** Binding and closing the project's HTTP(S) listeners (admin, HTTP authz) the same way. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Creates nothing: applies the shared timeouts, listens, and resolves with the bound port. */
export async function listenHttp(server: Server, host: string, port: number): Promise<number> {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and ends the open ones; resolves when the server has closed. */
export function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
