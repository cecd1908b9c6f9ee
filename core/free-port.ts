// A free TCP port on loopback, for a server started beside Plimsoll (a private Prometheus, a
// benchmark's broker, a test's receiver). The port is free when returned; the caller binds it
// soon after, and retries with another one should something take it first.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no free port')),
      );
    });
  });
}
