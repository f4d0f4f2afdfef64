// The Node upstream fetch (src/node/http-fetch.ts) against a real node:http server on loopback:
// what it sends, a JSON answer read whole, an event stream read as it comes, redirects returned
// and never followed, aborts carrying their reason, a cut-off answer refused, and a JSON answer's
// body read once whichever way it is read. The global Response is @hono/node-server's, as in the
// server (installed by getRequestListener, for this file only: vitest isolates files).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../../src/node/http-fetch.ts';

const undiciResponse = Response;
getRequestListener(() => new Response(null));

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: Seen[] = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/json': (_req, res) => {
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end('{"ok":true}');
  },
  '/bom': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"a":"'), 0xff, ...Buffer.from('"}')])),
  '/redirect': (_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end('moved'),
  '/empty': (_req, res) => res.writeHead(204).end(),
  '/events': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    setTimeout(() => res.end('data: two\n\n'), 50);
  },
  '/slow': (_req, res) => setTimeout(() => res.writeHead(200).end('late'), 2_000),
  '/cut': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial":');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/error': (_req, res) => res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' }).end('{"error":{"message":"slow down"}}'),
};

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
  });
});
let base = '';
const nodeFetch = createNodeFetch();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  nodeFetch.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createNodeFetch', () => {
  it('sends the method, headers and body with its length, and returns a standard Response', async () => {
    const response = await nodeFetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer up' }, body: '{"q":"é"}' });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ ok: true });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/json', body: '{"q":"é"}' });
    expect(request.headers).toMatchObject({ authorization: 'Bearer up', 'content-length': String(Buffer.byteLength('{"q":"é"}')), connection: 'keep-alive' });
  });

  it('runs under @hono/node-server\'s Response, as the server does', () => {
    expect(Response).not.toBe(undiciResponse);
  });

  it('reads a JSON answer once, by text(), json() or arrayBuffer(), as a standard Response does', async () => {
    const url = `${base}/json`;
    const byText = await nodeFetch(url, { method: 'GET' });
    expect(byText.bodyUsed).toBe(false);
    expect(await byText.text()).toBe('{"ok":true}');
    expect(byText.bodyUsed).toBe(true);
    await expect(byText.text()).rejects.toThrow(TypeError);
    await expect(byText.json()).rejects.toThrow(TypeError);
    expect(() => byText.clone()).toThrow(TypeError);

    expect(await (await nodeFetch(url, { method: 'GET' })).json()).toEqual({ ok: true });
    expect(new TextDecoder().decode(await (await nodeFetch(url, { method: 'GET' })).arrayBuffer())).toBe('{"ok":true}');

    // The standard body first: then the bytes are its, not read again.
    const byStream = await nodeFetch(url, { method: 'GET' });
    expect(new TextDecoder().decode((await byStream.body!.getReader().read()).value)).toBe('{"ok":true}');
    await expect(byStream.text()).rejects.toThrow(TypeError);

    const original = await nodeFetch(url, { method: 'GET' });
    const copy = original.clone();
    expect(await copy.text()).toBe('{"ok":true}');
    expect(await original.json()).toEqual({ ok: true });
  });

  it('decodes as Response.text() does: a leading BOM dropped, malformed bytes as U+FFFD', async () => {
    const response = await nodeFetch(`${base}/bom`, { method: 'GET' });
    expect(await response.text()).toBe('{"a":"\ufffd"}');
  });

  it('keeps the connection for the next call', async () => {
    const ports = new Set<number>();
    server.on('request', (req: IncomingMessage) => ports.add(req.socket.remotePort ?? 0));
    for (let i = 0; i < 3; i++) await (await nodeFetch(`${base}/json`, { method: 'GET' })).text();
    expect(ports.size).toBe(1);
  });

  it('returns a redirect as it is, without following it', async () => {
    const response = await nodeFetch(`${base}/redirect`, { method: 'GET', redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://127.0.0.1:1/elsewhere');
    expect(seen.at(-1)!.url).toBe('/redirect');
  });

  it('answers a null-body status without a body, and an error status with its body', async () => {
    const empty = await nodeFetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const limited = await nodeFetch(`${base}/error`, { method: 'POST', body: '{}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.text()).toContain('slow down');
  });

  it('resolves an event stream at its headers and reads the events as they come', async () => {
    const response = await nodeFetch(`${base}/events`, { method: 'GET' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('rejects with the abort reason when the signal fires before the answer', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline');
    setTimeout(() => controller.abort(reason), 50);
    await expect(nodeFetch(`${base}/slow`, { method: 'GET', signal: controller.signal })).rejects.toBe(reason);
    const aborted = AbortSignal.abort(reason);
    await expect(nodeFetch(`${base}/json`, { method: 'GET', signal: aborted })).rejects.toBe(reason);
  });

  it('rejects an answer cut off before its Content-Length', async () => {
    await expect(nodeFetch(`${base}/cut`, { method: 'GET' })).rejects.toThrow();
  });

  it('rejects when nothing listens', async () => {
    await expect(nodeFetch('http://127.0.0.1:1/x', { method: 'GET' })).rejects.toThrow();
  });
});
