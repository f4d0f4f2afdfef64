// The proxy's upstream fetch on Node, over node:http/node:https with keep-alive agents instead of
// the global fetch. The FetchLike seam (src/proxy/upstream.ts) stays a standard Response, but a
// JSON answer is read whole before it is wrapped, so the web-streams machinery of undici's fetch
// (a ReadableStream per request and per answer, each made transferable, the fetch algorithm's
// promise chain) is skipped: measured in docs/performance.md. Event streams stay streams. A 3xx is
// returned as it is, never followed (the upstream call turns it into a 502, and the judge client
// into a failed call); only a caller that asks for `redirect: 'follow'` outright, or sends a body
// other than a string or bytes, goes through the global fetch. No `accept-encoding` is added, so
// answers arrive uncompressed.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '../proxy/upstream.ts';

export interface NodeFetchOptions {
  /** Idle keep-alive sockets kept per upstream host (default 256). */
  maxFreeSockets?: number;
}

/** Body types this fetch sends itself; anything else goes through the global fetch. */
function sendableBody(body: RequestInit['body']): body is string | Uint8Array | null | undefined {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike & { close(): void } {
  const agentOptions = { keepAlive: true, maxFreeSockets: options.maxFreeSockets ?? 256, scheduling: 'lifo' as const };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);

  const nodeFetch = (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const secure = url.protocol === 'https:';
    if ((!secure && url.protocol !== 'http:') || !sendableBody(init.body) || init.redirect === 'follow') return fetch(input, init);
    const signal = init.signal ?? null;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const headers = headerRecord(init.headers);
    const body = init.body ?? null;
    if (body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => {
        const error = abortError(signal!);
        req.destroy(error);
        fail(error);
      };
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        { method: init.method ?? 'GET', headers, agent: secure ? https : http },
        (res) => {
          const type = String(res.headers['content-type'] ?? '');
          if (type.startsWith('text/event-stream')) {
            // The caller reads it as it comes; an abort afterwards ends the stream with the reason.
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            if (signal) signal.addEventListener('abort', () => res.destroy(abortError(signal)), { once: true });
            try {
              resolve(answer(res, Readable.toWeb(res) as ReadableStream<Uint8Array>));
            } catch (error) {
              res.destroy();
              reject(error);
            }
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.once('close', () => fail(new Error('upstream answer cut short')));
          res.once('end', () => {
            if (settled) return;
            if (!res.complete) return fail(new Error('upstream answer cut short'));
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            try {
              resolve(answer(res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body ?? undefined);
    });
  };
  return Object.assign(nodeFetch, {
    close() {
      http.destroy();
      https.destroy();
    },
  });
}

/** A standard Response for the upstream's answer (throws RangeError on a status outside 200-599). */
function answer(res: IncomingMessage, body: Uint8Array | ReadableStream<Uint8Array>): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = res.statusCode ?? 0;
  // A null-body status (204, 304) cannot carry one, even an empty one.
  const empty = status === 204 || status === 205 || status === 304;
  const init = { status, statusText: res.statusMessage ?? '', headers };
  if (empty) return new Response(null, init);
  return body instanceof Uint8Array ? bufferedResponse(body, init) : new Response(body, init);
}

const utf8 = new TextDecoder();

/**
 * A Response over an answer already in memory whose `text()`, `json()` and `arrayBuffer()` read the
 * bytes directly. The Response that @hono/node-server puts in place of the global one otherwise
 * builds undici's Response, and with it a ReadableStream made transferable, just to read them back
 * (about 3% of a short chat's main thread). `body`, `blob()`, `formData()` and `clone()` are the
 * standard ones; whichever way it goes, the body is read once.
 */
function bufferedResponse(bytes: Uint8Array, init: ResponseInit): Response {
  const response = new Response(bytes, init);
  const standard = Object.getPrototypeOf(response) as Response;
  const used = () => new TypeError('Body is unusable: Body has already been read');
  let read = false;
  // Set once the standard Response is asked for its body: it keeps its own state from then on (and
  // asking it anything builds it, so it is not asked before).
  let handedOn = false;
  const bodyUsed = () => read || (handedOn && (Reflect.get(standard, 'bodyUsed', response) as boolean));
  const take = (): Promise<Uint8Array> => {
    if (bodyUsed()) return Promise.reject(used());
    read = true;
    return Promise.resolve(bytes);
  };
  const handOn = <T>(name: 'blob' | 'formData' | 'clone') => (): T => {
    if (read) throw used();
    handedOn = true;
    return (standard[name] as () => T).call(response);
  };
  // TextDecoder as Response.text(): malformed bytes become U+FFFD and a leading BOM is dropped.
  const text = () => take().then((body) => utf8.decode(body));
  Object.defineProperties(response, {
    bodyUsed: { get: bodyUsed },
    body: {
      get: () => {
        if (read) return null;
        handedOn = true;
        return Reflect.get(standard, 'body', response) as ReadableStream<Uint8Array> | null;
      },
    },
    text: { value: text },
    json: { value: () => text().then((body) => JSON.parse(body) as unknown) },
    arrayBuffer: { value: () => take().then((body) => body.slice().buffer) },
    blob: { value: handOn('blob') },
    formData: { value: handOn('formData') },
    clone: { value: handOn('clone') },
  });
  return response;
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers));
  return { ...(headers as Record<string, string>) };
}

/** The abort's reason (what mapFetchFailure reads from the signal), as an Error for destroy(). */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(reason === undefined ? 'This operation was aborted' : String(reason), 'AbortError');
}
