// A loopback port nothing listens on: bound to port 0, then released, for a server a test (or a
// bench) starts itself on a known port (redis-server, a dead upstream).

import { createServer } from 'node:net';

export async function unusedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
