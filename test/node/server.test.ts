// The Node server's defences against slow and greedy clients, over raw sockets (a client library
// would not stall on purpose): a request whose headers or body never finish is answered 408 and
// its socket closed; connections over the cap are refused; a normal request still works.

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ACME_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack({ connections: { headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 3 } });

interface OpenSocket {
  socket: Socket;
  /** Everything the server sent until it closed the socket. */
  closed: Promise<string>;
}

async function open(): Promise<OpenSocket> {
  const { port } = new URL(stack.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', () => {});
    socket.once('close', () => resolve(received));
  });
  return { socket, closed };
}

const head = (length: number) =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ACME_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow clients', () => {
  it('answers 408 and closes the socket when the body never finishes', async () => {
    const { socket, closed } = await open();
    socket.write(`${head(1000)}{"model":"gpt-4o-mini","messages":[`);
    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('answers 408 and closes the socket when the headers never finish', async () => {
    const { socket, closed } = await open();
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('still serves a request that arrives in one go', async () => {
    const { response } = await stack.postJson('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(response.status).toBe(200);
  });
});

describe('connection cap', () => {
  it('refuses connections over the cap and accepts new ones once others closed', async () => {
    const held = await Promise.all([open(), open(), open()]);
    const refused = await open();
    // Over the cap: the server closes it without reading or answering.
    expect(await refused.closed).toBe('');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    const { response } = await stack.postJson('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello again' }] });
    expect(response.status).toBe(200);
  });
});
